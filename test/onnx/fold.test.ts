/** Constant folding at import (src/onnx/fold.ts): the small shape/pad subgraphs exporters write become initializers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldConstantNodes } from '../../src/onnx/fold.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { inferShapes } from '../../src/onnx/shapes.js';
import { DataType } from '../../src/onnx/proto.js';
import { tensorToProto } from '../../src/onnx/tensors.js';

test("torch's ReflectionPad2d pads subgraph (ConstantOfShape → Concat → Reshape → Slice → Transpose → Reshape → Cast) folds to the ONNX pads", () => {
  const b = new GraphBuilder('pads');
  const x = b.input('x', ['N', 4, 4, 4]);
  // torch: pads (1, 2, 2, 1) for (W_begin, W_end, H_begin, H_end), padded with zeros for N and C, reversed per axis
  const zeros = b.op('ConstantOfShape', [b.constInt64([4])], { value: tensorToProto('value', [1], BigInt64Array.of(0n), DataType.INT64) });
  const cat = b.op('Concat', [b.constInt64([1, 2, 2, 1]), zeros], { axis: 0 });
  const r = b.reshape(cat, [-1, 2]);
  const sl = b.op('Slice', [r, b.constInt64([-1]), b.constInt64([-(2 ** 62)]), b.constInt64([0]), b.constInt64([-1])]);
  const tr = b.transpose(sl, [1, 0]);
  const pads = b.op('Cast', [b.reshape(tr, [-1])], { to: DataType.INT64 });
  const y = b.op('Pad', [x, pads], { mode: 'reflect' });
  b.output(y);
  const { nodes, folded } = foldConstantNodes(b.nodes, b.initializers);
  assert.equal(folded, 7);
  assert.deepEqual(nodes.map((n) => n.opType), ['Pad']);
  assert.deepEqual(Array.from(b.initializers.get(pads)!.data as BigInt64Array, Number), [0, 0, 2, 1, 0, 0, 1, 2]);
  b.nodes.splice(0, b.nodes.length, ...nodes);
  assert.deepEqual(inferShapes(b).info.get(y)!.shape, ['N', 4, 7, 7]);
});

test('weights and nodes that read the input are left alone; Reshape [0, G, -1] keeps the batch symbol', () => {
  const b = new GraphBuilder('keep');
  const x = b.input('x', ['N', 6, 4, 4]);
  const big = b.constFloat(new Array<number>(5000).fill(1), [5000]);
  const t = b.op('Neg', [big]);
  const r = b.reshape(x, [0, 3, -1]);
  b.output(r);
  b.output(t);
  const { nodes, folded } = foldConstantNodes(b.nodes, b.initializers);
  assert.equal(folded, 0);
  assert.equal(nodes.length, 2);
  assert.deepEqual(inferShapes(b).info.get(r)!.shape, ['N', 3, 32]);
});

test("shape inference: [N, k, a] → Reshape [-1, a] is the symbol 'N*k' (as Tile names it), so a later Reshape [0, G, -1] still resolves", () => {
  const b = new GraphBuilder('repeat');
  const x = b.input('x', ['N', 6, 4]);
  const e = b.op('Expand', [b.op('Unsqueeze', [x, b.constInt64([1])]), b.constInt64([1, 3, 1, 1])]); // [N, 3, 6, 4]
  const r = b.reshape(e, [-1, 6, 4]);
  const g = b.reshape(r, [0, 2, -1]);
  const env = inferShapes(b);
  assert.deepEqual(env.info.get(r)?.shape, ['N*3', 6, 4]);
  assert.deepEqual(env.info.get(g)?.shape, ['N*3', 2, 12]);
});
