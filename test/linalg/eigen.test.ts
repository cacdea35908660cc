import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen, symmetricEigenvalues, eigenvector } from '../../src/linalg/eigen.js';
import { matmul, transpose, maxAbsDiff, identity } from '../../src/linalg/dense.js';
import { psdSqrt } from '../../src/linalg/psd.js';
import { GeolensError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';

function randomSymmetric(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** Random orthogonal matrix via Gram–Schmidt on a Gaussian matrix. */
function randomOrthogonal(rng: Rng, n: number): Float64Array {
  const q = rng.fillNormal(new Float64Array(n * n));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      let d = 0;
      for (let j = 0; j < n; j++) d += q[i * n + j]! * q[k * n + j]!;
      for (let j = 0; j < n; j++) q[i * n + j] = q[i * n + j]! - d * q[k * n + j]!;
    }
    let s = 0;
    for (let j = 0; j < n; j++) s += q[i * n + j]! ** 2;
    s = Math.sqrt(s);
    for (let j = 0; j < n; j++) q[i * n + j] = q[i * n + j]! / s;
  }
  return q;
}

function checkDecomposition(a: Float64Array, n: number, tol: number): void {
  const { values, vectors } = symmetricEigen(a, n);
  const scale = Math.max(1, ...Array.from(values, Math.abs));
  for (let k = 1; k < n; k++) assert.ok(values[k - 1]! >= values[k]!, 'descending');
  // A v = λ v
  for (let k = 0; k < n; k++) {
    const v = vectors.subarray(k * n, (k + 1) * n);
    const av = matmul(a, v, n, n, 1);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(av[i]! - values[k]! * v[i]!) < tol * scale, `A v = λ v (k=${k})`);
  }
  // orthonormality: V Vᵀ = I (vectors are rows)
  assert.ok(maxAbsDiff(matmul(vectors, transpose(vectors, n, n), n, n, n), identity(n)) < tol);
  // reconstruction: Vᵀ Λ V = A
  const lv = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) lv[k * n + i] = values[k]! * vectors[k * n + i]!;
  assert.ok(maxAbsDiff(matmul(transpose(vectors, n, n), lv, n, n, n), a) < tol * scale, 'reconstruction');
}

test('eigen: diagonal matrix gives its diagonal, sorted, with unit vectors', () => {
  const a = new Float64Array([3, 0, 0, 0, -1, 0, 0, 0, 7]);
  const e = symmetricEigen(a, 3);
  assert.deepEqual(Array.from(e.values), [7, 3, -1]);
  assert.deepEqual(Array.from(eigenvector(e, 0)), [0, 0, 1]);
  assert.deepEqual(Array.from(eigenvector(e, 1)), [1, 0, 0]);
  assert.deepEqual(Array.from(eigenvector(e, 2)), [0, 1, 0]);
});

test('eigen: 2×2 rotated diagonal (closed form)', () => {
  const th = 0.3;
  const c = Math.cos(th);
  const s = Math.sin(th);
  // A = R diag(5, 2) Rᵀ, R = [[c, -s], [s, c]]
  const a = new Float64Array([5 * c * c + 2 * s * s, (5 - 2) * c * s, (5 - 2) * c * s, 5 * s * s + 2 * c * c]);
  const e = symmetricEigen(a, 2);
  assert.ok(Math.abs(e.values[0]! - 5) < 1e-14 && Math.abs(e.values[1]! - 2) < 1e-14);
  const v0 = eigenvector(e, 0);
  assert.ok(Math.abs(v0[0]! - c) < 1e-14 && Math.abs(v0[1]! - s) < 1e-14);
});

test('eigen: Q diag(λ) Qᵀ for a random orthogonal Q recovers λ (n = 12, with a repeated value)', () => {
  const rng = new Rng(7);
  const n = 12;
  const lam = [10, 5, 5, 3, 1, 0.5, 0, 0, -1, -2, -2, -9];
  const q = randomOrthogonal(rng, n); // rows orthonormal
  const ql = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) ql[k * n + i] = lam[k]! * q[k * n + i]!;
  const a = matmul(transpose(q, n, n), ql, n, n, n);
  const e = symmetricEigen(a, n);
  for (let k = 0; k < n; k++) assert.ok(Math.abs(e.values[k]! - lam[k]!) < 1e-12, `λ_${k}`);
  checkDecomposition(a, n, 1e-12);
});

test('eigen: random symmetric matrices, A v = λ v and reconstruction to 1e-10', () => {
  const rng = new Rng(11);
  for (const n of [1, 2, 3, 5, 17, 60]) checkDecomposition(randomSymmetric(rng, n), n, 1e-10);
});

test('eigen: zero, rank-one and Gram matrices', () => {
  const z = symmetricEigen(new Float64Array(9), 3);
  assert.deepEqual(Array.from(z.values), [0, 0, 0]);
  checkDecomposition(new Float64Array(16), 4, 1e-15);
  const v = [1, 2, 3, 4];
  const r1 = new Float64Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) r1[i * 4 + j] = v[i]! * v[j]!;
  const e = symmetricEigen(r1, 4);
  assert.ok(Math.abs(e.values[0]! - 30) < 1e-13);
  for (let k = 1; k < 4; k++) assert.ok(Math.abs(e.values[k]!) < 1e-13);
  const rng = new Rng(3);
  const x = rng.fillNormal(new Float64Array(40 * 8));
  const g = matmul(transpose(x, 40, 8), x, 8, 40, 8);
  checkDecomposition(g, 8, 1e-10);
});

test('eigen: n = 0 is fine; non-finite and bad sizes throw', () => {
  assert.equal(symmetricEigen(new Float64Array(0), 0).values.length, 0);
  assert.throws(() => symmetricEigen([1, NaN, NaN, 1], 2), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_ARGUMENT');
  assert.throws(() => symmetricEigen([1, 2, 3], 2), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_SHAPE');
});

test('psdSqrt: S·S = A for a random PSD matrix', () => {
  const rng = new Rng(5);
  const x = rng.fillNormal(new Float64Array(3 * 6));
  const a = matmul(transpose(x, 3, 6), x, 6, 3, 6); // rank 3, PSD
  const s = psdSqrt(a, 6);
  assert.ok(maxAbsDiff(matmul(s, s, 6, 6, 6), a) < 1e-12);
  assert.ok(maxAbsDiff(s, transpose(s, 6, 6)) === 0);
});

test('symmetricEigenvalues: the values of symmetricEigen bit for bit (random, repeated, rank-deficient; n = 0..12)', () => {
  const rng = new Rng(7);
  for (let n = 0; n <= 12; n++) {
    const a = randomSymmetric(rng, n);
    assert.deepEqual(symmetricEigenvalues(a, n), symmetricEigen(a, n).values);
    const q = randomOrthogonal(rng, n);
    const lam = Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? 2 : 0)); // a repeated value and a null space
    const lq = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) lq[i * n + j] = lam[i]! * q[i * n + j]!;
    const b = matmul(transpose(q, n, n), lq, n, n, n);
    assert.deepEqual(symmetricEigenvalues(b, n), symmetricEigen(b, n).values);
  }
  assert.throws(() => symmetricEigenvalues([1, NaN, NaN, 1], 2), GeolensError);
  assert.throws(() => symmetricEigenvalues([1, 2, 3], 2), GeolensError);
});

test('eigen: scales 1e±100 (the QL step\'s scaled hypot keeps them; tred2 itself loses values near 1e±200)', () => {
  for (const s of [1e-100, 1, 1e100]) {
    const a = Float64Array.from([2, 1, 0, 1, 2, 1, 0, 1, 2], (v) => v * s);
    const exact = [2 + Math.SQRT2, 2, 2 - Math.SQRT2].map((v) => v * s);
    const got = symmetricEigen(a, 3).values;
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(got[k]! - exact[k]!) <= 1e-14 * 4 * s, `scale ${s}: λ${k} = ${got[k]} vs ${exact[k]}`);
  }
});
