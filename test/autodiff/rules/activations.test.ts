/**
 * Gradient rules of activations and normalised exponentials, checked against central finite differences: Relu,
 * LeakyRelu, Tanh, Sigmoid, Exp, Clip, Softmax, LogSoftmax (relu.ts, leakyrelu.ts, tanh.ts, sigmoid.ts, exp.ts,
 * clip.ts, softmax.ts, logsoftmax.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGradients } from '../../../src/autodiff/grad.js';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/proto.js';
import { expectGrad } from '../../helpers/expect-grad.js';
import { awayFromZero, gradCheck } from '../../helpers/gradcheck.js';

test('Relu (float64, away from the kink)', async () => {
  const r = await gradCheck({
    dtype: 'float64',
    inputs: { a: { shape: [4, 5], init: awayFromZero } },
    forward: (b, x) => b.relu(x.a!),
  });
  assert.ok(r.maxRelErr < 1e-6, `rel err ${r.maxRelErr}`);
});

test('LeakyRelu: alpha 0.2 and the default 0.01, away from the kink (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [4, 3], init: awayFromZero } }, forward: (b, x) => b.op('LeakyRelu', [x.a!], { alpha: 0.2 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 2], init: awayFromZero } }, forward: (b, x) => b.op('LeakyRelu', [x.a!]) });
});

test('Tanh, Sigmoid, Exp (float64)', async (t) => {
  for (const op of ['Tanh', 'Sigmoid', 'Exp']) {
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] } }, forward: (b, x) => b.op(op, [x.a!]) });
  }
});

test('Clip: min and max as inputs (with their gradients), max only, no bounds (float64)', async (t) => {
  // values stay ≥ 0.05 away from the bounds so finite differences never cross a kink
  const avoid = (rng: { uniform(): number }, n: number): number[] =>
    Array.from({ length: n }, (_, i) => [-1.2, -0.8, -0.3, 0.1, 0.5, 0.95, 1.4][(i + Math.floor(rng.uniform() * 7)) % 7]! + 0.02 * rng.uniform());
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [3, 5], init: avoid }, lo: { shape: [], data: [-0.5] }, hi: { shape: [], data: [0.7] } },
    forward: (b, x) => b.op('Clip', [x.a!, x.lo!, x.hi!]),
  });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [4, 3], init: avoid } },
    forward: (b, x) => b.op('Clip', [x.a!, '', b.constFloat(0.7)]),
  });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3] } }, forward: (b, x) => b.op('Clip', [x.a!]) });
});

test('Softmax: default axis, last axis, non-last axis of a rank-3 tensor (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 5] } }, forward: (b, x) => b.op('Softmax', [x.a!]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 4, 3] } }, forward: (b, x) => b.op('Softmax', [x.a!], { axis: 1 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [4, 3, 2] } }, forward: (b, x) => b.op('Softmax', [x.a!], { axis: -3 }) });
});

test('LogSoftmax: default axis and non-last axes (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 5] } }, forward: (b, x) => b.op('LogSoftmax', [x.a!]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 4, 3] } }, forward: (b, x) => b.op('LogSoftmax', [x.a!], { axis: 1 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [4, 3] } }, forward: (b, x) => b.op('LogSoftmax', [x.a!], { axis: 0 }) });
});

test('Softmax in an opset-11 graph is rejected (its semantics flatten from the axis on)', () => {
  const b = new GraphBuilder('old', DataType.DOUBLE);
  b.opset = 11;
  const x = b.input('x', [2, 3]);
  const y = b.op('ReduceSum', [b.op('Softmax', [x], { axis: 1 })], { keepdims: 0 });
  assert.throws(() => addGradients(b, y, [x]), (e: Error & { code?: string }) => e.code === 'UNSUPPORTED_OP' && /opset/.test(e.message));
});
