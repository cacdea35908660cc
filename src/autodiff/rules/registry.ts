/**
 * Registration of gradient rules (after tfjs-core's register_all_gradients.ts, but strict): rules enter a registry
 * through an explicit list, and a second rule for an op that already has one is refused, so two files can never
 * silently shadow each other.
 */
import { GeolensError } from '../../errors.js';
import type { GradRule } from './types.js';

/** Gradient rules by op type. Read-only to its users; filled only through registerRule/registerRules. */
export type RuleRegistry = ReadonlyMap<string, GradRule>;

/** Add one rule to `registry`. Throws GeolensError('BAD_ARGUMENT') when its op already has a rule. */
export function registerRule(registry: Map<string, GradRule>, rule: GradRule): void {
  if (registry.has(rule.opType)) {
    throw new GeolensError('BAD_ARGUMENT', `autodiff: a second gradient rule for ${rule.opType}; each op has exactly one rule: remove the duplicate from the registration list (autodiff/rules/index.ts).`, {
      op: rule.opType,
    });
  }
  registry.set(rule.opType, rule);
}

/** A registry holding `rules`, registered in order (see registerRule: duplicates throw). */
export function registerRules(rules: readonly GradRule[]): RuleRegistry {
  const registry = new Map<string, GradRule>();
  for (const r of rules) registerRule(registry, r);
  return registry;
}
