/**
 * Gradient check against central finite differences. The forward output y is contracted with a fixed random
 * tensor R (loss = Σ y·R), so the whole Jacobian is exercised, not only its column sums.
 * Error measure: max_i |analytic_i − numeric_i| / max(max_i |numeric_i|, 1e-3)  (per input, relative to its scale).
 */
import { addGradients, type GradOptions } from '../../src/autodiff/grad.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/proto.js';
import { inferShapes } from '../../src/onnx/shapes.js';
import { defaultEngine } from '../../src/engine/node.js';
import type { RunTensor } from '../../src/engine/engine.js';
import { Rng } from '../../src/util/random.js';
import { numel } from '../../src/tensor.js';

export interface GradInput {
  shape: number[];
  /** Explicit values; default N(0,1) (or `init`). */
  data?: ArrayLike<number>;
  /** Generate values (e.g. keep away from a kink): called with the rng. */
  init?: (rng: Rng, n: number) => number[];
  /** int64 input (indices); never differentiated. */
  int64?: boolean;
  /** Float input that is not differentiated (e.g. fixed running statistics). */
  noGrad?: boolean;
}

export interface GradCase {
  dtype: 'float32' | 'float64';
  inputs: Record<string, GradInput>;
  /** Build the op(s) under test from the named inputs; return the output tensor name. */
  forward(b: GraphBuilder, x: Record<string, string>): string;
  seed?: number;
  /** Finite-difference step (default 1e-6 for float64, 1e-2 for float32). */
  eps?: number;
  /** Options for addGradients, built on the graph after the forward pass (e.g. `batchOnes`). */
  gradOptions?(b: GraphBuilder): GradOptions;
}

export interface GradReport {
  /** Max relative error over all inputs. */
  maxRelErr: number;
  perInput: Record<string, number>;
  analytic: Record<string, Float64Array>;
  numeric: Record<string, Float64Array>;
}

export async function gradCheck(c: GradCase): Promise<GradReport> {
  const rng = new Rng(c.seed ?? 1234);
  const f64 = c.dtype === 'float64';
  const ft = f64 ? DataType.DOUBLE : DataType.FLOAT;
  const b = new GraphBuilder('gradcheck', ft);
  const names: Record<string, string> = {};
  const feeds: Record<string, RunTensor> = {};
  const wrt: string[] = [];
  for (const [k, spec] of Object.entries(c.inputs)) {
    names[k] = b.input(k, spec.shape, spec.int64 ? DataType.INT64 : ft);
    const n = numel(spec.shape);
    const vals = spec.data ? Array.from(spec.data) : spec.init ? spec.init(rng, n) : Array.from({ length: n }, () => rng.normal());
    feeds[k] = { data: spec.int64 ? BigInt64Array.from(vals.map((v) => BigInt(v))) : f64 ? Float64Array.from(vals) : Float32Array.from(vals), shape: spec.shape };
    if (!spec.int64 && !spec.noGrad) wrt.push(k);
  }
  const y = c.forward(b, names);
  const env = inferShapes(b);
  const ys = env.info.get(y)?.shape;
  if (!ys || ys.some((d) => typeof d !== 'number')) throw new Error(`gradcheck: output shape unknown: ${JSON.stringify(ys)}`);
  const r = Array.from({ length: numel(ys as number[]) }, () => rng.normal());
  const rName = b.constFloat(r, ys as number[], 'probe');
  const loss = b.op('ReduceSum', [b.mul(y, rName)], { keepdims: 0 });
  b.output(loss, []);
  const fwd = b.clone();
  const grads = addGradients(b, loss, wrt, c.gradOptions?.(b) ?? {});
  for (const w of wrt) b.output(grads.get(w)!, c.inputs[w]!.shape);
  const engine = defaultEngine();
  const gSess = await engine.load(b);
  const fSess = await engine.load(fwd);
  const res = await gSess.run(feeds);
  const eps = c.eps ?? (f64 ? 1e-6 : 1e-2);
  const report: GradReport = { maxRelErr: 0, perInput: {}, analytic: {}, numeric: {} };
  for (const w of wrt) {
    const a = Float64Array.from(res[grads.get(w)!]!.data as Float64Array);
    const x = feeds[w]!.data as Float64Array | Float32Array;
    const num = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const orig = x[i]!;
      x[i] = orig + eps;
      const lp = Number((await fSess.run(feeds))[loss]!.data[0]);
      x[i] = orig - eps;
      const lm = Number((await fSess.run(feeds))[loss]!.data[0]);
      x[i] = orig;
      num[i] = (lp - lm) / (2 * eps);
    }
    let maxDiff = 0;
    let scale = 1e-3;
    for (let i = 0; i < num.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i]! - num[i]!));
      scale = Math.max(scale, Math.abs(num[i]!));
    }
    const rel = maxDiff / scale;
    report.perInput[w] = rel;
    report.analytic[w] = a;
    report.numeric[w] = num;
    report.maxRelErr = Math.max(report.maxRelErr, rel);
  }
  return report;
}

/** Values in (-2,-0.1) ∪ (0.1, 2): away from kinks at 0 (Relu, Abs, MaxPool ties). */
export function awayFromZero(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1) * (0.1 + 1.9 * rng.uniform()));
}
