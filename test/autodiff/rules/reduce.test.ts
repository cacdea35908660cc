/**
 * Gradient rules of reductions: ReduceMean (reducemean.ts) against central finite differences; ReduceSum
 * (reducesum.ts) is the loss of every gradient check, and its axes-as-input form is in opset.test.ts.
 */
import { test } from 'node:test';
import { expectGrad } from '../../helpers/expect-grad.js';

test('ReduceMean: keepdims 1 and 0, one axis, several axes, negative axes, all axes (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4, 2] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { axes: [1] }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4, 2] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { axes: [0, -1], keepdims: 0 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 2] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { keepdims: 0 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 5] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { axes: [1], keepdims: 1 }) });
});
