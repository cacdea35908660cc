/** addGradients (grad.ts) across rules: a tensor used twice, and a composition like a classifier loss. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectGrad } from '../helpers/expect-grad.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { addGradients } from '../../src/autodiff/grad.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/proto.js';

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

test('batchOnes: the bias gradient of MatMul + Add and of Gemm becomes ones·G (no ReduceSum) and matches finite differences (float64)', async () => {
  let onesName = '';
  const r = await gradCheck({
    dtype: 'float64',
    inputs: { x: { shape: [4, 3], noGrad: true }, w1: { shape: [3, 5] }, b1: { shape: [5] }, w2: { shape: [2, 5] }, b2: { shape: [2] } },
    forward: (b, v) => {
      const h = b.op('Tanh', [b.add(b.matmul(v.x!, v.w1!), v.b1!)]);
      return b.op('Gemm', [h, v.w2!, v.b2!], { transB: 1 });
    },
    gradOptions: (b) => {
      onesName = b.constFloat([1, 1, 1, 1], [4], 'ones');
      return { batchOnes: { ones: onesName, dim: 4 } };
    },
  });
  assert.ok(r.maxRelErr < 1e-6, `rel err ${JSON.stringify(r.perInput)}`);
  // the same graph with a symbolic batch: the bias gradients read the ones vector and no ReduceSum over axis 0 is left
  const b = new GraphBuilder('t', DataType.DOUBLE);
  const x = b.input('x', ['N', 3]);
  const w = b.input('w', [3, 5]);
  const bias = b.input('bias', [5]);
  const loss = b.op('ReduceSum', [b.op('Tanh', [b.add(b.matmul(x, w), bias)])], { keepdims: 0 });
  const ones = b.input('ones', ['N']);
  const before = b.nodes.length;
  const g = addGradients(b, loss, ['w', 'bias'], { batchOnes: { ones, dim: 'N' } });
  const gradNodes = b.nodes.slice(before);
  const gb = gradNodes.find((n) => n.outputs.includes(g.get('bias')!))!;
  assert.equal(gb.opType, 'MatMul');
  assert.equal(gb.inputs[0], ones);
  assert.ok(onesName !== '' && !gradNodes.some((n) => n.opType === 'ReduceSum'));
});
