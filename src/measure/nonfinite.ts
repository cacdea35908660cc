/**
 * NaN or Infinity produced inside a model is the model's, not the data's: find the node where it first appears and
 * the samples it appears for, and say so. (The data are checked for NaN/Infinity when they are loaded.)
 */
import type { Engine } from '../engine/engine.js';
import { GeolensError } from '../errors.js';
import type { ImportedModel } from '../onnx/import.js';
import { DataType } from '../onnx/proto.js';
import type { FloatArray, Tensor } from '../tensor.js';

/** Rows (samples) of an [n, …] array that hold a NaN or an infinite value. */
export function nonFiniteRows(data: ArrayLike<number>, n: number): number[] {
  if (n === 0) return [];
  const p = data.length / n;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      if (!Number.isFinite(data[i * p + j]!)) {
        rows.push(i);
        break;
      }
    }
  }
  return rows;
}

/** Why an op gives NaN or Infinity, and what to do. */
const OP_CAUSES: Record<string, string> = {
  Log: 'Log is NaN for negative and −Infinity for zero inputs: clamp its input (torch.log(x.clamp_min(eps))) or use a stable form (log_softmax, softplus)',
  Sqrt: 'Sqrt is NaN for negative inputs: clamp its input (x.clamp_min(0)) or add an epsilon',
  Div: 'a division by zero: add an epsilon to the divisor',
  Reciprocal: 'a reciprocal of zero: add an epsilon',
  Pow: 'Pow with a fractional exponent is NaN for negative bases: clamp the base',
  Exp: 'Exp overflows float32 above about 88: subtract the maximum first (as softmax does) or clamp',
};

function listSamples(rows: number[], index?: readonly number[]): string {
  const ids = rows.map((r) => index?.[r] ?? r);
  return ids.length > 10 ? `${ids.slice(0, 10).join(', ')}, … (${ids.length} in all)` : ids.join(', ');
}

/**
 * Run the model's forward graph on the samples `rows` of `x` and find the first node (in graph order) whose float
 * output holds NaN/Infinity while its inputs are finite. Returns its name, op, what it produced and the rows of `x`
 * where it did, or undefined when the forward pass is finite there.
 */
export async function locateNonFinite(engine: Engine, model: ImportedModel, x: Tensor, rows: readonly number[]): Promise<{ node: string; op: string; value: string; rows: number[] } | undefined> {
  const n = x.shape[0]!;
  const p = x.data.length / n;
  const pick = rows.slice(0, 64);
  const Ctor = x.data.constructor as new (len: number) => FloatArray;
  const sub = new Ctor(pick.length * p);
  pick.forEach((r, i) => sub.set(x.data.subarray(r * p, (r + 1) * p), i * p));
  const g = model.graph.clone();
  const fetch: string[] = [];
  for (const node of g.nodes) {
    const o = node.outputs[0];
    if (!o) continue;
    const t = model.env.info.get(o)?.elemType;
    if (t !== undefined && t !== DataType.FLOAT && t !== DataType.DOUBLE) continue;
    if (!g.outputs.some((v) => v.name === o)) g.output(o);
    fetch.push(o);
  }
  const sess = await engine.load(g);
  const out = await sess.run({ [model.input.name]: { data: sub, shape: [pick.length, ...x.shape.slice(1)] } }, fetch);
  for (const node of g.nodes) {
    const o = node.outputs[0];
    const t = o ? out[o] : undefined;
    if (!t) continue;
    const bad = nonFiniteRows(t.data as FloatArray, pick.length);
    if (bad.length === 0) continue;
    const d = t.data as FloatArray;
    const v = Array.from(d).find((a) => !Number.isFinite(a));
    return { node: node.name || o!, op: node.opType, value: String(v), rows: bad.map((b) => pick[b]!) };
  }
  return undefined;
}

/**
 * Throw the model's NaN as the model's: `rows` of `x` gave non-finite values in `where` (e.g. "the activations of
 * layer '/fc1/Gemm'"). Locates the first node that produced them (BAD_MODEL naming node, op, samples and the likely
 * cause); when the forward pass is finite there (the values came from a gradient), says that. `index` maps rows of
 * `x` to the sample indices of the user's dataset.
 */
export async function throwModelNonFinite(engine: Engine, model: ImportedModel, x: Tensor, rows: readonly number[], where: string, index?: readonly number[]): Promise<never> {
  const n = x.shape[0]!;
  const dataRows = nonFiniteRows(x.data, n);
  if (dataRows.length) {
    throw new GeolensError('BAD_ARGUMENT', `the data hold NaN or Infinity (samples ${listSamples(dataRows, index)}); remove or fill those samples.`, { samples: dataRows.map((r) => index?.[r] ?? r) });
  }
  const at = await locateNonFinite(engine, model, x, rows);
  if (at) {
    const cause = OP_CAUSES[at.op];
    throw new GeolensError(
      'BAD_MODEL',
      `the model produced ${at.value} at node '${at.node}' (${at.op}): ${where} are not finite for ${rows.length} of ${n} samples (sample${rows.length > 1 ? 's' : ''} ${listSamples([...rows], index)}). The data are finite (checked on loading), so the model computes it${cause ? `: ${cause}` : ''}. Fix the model, or measure it on data where it is finite.`,
      { node: at.node, op: at.op, samples: rows.map((r) => index?.[r] ?? r) },
    );
  }
  throw new GeolensError(
    'BAD_MODEL',
    `${where} hold NaN or Infinity for ${rows.length} of ${n} samples (${listSamples([...rows], index)}) although the model's forward pass is finite there: a node's derivative is infinite at these inputs (Sqrt or Log at 0, Pow with a fractional exponent at 0, …). Fix the model (add an epsilon), or measure it on other data.`,
    { samples: rows.map((r) => index?.[r] ?? r) },
  );
}
