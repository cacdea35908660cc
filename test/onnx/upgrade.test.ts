/**
 * Opset upgrade (src/onnx/upgrade.ts): graphs written for opsets 9–12 are rewritten into opset-13 forms with the same
 * values. Every conversion is checked by running the old graph in onnxruntime at its own opset and the upgraded one at
 * 13, on the same input.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeEngine } from '../../src/engine/node.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { importClassifier } from '../../src/onnx/import.js';
import { DataType } from '../../src/onnx/proto.js';
import { upgradeBuilder } from '../../src/onnx/upgrade.js';
import { Rng } from '../../src/util/random.js';
import { GeolensError } from '../../src/errors.js';

const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

/** Build at `opset`, run, upgrade to 13, run again: the outputs agree; returns what the upgrade changed. */
async function sameAfterUpgrade(opset: number, shape: number[], build: (b: GraphBuilder, x: string) => string): Promise<Record<string, number>> {
  const b = new GraphBuilder('old');
  b.opset = opset;
  const x = b.input('x', shape);
  b.output(build(b, x));
  const rng = new Rng(opset * 7 + shape.length);
  const n = shape.reduce((p, d) => p * d, 1);
  const data = Float32Array.from({ length: n }, () => rng.normal());
  const before = await (await engine.load(b)).run({ x: { data, shape } });
  const up = b.clone();
  const counts = upgradeBuilder(up, 13);
  assert.equal(up.opset, 13);
  const afterUp = await (await engine.load(up)).run({ x: { data, shape } });
  const k = b.outputs[0]!.name;
  assert.deepEqual(afterUp[k]!.shape, before[k]!.shape);
  const a = before[k]!.data as Float32Array;
  const c = afterUp[k]!.data as Float32Array;
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - c[i]!) <= 1e-6 * Math.max(1, Math.abs(a[i]!)), `opset ${opset}: element ${i}: ${a[i]} vs ${c[i]}`);
  return counts;
}

test('opset 11 → 13: Squeeze/Unsqueeze axes, Split split, ReduceSum axes become inputs', async () => {
  const c = await sameAfterUpgrade(11, [2, 6, 3], (b, x) => {
    const u = b.op('Unsqueeze', [x], { axes: [1] });
    const s = b.op('Squeeze', [u], { axes: [1] });
    const [p, q] = b.node('Split', [s], { axis: 1, split: [2, 4] }, 2);
    const r = b.op('ReduceSum', [q!], { axes: [1], keepdims: 1 });
    return b.add(b.op('ReduceSum', [p!], { axes: [1], keepdims: 1 }), r);
  });
  assert.deepEqual(c, { ReduceSum: 2, Split: 1, Squeeze: 1, Unsqueeze: 1 });
});

test('opset 10 → 13: Clip min/max, Pad pads/value (constant, reflect, edge), Dropout ratio become inputs', async () => {
  const c = await sameAfterUpgrade(10, [2, 3, 4, 4], (b, x) => {
    const cl = b.op('Clip', [x], { min: -0.5, max: 0.7 });
    const p1 = b.op('Pad', [cl], { pads: [0, 0, 1, 2, 0, 0, 2, 1], value: { name: 'value', type: 'float', value: 0.25 } });
    const p2 = b.op('Pad', [cl], { mode: 'reflect', pads: [0, 0, 1, 2, 0, 0, 2, 1] });
    const p3 = b.op('Pad', [cl], { mode: 'edge', pads: [0, 0, 1, 2, 0, 0, 2, 1] });
    const d = b.op('Dropout', [b.add(b.add(p1, p2), p3)], { ratio: 0.3 });
    return d;
  });
  assert.deepEqual(c, { Clip: 1, Dropout: 1, Pad: 3 });
});

test('opset 9 → 13: Slice attributes become inputs; Upsample (nearest, linear) becomes Resize with its coordinates', async () => {
  const c = await sameAfterUpgrade(9, [1, 2, 5, 6], (b, x) => {
    const s = b.op('Slice', [x], { starts: [1, 0], ends: [4, 1000], axes: [2, 3] });
    const near = b.op('Upsample', [s, b.constFloat([1, 1, 3, 2], [4])], { mode: 'nearest' });
    const lin = b.op('Upsample', [s, b.constFloat([1, 1, 2, 2], [4])], { mode: 'linear' });
    return b.add(b.op('ReduceMean', [near], { axes: [2, 3], keepdims: 0 }), b.op('ReduceMean', [lin], { axes: [2, 3], keepdims: 0 }));
  });
  assert.deepEqual(c, { Slice: 1, Upsample: 2 });
  // element by element, not only the means
  await sameAfterUpgrade(9, [1, 1, 3, 4], (b, x) => b.op('Upsample', [x, b.constFloat([1, 1, 3, 2], [4])], { mode: 'nearest' }));
  await sameAfterUpgrade(9, [1, 1, 3, 4], (b, x) => b.op('Upsample', [x, b.constFloat([1, 1, 2, 3], [4])], { mode: 'linear' }));
});

test('opset 10 → 13: Resize-10 (nearest, linear) keeps its asymmetric coordinates', async () => {
  for (const mode of ['nearest', 'linear']) {
    await sameAfterUpgrade(10, [1, 2, 3, 5], (b, x) => b.op('Resize', [x, b.constFloat([1, 1, 3, 2], [4])], { mode }));
  }
});

test('opset < 13: Softmax/LogSoftmax over the input coerced to 2-D at axis becomes Flatten → op → Reshape', async () => {
  for (const op of ['Softmax', 'LogSoftmax']) {
    const c = await sameAfterUpgrade(11, [2, 3, 4], (b, x) => b.op(op, [x], { axis: 1 }));
    assert.deepEqual(c, { Softmax: 1 });
    await sameAfterUpgrade(12, [2, 5], (b, x) => b.op(op, [x])); // axis 1 of a matrix: the same at 13
  }
});

test('an opset-10 classifier imports (upgraded to 13, with the change named) and gives the same logits', async () => {
  const rng = new Rng(5);
  const b = new GraphBuilder('old-mlp');
  b.opset = 10;
  const x = b.input('input', ['batch', 6]);
  b.init('w1', { data: Float32Array.from({ length: 48 }, () => rng.normal()), shape: [6, 8] });
  b.init('w2', { data: Float32Array.from({ length: 24 }, () => rng.normal()), shape: [8, 3] });
  const h = b.op('Clip', [b.matmul(x, 'w1')], { min: 0, max: 6 });
  const u = b.op('Squeeze', [b.op('Unsqueeze', [h], { axes: [2] })], { axes: [2] });
  b.node('MatMul', [b.op('Dropout', [u], { ratio: 0.5 }), 'w2'], {}, ['logits']);
  b.output('logits', ['batch', 3]);
  const m = importClassifier(b.toModel(), { source: 'old.onnx' });
  assert.equal(m.opset, 10);
  assert.equal(m.graph.opset, 13);
  assert.ok(m.changes.some((ch) => /upgraded from opset 10 to 13 \(Clip, Dropout, Squeeze, Unsqueeze\)/.test(ch)), m.changes.join(' | '));
  const data = Float32Array.from({ length: 30 }, () => rng.normal());
  const want = (await (await engine.load(b)).run({ input: { data, shape: [5, 6] } }))['logits']!.data as Float32Array;
  const got = (await (await engine.load(m.graph)).run({ input: { data, shape: [5, 6] } }))[m.logits]!.data as Float32Array;
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(want[i]! - got[i]!) < 1e-5);
});

test('ops whose meaning changed after 13 are refused when raising across the change', () => {
  const b = new GraphBuilder('roi', DataType.FLOAT);
  b.opset = 13;
  const x = b.input('x', [1, 1, 4, 4]);
  b.output(b.op('RoiAlign', [x, b.constFloat([0, 0, 2, 2], [1, 4]), b.constInt64([0])], {}));
  assert.throws(() => upgradeBuilder(b, 17), (e: unknown) => e instanceof GeolensError && e.code === 'UNSUPPORTED_OP' && /RoiAlign changed meaning at opset 16/.test(e.message));
});
