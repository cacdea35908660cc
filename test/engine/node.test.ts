/**
 * The Node engine adapter on the real onnxruntime-node: the engine disposes onnxruntime's input and output tensors
 * after each run, so the data it returns must not be a view on memory that dispose() (or a later run) takes back;
 * an execution provider the build lacks is a clear ENGINE error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { createNodeEngine } from '../../src/engine/node.js';
import { GeolensError } from '../../src/errors.js';
import { buildModel } from '../../src/models/index.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/proto.js';
import { Trainer } from '../../src/train/trainer.js';

/** y = 2·x + 1 (float32), z = Identity(x) (an output that is a graph input), s = Shape(x) (int64), m = Not(mask) (bool). */
function graph(): GraphBuilder {
  const b = new GraphBuilder('dispose');
  const x = b.input('x', ['N', 3]);
  const mask = b.input('mask', ['N'], DataType.BOOL);
  b.namedOutput('y', b.add(b.mul(x, b.constFloat(2)), b.constFloat(1)));
  b.namedOutput('z', x);
  b.namedOutput('s', b.shape(x), undefined, DataType.INT64);
  b.namedOutput('m', b.op('Not', [mask]), undefined, DataType.BOOL);
  return b;
}

test('onnxruntime-node: output data read before dispose() stays correct after it and after later runs', async () => {
  const session = await ort.InferenceSession.create(graph().toBytes());
  const feeds = (v: number): Record<string, ort.Tensor> => ({
    x: new ort.Tensor('float32', Float32Array.from({ length: 6 }, (_, i) => v + i), [2, 3]),
    mask: new ort.Tensor('bool', Uint8Array.of(1, 0), [2]),
  });
  const out = await session.run(feeds(0));
  const y = out.y!.data as Float32Array;
  for (const t of Object.values(out)) t.dispose();
  assert.equal(out.y!.location, 'none', 'dispose() took effect');
  for (let k = 1; k <= 5; k++) {
    const again = await session.run(feeds(100 * k));
    for (const t of Object.values(again)) t.dispose();
  }
  assert.deepEqual(Array.from(y), [1, 3, 5, 7, 9, 11]);
  await session.release();
});

test('engine.run returns data that survives the disposal of onnxruntime tensors, later runs and input changes', async () => {
  const engine = createNodeEngine({ threads: 1 });
  const g = await engine.load(graph());
  const x = Float32Array.from([0, 1, 2, 3, 4, 5]);
  const first = await g.run({ x: { data: x, shape: [2, 3] }, mask: { data: Uint8Array.of(1, 0), shape: [2] } });
  x.fill(-7); // the caller reuses its input buffer
  for (let k = 0; k < 5; k++) await g.run({ x: { data: Float32Array.from({ length: 9 }, () => 50 + k), shape: [3, 3] }, mask: { data: Uint8Array.of(0, 0, 1), shape: [3] } });
  assert.deepEqual(Array.from(first.y!.data as Float32Array), [1, 3, 5, 7, 9, 11]);
  assert.deepEqual(Array.from(first.z!.data as Float32Array), [0, 1, 2, 3, 4, 5], 'an output equal to an input is a copy, not the feed');
  assert.deepEqual(Array.from(first.s!.data as BigInt64Array), [2n, 3n]);
  assert.deepEqual(Array.from(first.m!.data as Uint8Array), [0, 1]);
  assert.deepEqual(first.y!.shape, [2, 3]);
  await engine.dispose();
});

/** A linear softmax model (no hidden layer). */
const linear = buildModel({ kind: 'mlp', inputShape: [3], widths: [], numClasses: 4 });

test('asking for the CUDA provider works where onnxruntime has it, and otherwise gives a clear ENGINE error', async (t) => {
  const engine = createNodeEngine({ provider: 'cuda' });
  try {
    await Trainer.create(engine, linear, { optimizer: 'sgd', lr: 0.1, batchSize: 8, seed: 1 });
    t.diagnostic('this onnxruntime-node build has the CUDA provider');
  } catch (e) {
    assert.ok(e instanceof GeolensError && e.code === 'ENGINE', String(e));
    assert.match(e.message, /use provider 'cpu'/);
  }
});
