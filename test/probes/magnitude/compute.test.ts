/** The pure mathematics of the magnitude probe: factorisations, CG, root finding, scales, profile, parsing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeNpy, parseNpy } from '../../../src/data/npy.js';
import {
  brentRoot,
  choleskyInPlace,
  choleskySolve,
  conjugateGradient,
  distinctRows,
  invertLowerInPlace,
  magnitudeDimension,
  magnitudeDimensionProfile,
  magnitudeScales,
  similarityMatrix,
} from '../../../src/probes/magnitude/compute.js';
import { npyToPoints, parsePointCloudCsv } from '../../../src/probes/magnitude/points.js';
import { regularizationLadder, MAX_REGULARIZATION } from '../../../src/probes/magnitude/solve.js';
import { Rng } from '../../../src/util/random.js';

/** A random symmetric positive definite matrix B Bᵀ + n·I. */
function spd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const b = rng.fillNormal(new Float64Array(n * n));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? n : 0;
    for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
    a[i * n + j] = s;
  }
  return a;
}

const matvec = (a: Float64Array, x: ArrayLike<number>, n: number): Float64Array => {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) y[i]! += a[i * n + j]! * x[j]!;
  return y;
};

test('choleskyInPlace: L Lᵀ reproduces A; choleskySolve solves A x = b; invertLowerInPlace gives L⁻¹', () => {
  const n = 23;
  const a = spd(n, 1);
  const l = a.slice();
  assert.equal(choleskyInPlace(l, n), true);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let k = 0; k <= j; k++) s += l[i * n + k]! * l[j * n + k]!;
    assert.ok(Math.abs(s - a[i * n + j]!) < 1e-10 * n, `(L Lᵀ)[${i},${j}]`);
  }
  for (let i = 0; i < n; i++) l.fill(0, i * n + i + 1, (i + 1) * n);
  const b = new Rng(2).fillNormal(new Float64Array(n));
  const x = choleskySolve(l, n, b);
  const ax = matvec(a, x, n);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(ax[i]! - b[i]!) < 1e-10, `(Ax − b)[${i}]`);
  const inv = l.slice();
  invertLowerInPlace(inv, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += l[i * n + k]! * inv[k * n + j]!;
    assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-12, `(L L⁻¹)[${i},${j}]`);
  }
});

test('choleskyInPlace refuses singular, indefinite and NaN matrices (pivot at or below the tolerance)', () => {
  assert.equal(choleskyInPlace(Float64Array.of(1, 1, 1, 1), 2), false); // two identical points at any t
  assert.equal(choleskyInPlace(Float64Array.of(1, 2, 2, 1), 2), false); // indefinite
  assert.equal(choleskyInPlace(Float64Array.of(NaN, 0, 0, 1), 2), false);
  // a pivot of 1e-14 passes at tolerance 0 and fails at n·ε·100
  const z = Float64Array.of(1, 1 - 5e-15, 1 - 5e-15, 1);
  assert.equal(choleskyInPlace(z.slice(), 2, 0), true);
  assert.equal(choleskyInPlace(z.slice(), 2, 2 * 2 ** -52 * 100), false);
});

test('conjugateGradient matches the Cholesky solution, warm starts save iterations, and it stops on a singular direction', async () => {
  const n = 40;
  const a = spd(n, 3);
  const b = new Rng(4).fillNormal(new Float64Array(n));
  const l = a.slice();
  choleskyInPlace(l, n);
  for (let i = 0; i < n; i++) l.fill(0, i * n + i + 1, (i + 1) * n);
  const exact = choleskySolve(l, n, b);
  const cold = await conjugateGradient((v) => matvec(a, v, n), b, new Float64Array(n), { tolerance: 1e-13 });
  assert.equal(cold.converged, true);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(cold.x[i]! - exact[i]!) < 1e-11);
  const warm = await conjugateGradient((v) => matvec(a, v, n), b, exact.map((v, i) => v * (1 + 1e-6 * Math.sin(i))), { tolerance: 1e-13 });
  assert.ok(warm.iterations < cold.iterations, `warm ${warm.iterations} < cold ${cold.iterations}`);
  // A = 0: no progress possible, no NaN
  const zero = await conjugateGradient(() => new Float64Array(3), Float64Array.of(1, 1, 1), new Float64Array(3));
  assert.equal(zero.converged, false);
  assert.ok(zero.x.every((v) => v === 0));
});

test('brentRoot finds roots to the relative tolerance and refuses a non-bracket', async () => {
  const r = await brentRoot((x) => x * x * x - 2, 0, 10, { rtol: 1e-12 });
  assert.ok(Math.abs(r.root - Math.cbrt(2)) < 1e-11);
  assert.ok(r.evaluations < 60);
  const s = await brentRoot((x) => Math.exp(x) - 1e4, 0, 100, { rtol: 1e-5 });
  assert.ok(Math.abs(s.root - Math.log(1e4)) <= 2e-5 * Math.log(1e4));
  await assert.rejects(brentRoot((x) => x * x + 1, -1, 1), { code: 'BAD_ARGUMENT' });
});

test('magnitudeScales: magnipy get_scales (linear: linspace(0, t_c, k); log: [0] + geomspace(t_c/k, t_c, k − 1))', () => {
  const lin = magnitudeScales(3, 4, 'linear');
  assert.deepEqual(lin, [0, 1, 2, 3]);
  const log = magnitudeScales(30, 4, 'log');
  assert.equal(log.length, 4);
  assert.equal(log[0], 0);
  assert.ok(Math.abs(log[1]! - 7.5) < 1e-12 && Math.abs(log[2]! - 15) < 1e-12 && log[3] === 30);
  const wide = magnitudeScales(1000, 5, 'log', 1e-3);
  assert.deepEqual(wide.map((t) => Number(t.toPrecision(12))), [0, 1, 10, 100, 1000]);
  assert.throws(() => magnitudeScales(1, 2, 'linear'), { code: 'BAD_ARGUMENT' });
  assert.throws(() => magnitudeScales(0, 10, 'linear'), { code: 'BAD_ARGUMENT' });
  assert.throws(() => magnitudeScales(1, 10, 'log', 1), { code: 'BAD_ARGUMENT' });
});

test('magnitudeDimensionProfile: slopes of log|tX| against log t at log-midpoints; the dimension is the maximum', () => {
  const ts = [0, 1, 2, 4, 8];
  const ms = [1, 3, 12, 48, 96]; // slopes 2, 2, 1 between positive scales
  const p = magnitudeDimensionProfile(ts, ms);
  assert.deepEqual(p.scales.map((s) => Number(s.toPrecision(12))), [2, 8, 32].map((v) => Number(Math.sqrt(v).toPrecision(12))));
  assert.deepEqual(p.values.map((v) => Number(v.toPrecision(12))), [2, 2, 1]);
  assert.deepEqual(magnitudeDimension(p), { value: p.values[0], scale: p.scales[0] });
  assert.ok(Number.isNaN(magnitudeDimension({ scales: [], values: [] }).value));
});

test('similarityMatrix is exp(−t·D); distinctRows groups exact repeats (−0 = 0)', () => {
  const z = similarityMatrix(Float64Array.of(0, 2, 2, 0), 0.5);
  assert.deepEqual([...z], [1, Math.exp(-1), Math.exp(-1), 1]);
  assert.throws(() => similarityMatrix(Float64Array.of(0), -1), { code: 'BAD_ARGUMENT' });
  const x = Float64Array.of(0, 1, 2, 3, 0, 1, -0, 1, 2, 3.0000001);
  const { keep, groupOf } = distinctRows(x, 5, 2);
  assert.deepEqual(keep, [0, 1, 4]);
  assert.deepEqual([...groupOf], [0, 1, 0, 0, 2]);
});

test('regularizationLadder starts at 0, grows by 100 from n·ε·100 and ends at magnipy\'s 0.01', () => {
  const l = regularizationLadder(1000);
  assert.equal(l[0], 0);
  assert.equal(l[l.length - 1], MAX_REGULARIZATION);
  assert.ok(Math.abs(l[1]! - 1000 * 2 ** -52 * 100) < 1e-25);
  for (let i = 2; i < l.length - 1; i++) assert.ok(Math.abs(l[i]! / l[i - 1]! - 100) < 1e-9);
});

test('point clouds from CSV (header, delimiters, decimal commas) and NPY; hostile tables are BAD_FILE with the line', () => {
  assert.deepEqual(parsePointCloudCsv('x,y\n1,2\n3,4.5\n', 'a.csv'), { data: Float64Array.of(1, 2, 3, 4.5), shape: [2, 2] });
  assert.deepEqual(parsePointCloudCsv('1;2,5\n-3;1e3\n', 'b.csv'), { data: Float64Array.of(1, 2.5, -3, 1000), shape: [2, 2] });
  assert.deepEqual(parsePointCloudCsv('1 2 3\n4 5 6\n', 'c.txt').shape, [2, 3]);
  assert.throws(() => parsePointCloudCsv('1,2\n3\n', 'd.csv'), (e: Error & { code?: string }) => e.code === 'BAD_FILE' && /line 2 has 1 columns/.test(e.message));
  assert.throws(() => parsePointCloudCsv('1,2\n3,nan\n', 'e.csv'), (e: Error & { code?: string }) => e.code === 'BAD_FILE' && /line 2, column 2: 'nan'/.test(e.message));
  assert.throws(() => parsePointCloudCsv('a,b\n', 'f.csv'), { code: 'BAD_FILE' });
  const npy = parseNpy(encodeNpy({ data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2] }));
  assert.deepEqual(npyToPoints(npy, 'p.npy').shape, [3, 2]);
  assert.deepEqual(npyToPoints(parseNpy(encodeNpy({ data: Int32Array.of(1, 2, 3), shape: [3] })), 'q.npy'), { data: Float64Array.of(1, 2, 3), shape: [3, 1] });
  assert.throws(() => npyToPoints(parseNpy(encodeNpy({ data: new Float32Array(8), shape: [2, 2, 2] })), 'r.npy'), { code: 'BAD_FILE' });
});

test('shared/cases/csv-decimal-comma as point clouds: decimal commas with ";" are read; a text label column is refused by line and column', async () => {
  const { readPointCloud } = await import('../../../src/probes/magnitude/node.js');
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { sharedData } = await import('../../data/fixtures.js');
  const dir = join(sharedData, '..', 'cases', 'csv-decimal-comma');
  if (!existsSync(dir)) return;
  const p = await readPointCloud(join(dir, 'european_noheader.csv'));
  assert.equal(p.shape[1], 4);
  assert.deepEqual(Array.from(p.data.subarray(0, 4)), [1.198, -1.324, -0.248, 0]);
  await assert.rejects(readPointCloud(join(dir, 'european_header.csv')), (e: Error & { code?: string }) => e.code === 'BAD_FILE' && /line 2, column 4: 'setosa' is not a finite number/.test(e.message));
});
