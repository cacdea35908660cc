/**
 * Gradient rules of reductions: ReduceMean, ReduceMax, ReduceMin, ReduceL2, Max, Min (reducemean.ts, reducemax.ts,
 * reducemin.ts, reducel2.ts, max.ts, min.ts) against central finite differences; ReduceSum (reducesum.ts) is the loss
 * of every gradient check, and its axes-as-input form is in opset.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectGrad } from '../../helpers/expect-grad.js';

test('ReduceMean: keepdims 1 and 0, one axis, several axes, negative axes, all axes (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4, 2] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { axes: [1] }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4, 2] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { axes: [0, -1], keepdims: 0 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 2] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { keepdims: 0 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 5] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { axes: [1], keepdims: 1 }) });
});

test('ReduceMax, ReduceMin: axes as attribute (opset 17) and as input (opset 18), keepdims 0 and 1, all axes (float64)', async (t) => {
  for (const op of ['ReduceMax', 'ReduceMin']) {
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4, 2] } }, forward: (b, x) => b.op(op, [x.a!], { axes: [1] }) });
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4, 2] } }, forward: (b, x) => b.op(op, [x.a!], { axes: [0, -1], keepdims: 0 }) });
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 2] } }, forward: (b, x) => b.op(op, [x.a!], { keepdims: 0 }) });
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] } }, forward: (b, x) => ((b.opset = 18), b.op(op, [x.a!, b.constInt64([1])], { keepdims: 0 })) });
  }
});

test('ReduceL2: one axis, all axes, opset 18 (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] } }, forward: (b, x) => b.op('ReduceL2', [x.a!], { axes: [1] }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] } }, forward: (b, x) => b.op('ReduceL2', [x.a!], { keepdims: 0 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3, 2] } }, forward: (b, x) => ((b.opset = 18), b.op('ReduceL2', [x.a!, b.constInt64([0, 2])], { keepdims: 1 })) });
});

test('Max, Min: two and three inputs with broadcasting (float64); ties split the gradient evenly', async (t) => {
  for (const op of ['Max', 'Min']) {
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] }, c: { shape: [4] } }, forward: (b, x) => b.op(op, [x.a!, x.c!]) });
    // every input holds the extreme somewhere, for Max and for Min, and nothing ties
    const inputs = { a: { shape: [2, 3], data: [0.1, 0.5, -0.4, 0.2, -0.1, 0.3] }, c: { shape: [2, 1], data: [1.5, -1.5] }, d: { shape: [3], data: [3, -3, 0.2] } };
    await expectGrad(t, { dtype: 'float64', inputs, forward: (b, x) => b.op(op, [x.a!, x.c!, x.d!]) });
  }
  // Max(x, x): each copy gets half, so d/dx = 1
  const { gradCheck } = await import('../../helpers/gradcheck.js');
  const r = await gradCheck({ dtype: 'float64', inputs: { a: { shape: [2, 3] } }, forward: (b, x) => b.op('Max', [x.a!, x.a!]) });
  assert.ok(r.maxRelErr < 1e-6, `Max(x, x): ${r.maxRelErr}`);
});
