/** Gradient rules MatMul (matmul.ts) and Gemm (gemm.ts), checked against central finite differences. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectGrad } from '../../helpers/expect-grad.js';
import { gradCheck } from '../../helpers/gradcheck.js';

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

test('Gemm: alpha, beta, bias C broadcast from [N], all four transA/transB combinations (float64)', async (t) => {
  const [m, k, n] = [3, 4, 5];
  for (const [tA, tB] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ] as const) {
    await expectGrad(t, {
      dtype: 'float64',
      inputs: { a: { shape: tA ? [k, m] : [m, k] }, w: { shape: tB ? [n, k] : [k, n] }, c: { shape: [n] } },
      forward: (b, x) => b.op('Gemm', [x.a!, x.w!, x.c!], { alpha: 0.7, beta: 1.3, transA: tA, transB: tB }),
    });
  }
});

test('Gemm: C of shape [M,1] and [] , and no C (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [4, 3] }, w: { shape: [5, 4] }, c: { shape: [3, 1] } },
    forward: (b, x) => b.op('Gemm', [x.a!, x.w!, x.c!], { alpha: 1.5, transA: 1, transB: 1 }),
  });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [2, 3] }, w: { shape: [3, 4] }, c: { shape: [] } },
    forward: (b, x) => b.op('Gemm', [x.a!, x.w!, x.c!], { beta: -0.5 }),
  });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [2, 3] }, w: { shape: [4, 3] } },
    forward: (b, x) => b.op('Gemm', [x.a!, x.w!], { transB: 1 }),
  });
});

test('Einsum: Linear as bi,oi->bo, batched bij,bjk->bik, bilinear bi,oij,bj->bo, ellipsis, implicit output, a summed-out index (float64)', async (t) => {
  const cases: [string, Record<string, number[]>][] = [
    ['bi,oi->bo', { a: [3, 4], c: [5, 4] }],
    ['bij,bjk->bik', { a: [2, 3, 4], c: [2, 4, 2] }],
    ['bi,oij,bj->bo', { a: [3, 4], c: [2, 4, 5], d: [3, 5] }],
    ['...ij,jk->...ik', { a: [2, 3, 4], c: [4, 2] }],
    ['ij,jk', { a: [3, 4], c: [4, 2] }],
    ['bij->bj', { a: [2, 3, 4] }],
    ['bij,jk->bk', { a: [2, 3, 4], c: [4, 5] }],
  ];
  for (const [equation, shapes] of cases) {
    await expectGrad(t, {
      dtype: 'float64',
      inputs: Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, { shape: s }])),
      forward: (b, x) => b.op('Einsum', Object.keys(shapes).map((k) => x[k]!), { equation }),
    });
  }
});
