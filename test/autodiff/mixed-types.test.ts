/**
 * Graphs that mix float32 and float64: every constant a rule or the backward pass creates takes the element type of
 * the forward tensor it meets, not the builder's default float type.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { addGradients } from '../../src/autodiff/grad.js';
import { inputJacobian } from '../../src/measure/jacobians.js';
import { defaultEngine } from '../../src/engine/node.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/proto.js';
import { inferShapes } from '../../src/onnx/shapes.js';
import { expectGrad, uniformIn } from '../helpers/expect-grad.js';

after(() => defaultEngine().dispose());

const F = DataType.FLOAT;
const D = DataType.DOUBLE;

test('float64 MaxPool and BatchNormalization inside a float32 graph', async (t) => {
  await expectGrad(
    t,
    {
      dtype: 'float32',
      // distinct inputs 0.05 apart, so no finite-difference step changes which element a MaxPool window picks
      inputs: { x: { shape: [2, 3, 4, 4], init: (rng, n) => Array.from(rng.permutation(n), (k) => (k - n / 2) * 0.05) }, s: { shape: [3] }, v: { shape: [3], init: uniformIn(0.5, 2) } },
      forward: (b, x) => {
        const d = (name: string): string => b.op('Cast', [name], { to: D });
        const mean = b.init(b.fresh('mean'), { dataType: D, dims: [3], data: Float64Array.of(0.1, -0.2, 0.3) });
        const bias = b.init(b.fresh('bias'), { dataType: D, dims: [3], data: Float64Array.of(0.5, 0, -0.5) });
        const bn = b.op('BatchNormalization', [d(x.x!), d(x.s!), bias, mean, d(x.v!)], { epsilon: 1e-3 });
        return b.op('Cast', [b.op('MaxPool', [b.op('Tanh', [bn])], { kernel_shape: [2, 2], strides: [2, 2] })], { to: F });
      },
      eps: 1e-3,
    },
    2e-2,
  );
});

test('float32 AveragePool and GlobalAveragePool (float-only kernels) inside a float64 graph', async (t) => {
  await expectGrad(
    t,
    {
      dtype: 'float64',
      inputs: { x: { shape: [2, 3, 5, 5] } },
      forward: (b, x) => {
        const a = b.op('AveragePool', [b.op('Cast', [x.x!], { to: F })], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0] });
        const g = b.op('GlobalAveragePool', [a]);
        return b.op('Cast', [b.mul(g, g)], { to: D });
      },
      eps: 1e-2,
    },
    1e-3,
  );
});

test('float32 GlobalAveragePool with symbolic spatial sizes inside a float64 graph', async () => {
  const b = new GraphBuilder('gap-mixed', D);
  const x = b.input('x', ['N', 3, 'H', 'W']);
  const y = b.op('Cast', [b.op('GlobalAveragePool', [b.op('Cast', [x], { to: F })])], { to: D });
  const g = addGradients(b, b.reduceSum(y, [], false), [x]).get(x)!;
  b.output(g, ['N', 3, 'H', 'W']);
  const out = (await (await defaultEngine().load(b)).run({ x: { data: new Float64Array(2 * 3 * 4 * 5), shape: [2, 3, 4, 5] } }))[g]!;
  assert.ok(out.data instanceof Float64Array);
  for (const v of out.data as Float64Array) assert.ok(Math.abs(v - 1 / 20) < 1e-7);
});

test('the seed and the zero gradient take the element type of the loss and of the wrt tensor, not the builder’s', async () => {
  for (const scalarLoss of [true, false]) {
    const b = new GraphBuilder('seed', F);
    const x = b.input('x', [2, 3], D);
    const unused = b.input('u', [4], D);
    const th = b.op('Tanh', [x]);
    const loss = scalarLoss ? b.reduceSum(th, [], false) : th;
    const grads = addGradients(b, loss, [x, unused]);
    const env = inferShapes(b);
    assert.equal(env.info.get(grads.get(x)!)?.elemType, D);
    assert.equal(env.info.get(grads.get(unused)!)?.elemType, D);
    b.output(grads.get(x)!, [2, 3], D);
    b.output(grads.get(unused)!, [4], D);
    const xs = Float64Array.of(-1, -0.5, 0, 0.25, 1, 2);
    const r = await (await defaultEngine().load(b)).run({ x: { data: xs, shape: [2, 3] }, u: { data: new Float64Array(4), shape: [4] } });
    const gx = r[grads.get(x)!]!.data as Float64Array;
    assert.ok(gx instanceof Float64Array);
    xs.forEach((v, i) => assert.ok(Math.abs(gx[i]! - (1 - Math.tanh(v) ** 2)) < 1e-12));
    assert.deepEqual([...(r[grads.get(unused)!]!.data as Float64Array)], [0, 0, 0, 0]);
  }
});

test('input Jacobian of a float64 classifier held in a float32-default builder', async () => {
  const b = new GraphBuilder('f64-in-f32-builder', F);
  const x = b.input('x', ['N', 3], D);
  const W = Float64Array.of(1, 2, 3, 4, 5, 6);
  b.output(b.matmul(x, b.init('W', { dataType: D, dims: [3, 2], data: W })), ['N', 2], D);
  const r = await inputJacobian(defaultEngine(), b, { input: 'x', logits: b.outputs[0]!.name, numClasses: 2 }, { data: Float64Array.of(1, 0, -1, 2, 1, 0), shape: [2, 3] });
  for (let i = 0; i < 2; i++) for (let c = 0; c < 2; c++) for (let j = 0; j < 3; j++) assert.equal(r.jacobian.data[(i * 2 + c) * 3 + j], W[j * 2 + c]);
});
