/** The gradient-rule registry: op names from OP, one rule per op, a second registration refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { NON_DIFFERENTIABLE_OPS, RULES } from '../../../src/autodiff/rules/index.js';
import { registerRule, registerRules } from '../../../src/autodiff/rules/registry.js';
import { reluRule } from '../../../src/autodiff/rules/relu.js';
import type { GradRule } from '../../../src/autodiff/rules/types.js';
import { GeolensError } from '../../../src/errors.js';
import { OP } from '../../../src/onnx/ops.js';

const duplicate = (op: string) => (e: unknown) => e instanceof GeolensError && e.code === 'BAD_ARGUMENT' && e.message.includes(`rule for ${op}`) && e.details?.['op'] === op;

test('a second rule for the same op is refused, in a list and one by one', () => {
  assert.throws(() => registerRules([reluRule, { ...reluRule }]), duplicate(OP.Relu));
  assert.throws(() => registerRules([...RULES.values(), reluRule]), duplicate(OP.Relu));
  const registry = new Map<string, GradRule>();
  registerRule(registry, reluRule);
  assert.throws(() => registerRule(registry, reluRule), duplicate(OP.Relu));
  assert.equal(registry.size, 1);
});

test('RULES: each rule under its own op name, every name an OP constant, none also non-differentiable', () => {
  const ops = new Set<string>(Object.values(OP));
  assert.ok(RULES.size >= 40);
  for (const [op, rule] of RULES) {
    assert.equal(rule.opType, op);
    assert.ok(ops.has(op), `${op} is in OP`);
    assert.ok(!NON_DIFFERENTIABLE_OPS.has(op), `${op} has a rule and is listed as non-differentiable`);
  }
  for (const op of NON_DIFFERENTIABLE_OPS) assert.ok(ops.has(op), `${op} is in OP`);
  for (const [k, v] of Object.entries(OP)) assert.equal(k, v, 'each constant is its own name');
});

test('rule files name ops through OP, not string literals', () => {
  const dir = 'src/autodiff/rules';
  const literal = /(?:\.op|\.node)\('[A-Z]|opType: '|\bop: '/;
  const offenders = readdirSync(dir).filter((f) => f.endsWith('.ts') && literal.test(readFileSync(`${dir}/${f}`, 'utf8')));
  assert.deepEqual(offenders, []);
});
