import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul, transpose, gramOfColumns, gramOfRows, matvec, dot, norm2, identity, trace, maxAbsDiff } from '../../src/linalg/dense.js';
import { GeolensError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';

test('matmul: 2×3 · 3×2 by hand', () => {
  const a = [1, 2, 3, 4, 5, 6];
  const b = [7, 8, 9, 10, 11, 12];
  assert.deepEqual(Array.from(matmul(a, b, 2, 3, 2)), [58, 64, 139, 154]);
});

test('matmul: identity is neutral; associativity on random matrices', () => {
  const rng = new Rng(1);
  const a = rng.fillNormal(new Float64Array(4 * 5));
  const b = rng.fillNormal(new Float64Array(5 * 3));
  const c = rng.fillNormal(new Float64Array(3 * 6));
  assert.ok(maxAbsDiff(matmul(identity(4), a, 4, 4, 5), a) === 0);
  const left = matmul(matmul(a, b, 4, 5, 3), c, 4, 3, 6);
  const right = matmul(a, matmul(b, c, 5, 3, 6), 4, 5, 6);
  assert.ok(maxAbsDiff(left, right) < 1e-12);
});

test('transpose, gram, matvec, dot, norm2, trace', () => {
  const rng = new Rng(2);
  const a = rng.fillNormal(new Float64Array(4 * 3));
  const at = transpose(a, 4, 3);
  assert.equal(at[2 * 4 + 1], a[1 * 3 + 2]);
  assert.ok(maxAbsDiff(transpose(at, 3, 4), a) === 0);
  assert.ok(maxAbsDiff(gramOfColumns(a, 4, 3), matmul(at, a, 3, 4, 3)) < 1e-14);
  assert.ok(maxAbsDiff(gramOfRows(a, 4, 3), matmul(a, at, 4, 3, 4)) < 1e-14);
  const x = [1, -2, 0.5];
  const y = matvec(a, x, 4, 3);
  assert.ok(Math.abs(y[1]! - (a[3]! - 2 * a[4]! + 0.5 * a[5]!)) < 1e-15);
  assert.equal(dot([1, 2, 3], [4, 5, 6]), 32);
  assert.equal(norm2([3, 4]), 5);
  assert.ok(Math.abs(norm2([3e200, 4e200]) / 5e200 - 1) < 1e-15);
  assert.equal(trace([1, 2, 3, 4], 2), 5);
});

test('size mismatches throw GeolensError BAD_SHAPE', () => {
  assert.throws(() => matmul([1, 2, 3], [1, 2], 1, 3, 1), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_SHAPE');
  assert.throws(() => transpose([1, 2, 3], 2, 2), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_SHAPE');
});
