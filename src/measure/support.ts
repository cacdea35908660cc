/**
 * One truth about what geolens can do with a model: the checks the probes run before any work (the import's
 * findings, shape inference, the construction of the input-Jacobian graph), collected per capability. `inspect`
 * prints them per probe; every probe calls `requireSupport` first, so the two never disagree.
 */
import { buildInputJacobian } from '../autodiff/jacobian.js';
import { NON_DIFFERENTIABLE_OPS, RULES } from '../autodiff/rules/index.js';
import { GeolensError } from '../errors.js';
import type { ImportedModel, UnsupportedKind, UnsupportedOp } from '../onnx/import.js';
import { DataType } from '../onnx/proto.js';

/**
 * What a probe needs of a model: `forward` (run it on a batch, one sample independent of the others; read the
 * activations), `inputJacobian` (differentiate the logits with respect to the input: a gradient rule for every op
 * between them and geolens' Jacobian graph built).
 */
export type Capability = 'forward' | 'inputJacobian';

/** What each capability means, for messages. */
export const CAPABILITY_TEXT: Record<Capability, string> = {
  forward: 'a forward pass with independent samples',
  inputJacobian: 'input-Jacobians ∂logits/∂x',
};

/** The capabilities each probe needs (a probe adds its line here and calls requireSupport with its name). */
export const PROBE_NEEDS: Record<string, Capability[]> = {
  separation: ['forward'],
  dim: ['forward', 'inputJacobian'],
};

/** The unsupported ops blocking each capability (empty: it works). */
export type ModelSupport = Record<Capability, UnsupportedOp[]>;

const FORWARD_BLOCKERS: ReadonlySet<UnsupportedKind> = new Set(['domain', 'training', 'batch']);

const jacobianCache = new WeakMap<ImportedModel, UnsupportedOp[]>();

/** Ops between the input and the logits without a gradient rule (whatever the import was told). */
function gradientGaps(model: ImportedModel): UnsupportedOp[] {
  const g = model.graph;
  const dep = new Set<string>([model.input.name]);
  for (const [k, t] of g.initializers) if (t.dataType === DataType.FLOAT) dep.add(k);
  for (const n of g.nodes) if (!NON_DIFFERENTIABLE_OPS.has(n.opType) && n.inputs.some((i) => dep.has(i))) for (const o of n.outputs) dep.add(o);
  const need = new Set([model.logits]);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (n.outputs.some((o) => need.has(o))) for (const x of n.inputs) need.add(x);
  }
  const out: UnsupportedOp[] = [];
  for (const n of g.nodes) {
    if (NON_DIFFERENTIABLE_OPS.has(n.opType) || RULES.has(n.opType)) continue;
    if (!n.inputs.some((i) => dep.has(i)) || !n.outputs.some((o) => need.has(o))) continue;
    const t = model.env.info.get(n.outputs[0]!)?.elemType;
    if (t !== undefined && t !== DataType.FLOAT && t !== DataType.DOUBLE) continue;
    out.push({
      op: n.opType,
      node: n.name || n.outputs[0]!,
      kind: 'gradient',
      hint: `geolens has no gradient rule for ${n.opType}, so input-Jacobians cannot pass it: replace the layer with supported ones (see geolens inspect for the list).`,
    });
  }
  return out;
}

/** The unsupported ops that block a forward pass with independent samples. */
function forwardBlockers(model: ImportedModel): UnsupportedOp[] {
  return model.unsupported.filter((u) => FORWARD_BLOCKERS.has(u.kind));
}

/**
 * The unsupported ops that block input-Jacobians: the import's findings, ops without a gradient rule, and — when
 * those leave nothing — whatever building the probes' own Jacobian graph reports (a rule that refuses an attribute,
 * a shape it cannot handle). Cached per model (building the graph of a large model takes a moment).
 */
function jacobianBlockers(model: ImportedModel): UnsupportedOp[] {
  const hit = jacobianCache.get(model);
  if (hit) return hit;
  const jac = [...forwardBlockers(model), ...model.unsupported.filter((u) => !FORWARD_BLOCKERS.has(u.kind))];
  const key = (u: UnsupportedOp): string => `${u.node}\u0000${u.op}`;
  const seen = new Set(jac.map(key));
  for (const u of gradientGaps(model)) if (!seen.has(key(u))) (seen.add(key(u)), jac.push(u));
  if (jac.length === 0) {
    try {
      buildInputJacobian(model.graph, { input: model.input.name, logits: model.logits, numClasses: model.numClasses });
    } catch (e) {
      if (!(e instanceof GeolensError)) throw e;
      const d = e.details ?? {};
      jac.push({ op: typeof d.op === 'string' ? d.op : '(graph)', node: typeof d.node === 'string' ? d.node : '', kind: 'gradient', hint: e.message });
    }
  }
  jacobianCache.set(model, jac);
  return jac;
}

/** What geolens can do with `model`: for each capability the unsupported ops that block it (see probeBlockers). */
export function modelSupport(model: ImportedModel): ModelSupport {
  return { forward: forwardBlockers(model), inputJacobian: jacobianBlockers(model) };
}

/** The unsupported ops that keep `probe` (with the capabilities it needs) from running on `model`. */
export function probeBlockers(model: ImportedModel, needs: readonly Capability[]): UnsupportedOp[] {
  const out: UnsupportedOp[] = [];
  const seen = new Set<string>();
  for (const c of needs) {
    for (const u of c === 'forward' ? forwardBlockers(model) : jacobianBlockers(model)) {
      const k = `${u.node}\u0000${u.op}`;
      if (!seen.has(k)) (seen.add(k), out.push(u));
    }
  }
  return out;
}

/**
 * Throw UNSUPPORTED_OP when `probe` cannot run on `model`, naming every blocking op at once: op, node and the fix.
 * `needs` defaults to PROBE_NEEDS[probe].
 */
export function requireSupport(model: ImportedModel, probe: string, needs: readonly Capability[] = PROBE_NEEDS[probe] ?? ['forward']): void {
  const blockers = probeBlockers(model, needs);
  if (blockers.length === 0) return;
  const what = needs.map((c) => CAPABILITY_TEXT[c]).join(' and ');
  const lines = blockers.map((u) => `  - ${u.op}${u.node ? ` (node '${u.node}')` : ''}: ${u.hint}`);
  throw new GeolensError(
    'UNSUPPORTED_OP',
    `the ${probe} probe needs ${what}, which ${blockers.length === 1 ? 'one node' : `${blockers.length} nodes`} of ${model.source} ${blockers.length === 1 ? 'blocks' : 'block'}:\n${lines.join('\n')}\n(geolens inspect ${model.source} shows what each probe can do on this model.)`,
    { probe, ops: blockers.map((u) => ({ op: u.op, node: u.node, kind: u.kind })) },
  );
}

/** Lines for a result's warnings: what import changed in what the model computes. */
export function modelWarnings(model: ImportedModel): string[] {
  return model.warnings.map((w) => `model: ${w}`);
}
