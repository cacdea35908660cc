/**
 * Gradient graphs follow the forward graph's opset: every op form a rule emits must be valid in the opset the graph
 * declares (imported models come at opsets 13–26; from 18 on ReduceMean & co. take their axes as an input).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGradients } from '../../src/autodiff/grad.js';
import { GeolensError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/proto.js';
import { awayFromZero } from '../helpers/gradcheck.js';
import { expectGrad, uniformIn } from '../helpers/expect-grad.js';

const OPSETS = [13, 17, 18, 21, 26];

test('opset 13–26: ReduceMean/ReduceSum (axes as input from 18), Softmax, LogSoftmax, broadcasting Add/Mul (float64)', async (t) => {
  for (const opset of OPSETS) {
    await expectGrad(t, {
      dtype: 'float64',
      inputs: { a: { shape: [3, 4, 2] }, c: { shape: [4, 1] } },
      forward: (b, x) => {
        b.opset = opset;
        const reduceMean = (v: string, axes: number[], keepdims: number): string =>
          opset >= 18 ? b.op('ReduceMean', [v, b.constInt64(axes)], { keepdims }) : b.op('ReduceMean', [v], { axes, keepdims });
        const h = b.op('Softmax', [b.add(x.a!, x.c!)], { axis: 1 });
        const s = b.op('ReduceSum', [b.mul(h, x.a!), b.constInt64([-1])], { keepdims: 0 }); // [3, 4]
        const m = reduceMean(b.op('LogSoftmax', [s]), [0], 1); // [1, 4]
        return b.add(reduceMean(x.a!, [0, 2], 0), b.mul(m, s)); // [3, 4]
      },
    });
  }
});

test('opset 18: ReduceMean with axes as an input, keepdims 0 and 1, negative axes, no axes (float64)', async (t) => {
  const cases: [number[] | undefined, number][] = [
    [[1], 1],
    [[0, -1], 0],
    [undefined, 0],
    [[-2], 0],
  ];
  for (const [axes, keepdims] of cases) {
    await expectGrad(t, {
      dtype: 'float64',
      inputs: { a: { shape: [3, 4, 2] } },
      forward: (b, x) => {
        b.opset = 18;
        return b.op('ReduceMean', axes ? [x.a!, b.constInt64(axes)] : [x.a!], { keepdims });
      },
    });
  }
});

test('opset 18: Gather, Slice, Concat, Unsqueeze/Squeeze, Clip, Pow, BatchNormalization (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [2, 3, 4], init: awayFromZero }, s: { shape: [3] }, bias: { shape: [3] }, var: { shape: [3], init: uniformIn(0.5, 2) } },
    forward: (b, x) => {
      b.opset = 18;
      const mean = b.constFloat([0.1, -0.2, 0.3], [3]);
      const bn = b.op('BatchNormalization', [x.a!, x.s!, x.bias!, mean, x.var!], { epsilon: 1e-3 });
      const g = b.op('Gather', [bn, b.constInt64([0, 2, 2])], { axis: 1 }); // [2, 3, 4]
      const sl = b.op('Slice', [g, b.constInt64([1]), b.constInt64([4]), b.constInt64([2])]); // [2, 3, 3]
      const cat = b.op('Concat', [sl, b.op('Abs', [sl])], { axis: 2 }); // [2, 3, 6]
      const u = b.op('Squeeze', [b.op('Unsqueeze', [cat, b.constInt64([1])]), b.constInt64([1])]);
      const c = b.op('Clip', [u, b.constFloat(-1.5, []), b.constFloat(1.5, [])]);
      return b.op('Pow', [c, b.constFloat(3, [])]);
    },
  });
});

test('opset 18: Conv (bias), MaxPool, AveragePool, GlobalAveragePool, Gemm (float32)', async (t) => {
  await expectGrad(
    t,
    {
      dtype: 'float32',
      inputs: { x: { shape: [2, 2, 6, 6] }, w: { shape: [3, 2, 3, 3] }, bias: { shape: [3] }, fc: { shape: [3, 2] } },
      forward: (b, v) => {
        b.opset = 18;
        const c = b.op('Conv', [v.x!, v.w!, v.bias!], { pads: [1, 1, 1, 1] });
        const p = b.op('MaxPool', [b.op('Tanh', [c])], { kernel_shape: [2, 2], strides: [2, 2] });
        const a = b.op('AveragePool', [p], { kernel_shape: [2, 2], pads: [0, 0, 1, 1] });
        const gap = b.op('Flatten', [b.op('GlobalAveragePool', [a])]);
        return b.op('Gemm', [gap, v.fc!]);
      },
      eps: 1e-2,
    },
    2e-2,
  );
});

test('opset 18: reduction axes computed at run time are refused with a typed error', () => {
  for (const op of ['ReduceMean', 'ReduceSum']) {
    const b = new GraphBuilder('runtime-axes', DataType.DOUBLE);
    b.opset = 18;
    const x = b.input('x', [3, 4]);
    const axes = b.input('axes', [1], DataType.INT64);
    const y = b.op(op, [x, axes], { keepdims: 0 });
    assert.throws(
      () => addGradients(b, y, [x]),
      (e: unknown) => e instanceof GeolensError && e.code === 'UNSUPPORTED_OP' && /constant/.test(e.message),
    );
  }
});
