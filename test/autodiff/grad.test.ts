/** addGradients (grad.ts) across rules: a tensor used twice, and a composition like a classifier loss. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectGrad } from '../helpers/expect-grad.js';
import { gradCheck } from '../helpers/gradcheck.js';

test('a tensor used twice accumulates both gradients (float64)', async () => {
  const r = await gradCheck({
    dtype: 'float64',
    inputs: { a: { shape: [3, 3] } },
    forward: (b, x) => b.matmul(x.a!, x.a!),
  });
  assert.ok(r.maxRelErr < 1e-6, `rel err ${r.maxRelErr}`);
});

test('composition: Gemm → Tanh → Gemm → LogSoftmax → Neg → ReduceMean, like a classifier loss (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { x: { shape: [4, 3], noGrad: true }, w1: { shape: [5, 3] }, b1: { shape: [5] }, w2: { shape: [5, 2] }, b2: { shape: [2] } },
    forward: (b, v) => {
      const h = b.op('Tanh', [b.op('Gemm', [v.x!, v.w1!, v.b1!], { transB: 1 })]);
      const logits = b.op('Gemm', [h, v.w2!, v.b2!]);
      return b.op('ReduceMean', [b.neg(b.op('LogSoftmax', [logits]))], { axes: [0] });
    },
  });
});
