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

test('Softmax in an opset-11 graph (normalising over the input flattened from the axis on) is upgraded, then differentiated (float64)', async (t) => {
  for (const op of ['Softmax', 'LogSoftmax']) {
    await expectGrad(t, {
      dtype: 'float64',
      inputs: { a: { shape: [2, 3, 4] } },
      forward: (b, x) => {
        b.opset = 11;
        return b.op(op, [x.a!], { axis: 1 });
      },
    });
  }
  const b = new GraphBuilder('old', DataType.DOUBLE);
  b.opset = 11;
  const x = b.input('x', [2, 3]);
  const y = b.op('ReduceSum', [b.op('Softmax', [x], { axis: 1 })], { keepdims: 0 });
  addGradients(b, y, [x]);
  assert.equal(b.opset, 17, 'the gradient graph is raised to the gradient opset');
});

/** Values whose distance to every point of `kinks` is at least 0.05 (finite differences never cross a kink). */
const avoiding = (kinks: number[], lo = -2.5, hi = 2.5) => (rng: { uniform(): number }, n: number): number[] =>
  Array.from({ length: n }, () => {
    for (;;) {
      const v = lo + (hi - lo) * rng.uniform();
      if (kinks.every((k) => Math.abs(v - k) > 0.05)) return v;
    }
  });

/** float32-only activations on the onnxruntime CPU provider: central differences with step 1e-2, tolerance 2e-3. */
const F32 = 2e-3;

test('Erf, Gelu (exact and tanh, opset 20), Softplus, Softsign (float32)', async (t) => {
  await expectGrad(t, { dtype: 'float32', inputs: { a: { shape: [3, 5] } }, forward: (b, x) => b.op('Erf', [x.a!]) }, F32);
  for (const approximate of ['none', 'tanh']) {
    await expectGrad(t, { dtype: 'float32', inputs: { a: { shape: [3, 5] } }, forward: (b, x) => ((b.opset = 20), b.op('Gelu', [x.a!], { approximate })) }, F32);
  }
  for (const op of ['Softplus', 'Softsign']) await expectGrad(t, { dtype: 'float32', inputs: { a: { shape: [3, 5] } }, forward: (b, x) => b.op(op, [x.a!]) }, F32);
});

test('Elu, Selu, Celu with default and other alphas, away from the kink at 0 (float32)', async (t) => {
  const init = avoiding([0]);
  for (const [op, attrs] of [['Elu', {}], ['Elu', { alpha: 0.5 }], ['Selu', {}], ['Selu', { alpha: 1.5, gamma: 1.2 }], ['Celu', {}], ['Celu', { alpha: 2 }]] as const) {
    await expectGrad(t, { dtype: 'float32', inputs: { a: { shape: [4, 5], init } }, forward: (b, x) => b.op(op, [x.a!], attrs) }, F32);
  }
});

test('HardSigmoid, HardSwish, ThresholdedRelu, away from their kinks (float32)', async (t) => {
  await expectGrad(t, { dtype: 'float32', inputs: { a: { shape: [4, 5], init: avoiding([-2.5, 2.5], -4, 4) } }, forward: (b, x) => b.op('HardSigmoid', [x.a!]) }, F32);
  await expectGrad(t, { dtype: 'float32', inputs: { a: { shape: [4, 5], init: avoiding([-1, 1], -2, 2) } }, forward: (b, x) => b.op('HardSigmoid', [x.a!], { alpha: 0.5, beta: 0.5 }) }, F32);
  await expectGrad(t, { dtype: 'float32', inputs: { a: { shape: [4, 5], init: avoiding([-3, 3], -4.5, 4.5) } }, forward: (b, x) => b.op('HardSwish', [x.a!]) }, F32);
  await expectGrad(t, { dtype: 'float32', inputs: { a: { shape: [4, 5], init: avoiding([1], -2, 3) } }, forward: (b, x) => b.op('ThresholdedRelu', [x.a!]) }, F32);
  await expectGrad(t, { dtype: 'float32', inputs: { a: { shape: [4, 5], init: avoiding([0.3], -2, 3) } }, forward: (b, x) => b.op('ThresholdedRelu', [x.a!], { alpha: 0.3 }) }, F32);
});

test('PRelu: a slope per channel, a scalar slope, both differentiated; Mish (opset 18) (float64)', async (t) => {
  const init = avoiding([0]);
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3, 4], init }, s: { shape: [3, 1] } }, forward: (b, x) => b.op('PRelu', [x.a!, x.s!]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [5, 3], init }, s: { shape: [1] } }, forward: (b, x) => b.op('PRelu', [x.a!, x.s!]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 5] } }, forward: (b, x) => ((b.opset = 18), b.op('Mish', [x.a!])) });
});
