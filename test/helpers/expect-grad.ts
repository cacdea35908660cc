/**
 * Shared checks for the gradient-rule tests: a finite-difference gradCheck with a tolerance, plus a structural
 * check that the gradient graph passes static shape inference with each gradient shaped like its input.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { addGradients } from '../../src/autodiff/grad.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/proto.js';
import { inferShapes } from '../../src/onnx/shapes.js';
import type { Rng } from '../../src/util/random.js';
import { gradCheck, type GradCase } from './gradcheck.js';

/** Tolerance for float64 checks (eps 1e-6). */
export const TOL64 = 1e-6;

/** The gradient graph infers shapes, and each gradient has its input's (static) shape. */
export function checkGradientShapes(c: GradCase): void {
  const ft = c.dtype === 'float64' ? DataType.DOUBLE : DataType.FLOAT;
  const b = new GraphBuilder('shapes', ft);
  const names: Record<string, string> = {};
  const wrt: string[] = [];
  for (const [k, spec] of Object.entries(c.inputs)) {
    names[k] = b.input(k, spec.shape, spec.int64 ? DataType.INT64 : ft);
    if (!spec.int64 && !spec.noGrad) wrt.push(k);
  }
  const y = c.forward(b, names);
  const loss = b.op('ReduceSum', [y], { keepdims: 0 });
  const grads = addGradients(b, loss, wrt);
  const env = inferShapes(b);
  for (const w of wrt) {
    const info = env.info.get(grads.get(w)!);
    assert.deepEqual(info?.shape, c.inputs[w]!.shape, `gradient of '${w}' has inferred shape ${JSON.stringify(info?.shape)}`);
    assert.equal(info?.elemType, ft, `gradient of '${w}' has element type ${info?.elemType}`);
  }
}

/**
 * gradCheck `c` and assert every input's relative error is below `tol`, that the numeric gradient is not trivially
 * zero (so the check can fail), and that the gradient graph is shape-inferable. Returns the max relative error.
 */
export async function expectGrad(t: TestContext, c: GradCase, tol: number = TOL64): Promise<number> {
  checkGradientShapes(c);
  const r = await gradCheck(c);
  for (const [k, e] of Object.entries(r.perInput)) {
    assert.ok(e < tol, `${k}: relative error ${e.toExponential(2)} ≥ ${tol}`);
    const scale = r.numeric[k]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(scale > 1e-3, `${k}: the numeric gradient is ~0, the check is vacuous`);
  }
  t.diagnostic(`${c.dtype} max rel err ${r.maxRelErr.toExponential(2)}`);
  return r.maxRelErr;
}

/** Values uniform in [lo, hi). */
export function uniformIn(lo: number, hi: number): (rng: Rng, n: number) => number[] {
  return (rng, n) => Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}
