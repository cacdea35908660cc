/**
 * The fast paths of the magnitude solves: the block-Jacobi preconditioner against per-block Cholesky solves,
 * preconditioned and mixed-precision conjugate gradient (float32 products, float64 residual refinement) against the
 * exact Cholesky solve on a trajectory-like cloud, and the scratch pool's reuse.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeEngine } from '../../../src/engine/node.js';
import { blockJacobi, choleskyInPlace, choleskySolve, conjugateGradient, similarityMatrix } from '../../../src/probes/magnitude/compute.js';
import { euclideanDistances } from '../../../src/probes/magnitude/dense.js';
import { giveBack, scratchBytes, takeFloat32, takeFloat64 } from '../../../src/probes/magnitude/scratch.js';
import { MagnitudeSolverState } from '../../../src/probes/magnitude/solve.js';
import { Rng } from '../../../src/util/random.js';

const engine = createNodeEngine({ threads: 2 });
after(() => engine.dispose());

/** A random walk of n steps in d dimensions (rows in time order, as a recorded trajectory). */
function walk(n: number, d: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const x = new Float64Array(n * d);
  for (let i = 1; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = x[(i - 1) * d + j]! + 0.1 * rng.normal();
  return x;
}

test('block-Jacobi M⁻¹r equals the Cholesky solve of each diagonal block (last block short)', () => {
  const n = 23;
  const block = 5;
  const x = walk(n, 3, 7);
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) D[i * n + j] = Math.hypot(x[i * 3]! - x[j * 3]!, x[i * 3 + 1]! - x[j * 3 + 1]!, x[i * 3 + 2]! - x[j * 3 + 2]!);
  const Z = similarityMatrix(D, 0.7, undefined, n);
  const r = new Rng(3).fillNormal(new Float64Array(n), 1);
  const got = blockJacobi(Z, n, block)(r, new Float64Array(n));
  for (let i0 = 0; i0 < n; i0 += block) {
    const b = Math.min(block, n - i0);
    const a = new Float64Array(b * b);
    for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) a[i * b + j] = Z[(i0 + i) * n + i0 + j]!;
    assert.ok(choleskyInPlace(a, b));
    const want = choleskySolve(a, b, r.subarray(i0, i0 + b));
    for (let i = 0; i < b; i++) assert.ok(Math.abs(got[i0 + i]! - want[i]!) < 1e-12 * (1 + Math.abs(want[i]!)), `row ${i0 + i}`);
  }
});

test('preconditioned CG reaches the same solution in fewer iterations on a trajectory-like cloud', async () => {
  const n = 200;
  const x = walk(n, 40, 11);
  const D = await euclideanDistances(engine, x, n, 40);
  const Z = similarityMatrix(D, 0.5, undefined, n);
  const apply = (v: Float64Array): Float64Array => {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) y[i]! += Z[i * n + j]! * v[j]!;
    return y;
  };
  const b = new Float64Array(n).fill(1);
  const plain = await conjugateGradient(apply, b, new Float64Array(n));
  const pre = await conjugateGradient(apply, b, new Float64Array(n), { precondition: blockJacobi(Z, n, 25) });
  assert.ok(plain.converged && pre.converged);
  assert.ok(pre.iterations < plain.iterations, `${pre.iterations} vs ${plain.iterations} iterations`);
  const L = Z.slice();
  assert.ok(choleskyInPlace(L, n));
  const w = choleskySolve(L, n, b);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(pre.x[i]! - w[i]!) < 1e-9 * (1 + Math.abs(w[i]!)));
});

test('mixed-precision CG (float32 products, float64 refinement) agrees with Cholesky to 1e-8, float64 residual ≤ 1e-12·√n', async () => {
  const n = 400; // ≥ 192: onnxruntime float32 products and the preconditioner's blocks of 128
  const x = walk(n, 50, 5);
  const D = await euclideanDistances(engine, x, n, 50);
  const ch = new MagnitudeSolverState(engine, D, n, { solver: 'cholesky' });
  const mixed = new MagnitudeSolverState(engine, D, n, { solver: 'cg' });
  const f64 = new MagnitudeSolverState(engine, D, n, { solver: 'cg', mixedPrecision: false, preconditionerBlock: 0 });
  const scales = [0.05, 0.1, 0.2, 0.5, 1, 2];
  const [a, b, c] = [await ch.solveScales(scales), await mixed.solveScales(scales), await f64.solveScales(scales)];
  for (let k = 0; k < scales.length; k++) {
    assert.ok(Math.abs(a[k]!.magnitude - b[k]!.magnitude) < 1e-8 * a[k]!.magnitude, `t = ${scales[k]}: ${a[k]!.magnitude} vs ${b[k]!.magnitude}`);
    assert.ok(Math.abs(a[k]!.magnitude - c[k]!.magnitude) < 1e-8 * a[k]!.magnitude);
    assert.ok(b[k]!.converged && b[k]!.regularization === 0 && b[k]!.residual <= 1e-12 * Math.sqrt(n), `residual ${b[k]!.residual}`);
  }
  const it = (s: typeof b): number => s.reduce((q, r) => q + r.iterations!, 0);
  assert.ok(it(b) < it(c), `preconditioned ${it(b)} vs plain ${it(c)} iterations`);
  for (const s of [ch, mixed, f64]) s.dispose();
});

test('distances by tiles (no whole centred copy) equal distances by block rows to 1e-12, symmetric, zero diagonal', async () => {
  const n = 300;
  const x = walk(n, 30, 9);
  const a = await euclideanDistances(engine, x, n, 30);
  const b = await euclideanDistances(engine, x, n, 30, undefined, 0);
  let worst = 0;
  for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  assert.ok(worst <= 1e-12, `largest difference ${worst}`);
  for (let i = 0; i < n; i++) {
    assert.equal(a[i * n + i], 0);
    assert.equal(b[i * n + i], 0);
    for (let j = 0; j < i; j++) assert.equal(b[i * n + j], b[j * n + i]);
  }
});

test('consumeDistances: a linear grid overwrites D in place with the same magnitudes; an off-grid scale then throws', async () => {
  const n = 250;
  const x = walk(n, 20, 13);
  const D = await euclideanDistances(engine, x, n, 20);
  const keep = D.slice();
  const grid = [0.1, 0.2, 0.3, 0.4];
  const ref = await new MagnitudeSolverState(engine, keep, n, { solver: 'cholesky' }).solveScales(grid);
  const s = new MagnitudeSolverState(engine, D, n, { solver: 'cg', consumeDistances: true });
  const got = await s.solveScales(grid);
  for (let k = 0; k < grid.length; k++) assert.ok(Math.abs(got[k]!.magnitude - ref[k]!.magnitude) < 1e-8 * ref[k]!.magnitude);
  assert.equal(D[1], Math.exp(-0.1 * keep[1]!)); // D now holds exp(−Δ·D)
  await assert.rejects(s.at(0.25), /consumeDistances/);
});

test('the scratch pool hands a given-back buffer out again and ignores small ones', () => {
  const a = takeFloat64(300_000);
  a.fill(7);
  const before = scratchBytes();
  giveBack(a);
  assert.equal(scratchBytes(), before + a.buffer.byteLength);
  const b = takeFloat32(500_000); // 2 MB from the 2.4 MB buffer: within the 2× fit
  assert.equal(b.buffer, a.buffer);
  assert.equal(b.length, 500_000);
  assert.equal(scratchBytes(), before);
  giveBack(new Float64Array(10));
  assert.equal(scratchBytes(), before);
});
