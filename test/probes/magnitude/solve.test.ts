/**
 * Magnitude solves on onnxruntime: closed forms (one point, two points, far-apart points), isometry invariance,
 * Cholesky against conjugate gradient, the blocked factorisation against the plain one, distances against direct
 * loops, and the stated regulariser on near-singular Z (never a NaN).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeEngine } from '../../../src/engine/node.js';
import { choleskyInPlace, similarityMatrix } from '../../../src/probes/magnitude/compute.js';
import { cholesky, euclideanDistances, meanAbsoluteDistances } from '../../../src/probes/magnitude/dense.js';
import { runMagnitude } from '../../../src/probes/magnitude/run.js';
import { MagnitudeSolverState } from '../../../src/probes/magnitude/solve.js';
import { Rng } from '../../../src/util/random.js';

const engine = createNodeEngine({ threads: 2 });
after(() => engine.dispose());
const SOLVERS = ['cholesky', 'cg'] as const;

function cloud(n: number, d: number, seed: number, scale = 1): Float64Array {
  return new Rng(seed).fillNormal(new Float64Array(n * d), scale);
}

function directDistances(x: Float64Array, n: number, d: number): Float64Array {
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += (x[i * d + k]! - x[j * d + k]!) ** 2;
    D[i * n + j] = Math.sqrt(s);
  }
  return D;
}

test('one point has magnitude 1 at every scale (both solvers)', async () => {
  for (const solver of SOLVERS) {
    const s = new MagnitudeSolverState(engine, Float64Array.of(0), 1, { solver });
    for (const t of [0, 1e-6, 0.3, 7, 1e6]) assert.equal((await s.at(t)).magnitude, 1, `${solver} t=${t}`);
  }
});

test('two points at distance d have magnitude 2/(1 + e^{−td}) (both solvers)', async () => {
  for (const solver of SOLVERS) {
    for (const d of [0.01, 1, 25]) {
      const s = new MagnitudeSolverState(engine, Float64Array.of(0, d, d, 0), 2, { solver });
      for (const t of [0.5, 2, 10]) {
        const got = (await s.at(t)).magnitude;
        const want = 2 / (1 + Math.exp(-t * d));
        assert.ok(Math.abs(got - want) <= 1e-12 * want, `${solver} d=${d} t=${t}: ${got} vs ${want}`);
      }
    }
  }
});

test('n points far apart have magnitude → n (Z → I)', async () => {
  const n = 40;
  const d = 3;
  const x = cloud(n, d, 5, 1e3);
  const D = await euclideanDistances(engine, x, n, d);
  for (const solver of SOLVERS) {
    const s = new MagnitudeSolverState(engine, D, n, { solver });
    const m1 = (await s.at(1)).magnitude;
    assert.ok(Math.abs(m1 - n) < 1e-9, `${solver}: |X| = ${m1}`);
    assert.ok((await s.at(0.001)).magnitude < m1, 'smaller at a smaller scale');
  }
});

test('Euclidean distances from the GEMM form match direct loops (several block rows); ℓ1 means match too', async () => {
  const n = 300;
  const d = 7;
  const x = cloud(n, d, 11);
  for (let k = 0; k < d; k++) x[k]! += 1e4; // a far offset: centring keeps the GEMM form accurate
  const D = await euclideanDistances(engine, x, n, d);
  const ref = directDistances(x, n, d);
  let worst = 0;
  for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(D[i]! - ref[i]!));
  assert.ok(worst < 1e-3, `max |ΔD| = ${worst} (one point sits 1e4 away)`);
  for (let i = 0; i < n; i++) assert.equal(D[i * n + i], 0);
  const y = cloud(120, 9, 12);
  const L = await meanAbsoluteDistances(engine, y, 120, 9);
  for (const [i, j] of [[0, 1], [7, 3], [119, 60]] as const) {
    let s = 0;
    for (let k = 0; k < 9; k++) s += Math.abs(y[i * 9 + k]! - y[j * 9 + k]!);
    assert.ok(Math.abs(L[i * 120 + j]! - s / 9) < 1e-14 && L[i * 120 + j] === L[j * 120 + i]);
  }
});

test('the blocked Cholesky (onnxruntime Gemm panels) equals the plain factorisation, with and without a shift', async () => {
  const n = 333;
  const x = cloud(n, 4, 21);
  const Z = similarityMatrix(directDistances(x, n, 4), 1.5);
  for (const shift of [0, 1e-3]) {
    const L = (await cholesky(engine, Z, n, shift, 0, 128))!;
    const ref = Z.slice();
    for (let i = 0; i < n; i++) ref[i * n + i]! += shift;
    assert.equal(choleskyInPlace(ref, n), true);
    let worst = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) worst = Math.max(worst, Math.abs(L[i * n + j]! - ref[i * n + j]!));
    assert.ok(worst < 1e-12, `max |ΔL| = ${worst}`);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(L[i * n + j], 0);
  }
  assert.equal(await cholesky(engine, new Float64Array(n * n).fill(1), n, 0, n * 2 ** -52, 128), null, 'a rank-one Z is refused');
});

test('magnitude is invariant under isometries (rotation, reflection, translation)', async () => {
  const n = 80;
  const d = 4;
  const x = cloud(n, d, 31);
  // an orthogonal Q from Gram–Schmidt of a random matrix, with one reflection, then a translation
  const q = new Rng(32).fillNormal(new Float64Array(d * d));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += q[i * d + k]! * q[j * d + k]!;
      for (let k = 0; k < d; k++) q[i * d + k]! -= dot * q[j * d + k]!;
    }
    const norm = Math.hypot(...q.subarray(i * d, (i + 1) * d));
    for (let k = 0; k < d; k++) q[i * d + k]! /= norm;
  }
  const y = new Float64Array(n * d);
  for (let p = 0; p < n; p++) for (let i = 0; i < d; i++) {
    let s = i === 0 ? 5 : -3;
    for (let k = 0; k < d; k++) s += q[i * d + k]! * x[p * d + k]! * (k === 1 ? -1 : 1);
    y[p * d + i] = s;
  }
  const a = await runMagnitude(engine, { kind: 'points', points: { data: x, shape: [n, d] }, name: 'x' }, { scales: 12 });
  const Dy = await euclideanDistances(engine, y, n, d);
  const sy = new MagnitudeSolverState(engine, Dy, n);
  for (const [i, t] of a.result.scales.entries()) {
    const m = (await sy.at(t)).magnitude;
    assert.ok(Math.abs(m - a.result.magnitude[i]!) <= 1e-10 * m, `t=${t}: ${m} vs ${a.result.magnitude[i]}`);
  }
});

test('Cholesky and conjugate gradient agree to 1e-8 where Z is well conditioned (n = 260: onnxruntime products)', async () => {
  const n = 260;
  const x = cloud(n, 6, 41);
  const D = await euclideanDistances(engine, x, n, 6);
  const ch = new MagnitudeSolverState(engine, D, n, { solver: 'cholesky' });
  const cg = new MagnitudeSolverState(engine, D, n, { solver: 'cg' });
  const tc = (await ch.convergenceScale(0.95)).t;
  for (const f of [0.25, 0.5, 0.75, 1]) {
    const a = await ch.at(f * tc);
    const b = await cg.at(f * tc);
    assert.ok(Math.abs(a.magnitude - b.magnitude) < 1e-8, `t = ${f}·t_conv: ${a.magnitude} vs ${b.magnitude}`);
    assert.ok(b.converged && b.iterations! > 0 && a.iterations === null);
    assert.ok(a.residual < 1e-10 && b.residual < 1e-9, `residuals ${a.residual}, ${b.residual}`);
  }
});

test('near-singular Z (near-duplicate points, tiny t) takes the stated regulariser and says so — no NaN, no crash', async () => {
  const n = 30;
  const x = cloud(n, 3, 51);
  x.set([x[0]! + 1e-13, x[1]!, x[2]!], 3); // point 1 sits 1e-13 from point 0
  const D = directDistances(x, n, 3);
  for (const solver of SOLVERS) {
    const s = new MagnitudeSolverState(engine, D, n, { solver, maxIterations: 300 });
    const tiny = await s.at(1e-9);
    assert.ok(Number.isFinite(tiny.magnitude) && Number.isFinite(tiny.residual), `${solver}: ${JSON.stringify(tiny)}`);
    assert.ok(Math.abs(tiny.magnitude - 1) < 0.05, `${solver}: |tX| near 1 at t = 1e-9 (${tiny.magnitude})`);
    if (solver === 'cholesky') assert.ok(tiny.regularization > 0, 'the regulariser was needed');
  }
  // through the probe: an exact repeat is merged, the near-duplicate pair regularised, warnings say both
  const withRepeat = new Float64Array((n + 1) * 3);
  withRepeat.set(x);
  withRepeat.set(x.subarray(6, 9), n * 3);
  const r = (await runMagnitude(engine, { kind: 'points', points: { data: withRepeat, shape: [n + 1, 3] }, name: 'near' }, { scales: 8, grid: 'log', gridFrom: 1e-9 })).result;
  assert.equal(r.cloud.n, n + 1);
  assert.equal(r.cloud.distinct, n);
  assert.ok(r.warnings.some((w) => /1 of 31 points repeat an earlier point exactly/.test(w)), r.warnings.join(' | '));
  assert.ok(r.warnings.some((w) => /numerically singular at \d+ of 7 scales/.test(w)), r.warnings.join(' | '));
  assert.ok(r.solves.some((q) => q.regularization > 0));
  for (const v of [...r.magnitude, ...r.dimensionProfile.values, r.magnitudeDimension.value, r.maxResidual]) assert.ok(Number.isFinite(v));
});

test('hostile clouds: all points equal, NaN coordinates, wrong shape, bad options are BAD_ARGUMENT / BAD_SHAPE', async () => {
  const same = { kind: 'points' as const, points: { data: new Float64Array(12).fill(2), shape: [4, 3] }, name: 'same' };
  await assert.rejects(runMagnitude(engine, same), (e: Error & { code?: string }) => e.code === 'BAD_ARGUMENT' && /all 4 points coincide/.test(e.message));
  const nan = { kind: 'points' as const, points: { data: Float64Array.of(0, 1, NaN, 2), shape: [2, 2] }, name: 'nan' };
  await assert.rejects(runMagnitude(engine, nan), (e: Error & { code?: string }) => e.code === 'BAD_ARGUMENT' && /coordinate 0 of point 1 is NaN/.test(e.message));
  await assert.rejects(runMagnitude(engine, { kind: 'points', points: { data: new Float64Array(8), shape: [2, 2, 2] }, name: '3d' }), { code: 'BAD_SHAPE' });
  const ok = { kind: 'points' as const, points: { data: Float64Array.of(0, 1, 3), shape: [3, 1] }, name: 'ok' };
  await assert.rejects(runMagnitude(engine, ok, { share: 1 }), { code: 'BAD_ARGUMENT' });
  await assert.rejects(runMagnitude(engine, ok, { share: 0.3 }), (e: Error) => /must exceed 1/.test(e.message));
  await assert.rejects(runMagnitude(engine, ok, { scales: 2 }), { code: 'BAD_ARGUMENT' });
});
