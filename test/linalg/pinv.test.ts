import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pinvSymmetric } from '../../src/linalg/pinv.js';
import { matmul, transpose, maxAbsDiff, identity } from '../../src/linalg/dense.js';
import { GeolensError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';

test('pinv: invertible diagonal gives the inverse; zero gives zero with rank 0', () => {
  const r = pinvSymmetric([2, 0, 0, -4], 2);
  assert.equal(r.rank, 2);
  assert.ok(maxAbsDiff(r.pinv, [0.5, 0, 0, -0.25]) < 1e-15);
  const z = pinvSymmetric(new Float64Array(9), 3);
  assert.equal(z.rank, 0);
  assert.ok(z.pinv.every((v) => v === 0));
});

test('pinv: closed form for a rank-one matrix v vᵀ is v vᵀ / |v|⁴', () => {
  const v = [1, -2, 2];
  const a = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) a[i * 3 + j] = v[i]! * v[j]!;
  const r = pinvSymmetric(a, 3);
  assert.equal(r.rank, 1);
  assert.ok(maxAbsDiff(r.pinv, a.map((x) => x / 81)) < 1e-15);
});

test('pinv: Moore–Penrose conditions on a random rank-4 Gram matrix (n = 9)', () => {
  const rng = new Rng(21);
  const n = 9;
  const x = rng.fillNormal(new Float64Array(4 * n));
  const a = matmul(transpose(x, 4, n), x, n, 4, n);
  const { pinv, rank } = pinvSymmetric(a, n);
  assert.equal(rank, 4);
  const ap = matmul(a, pinv, n, n, n);
  assert.ok(maxAbsDiff(matmul(ap, a, n, n, n), a) < 1e-10, 'A A⁺ A = A');
  assert.ok(maxAbsDiff(matmul(matmul(pinv, a, n, n, n), pinv, n, n, n), pinv) < 1e-10, 'A⁺ A A⁺ = A⁺');
  assert.ok(maxAbsDiff(ap, transpose(ap, n, n)) < 1e-10, '(A A⁺)ᵀ = A A⁺');
  // A A⁺ is the orthogonal projector onto the row space of x: trace = rank
  let tr = 0;
  for (let i = 0; i < n; i++) tr += ap[i * n + i]!;
  assert.ok(Math.abs(tr - 4) < 1e-10);
});

test('pinv: the relative tolerance decides the rank', () => {
  const a = [1, 0, 0, 0, 1e-6, 0, 0, 0, 1e-12];
  assert.equal(pinvSymmetric(a, 3, 1e-10).rank, 2);
  assert.equal(pinvSymmetric(a, 3, 1e-13).rank, 3);
  assert.equal(pinvSymmetric(a, 3, 1e-3).rank, 1);
  const full = pinvSymmetric(a, 3, 0);
  assert.ok(maxAbsDiff(matmul(full.pinv, a, 3, 3, 3), identity(3)) < 1e-9);
  assert.throws(() => pinvSymmetric(a, 3, -1), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_ARGUMENT');
});
