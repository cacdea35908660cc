/** Gradient rules A, part 1: Gemm, elementwise arithmetic, activations, Softmax/LogSoftmax, ReduceMean. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGradients } from '../../src/autodiff/grad.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/proto.js';
import { awayFromZero } from '../helpers/gradcheck.js';
import { expectGrad, uniformIn } from './rules-a-check.js';

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

test('Sub: broadcasting [3,4] − [4] and [2,1,3] − [1,4,3] (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] }, c: { shape: [4] } }, forward: (b, x) => b.sub(x.a!, x.c!) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 1, 3] }, c: { shape: [1, 4, 3] } }, forward: (b, x) => b.sub(x.a!, x.c!) });
});

test('Div: broadcasting [3,4] / [4] and [2,1,3] / [1,4,3], denominators away from 0 (float64)', async (t) => {
  const denom = { init: uniformIn(0.5, 2) };
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] }, c: { shape: [4], ...denom } }, forward: (b, x) => b.div(x.a!, x.c!) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 1, 3] }, c: { shape: [1, 4, 3], ...denom } }, forward: (b, x) => b.div(x.a!, x.c!) });
  // the denominator broadcast against a larger numerator
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3] }, c: { shape: [2, 3], init: uniformIn(-2, -0.5) } }, forward: (b, x) => b.div(x.a!, x.c!) });
});

test('Neg (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 5] } }, forward: (b, x) => b.neg(x.a!) });
});

test('Sum: variadic with broadcasting [3,4] + [4] + [3,1], and a single input (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [3, 4] }, c: { shape: [4] }, d: { shape: [3, 1] } },
    forward: (b, x) => b.op('Sum', [x.a!, x.c!, x.d!]),
  });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3] } }, forward: (b, x) => b.op('Sum', [x.a!]) });
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

test('Log and Sqrt on positive inputs (float64)', async (t) => {
  for (const op of ['Log', 'Sqrt']) {
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [4, 3], init: uniformIn(0.3, 3) } }, forward: (b, x) => b.op(op, [x.a!]) });
  }
});

test('Abs, away from 0 (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4], init: awayFromZero } }, forward: (b, x) => b.op('Abs', [x.a!]) });
});

test('Where: gradients to both value inputs, broadcasting [3,4] and [4] under a [3,1] condition (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { c: { shape: [3, 1], noGrad: true, data: [1, -1, 1] }, a: { shape: [3, 4] }, z: { shape: [4] } },
    forward: (b, x) => b.op('Where', [b.op('Greater', [x.c!, b.constFloat(0)]), x.a!, x.z!]),
  });
  // the condition computed from a differentiated input (it gets no gradient through the comparison)
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [4, 3], init: awayFromZero } },
    forward: (b, x) => b.op('Where', [b.op('Greater', [x.a!, b.constFloat(0)]), b.mul(x.a!, x.a!), b.neg(x.a!)]),
  });
});

test('Pow: tensor exponent with broadcasting, gradients to base and exponent (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [3, 4], init: uniformIn(0.3, 2) }, e: { shape: [4], init: uniformIn(-1.5, 2.5) } },
    forward: (b, x) => b.op('Pow', [x.a!, x.e!]),
  });
});

test('Pow: constant exponents 3, 2, 0.5 and an int64 exponent tensor (negative bases allowed for integers) (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 5] } }, forward: (b, x) => b.op('Pow', [x.a!, b.constFloat(3)]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 5] } }, forward: (b, x) => b.op('Pow', [x.a!, b.constFloat(2)]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [5, 2], init: uniformIn(0.3, 2) } }, forward: (b, x) => b.op('Pow', [x.a!, b.constFloat(0.5)]) });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [3, 4], init: awayFromZero }, e: { shape: [4], int64: true, data: [1, 2, 3, -2] } },
    forward: (b, x) => b.op('Pow', [x.a!, x.e!]),
  });
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

test('ReduceMean: keepdims 1 and 0, one axis, several axes, negative axes, all axes (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4, 2] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { axes: [1] }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4, 2] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { axes: [0, -1], keepdims: 0 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 2] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { keepdims: 0 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 5] } }, forward: (b, x) => b.op('ReduceMean', [x.a!], { axes: [1], keepdims: 1 }) });
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
