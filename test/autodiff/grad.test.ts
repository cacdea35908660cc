import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradCheck, awayFromZero } from '../helpers/gradcheck.js';

test('MatMul: batched, broadcast batch dims, non-square (float64)', async () => {
  const r = await gradCheck({
    dtype: 'float64',
    inputs: { a: { shape: [2, 3, 4] }, w: { shape: [4, 5] } },
    forward: (b, x) => b.matmul(x.a!, x.w!),
  });
  assert.ok(r.maxRelErr < 1e-6, `rel err ${r.maxRelErr}`);
});

test('MatMul: both batched with broadcasting [2,1,3,4]x[3,4,2] (float64)', async () => {
  const r = await gradCheck({
    dtype: 'float64',
    inputs: { a: { shape: [2, 1, 3, 4] }, w: { shape: [3, 4, 2] } },
    forward: (b, x) => b.matmul(x.a!, x.w!),
  });
  assert.ok(r.maxRelErr < 1e-6, `rel err ${r.maxRelErr}`);
});

test('Add: broadcasting [3,4] + [4] and [3,1] (float64)', async () => {
  const r = await gradCheck({
    dtype: 'float64',
    inputs: { a: { shape: [3, 4] }, c: { shape: [4] }, d: { shape: [3, 1] } },
    forward: (b, x) => b.add(b.add(x.a!, x.c!), x.d!),
  });
  assert.ok(r.maxRelErr < 1e-6, `rel err ${r.maxRelErr}`);
});

test('Relu (float64, away from the kink)', async () => {
  const r = await gradCheck({
    dtype: 'float64',
    inputs: { a: { shape: [4, 5], init: awayFromZero } },
    forward: (b, x) => b.relu(x.a!),
  });
  assert.ok(r.maxRelErr < 1e-6, `rel err ${r.maxRelErr}`);
});

test('a tensor used twice accumulates both gradients (float64)', async () => {
  const r = await gradCheck({
    dtype: 'float64',
    inputs: { a: { shape: [3, 3] } },
    forward: (b, x) => b.matmul(x.a!, x.a!),
  });
  assert.ok(r.maxRelErr < 1e-6, `rel err ${r.maxRelErr}`);
});
