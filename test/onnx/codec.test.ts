/** The protobuf codec (int64 edge values) and static shape inference of ops geolens emits or reads. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { defaultEngine } from '../../src/engine/node.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { importClassifier } from '../../src/onnx/import.js';
import { DataType, decodeModel, encodeModel, type ModelProto, type TensorProto } from '../../src/onnx/proto.js';
import { inferShapes } from '../../src/onnx/shapes.js';
import { tensorFromProto } from '../../src/onnx/tensors.js';
import { WireReader, WireWriter } from '../../src/onnx/wire.js';

after(() => defaultEngine().dispose());

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The protobuf varint bytes of a 64-bit two's complement integer. */
function varintBytes(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

test('varints: round trip of edge values, byte-exact against a BigInt reference', () => {
  const vals = [0, 1, 127, 128, 300, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 3, 2 ** 53 - 1, -1, -2, -128, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 32), -(2 ** 32) - 1, -(2 ** 53) + 1, -(2 ** 63)];
  for (const v of vals) {
    const w = new WireWriter();
    w.rawVarint(v);
    const bytes = w.finish();
    assert.deepEqual([...bytes], varintBytes(BigInt(v)), `encoding of ${v}`);
    const r = new WireReader(bytes);
    assert.equal(r.varint(), v, `decoding of ${v}`);
    assert.ok(r.done());
  }
});

test('int64 extremes: INT64_MAX (Slice "to the end") and INT64_MIN survive int64_data, tensorFromProto and a re-encode', () => {
  // a TensorProto {dims [2], data_type INT64, int64_data [INT64_MAX, INT64_MIN]} as an exporter writes it
  const packed = [...varintBytes(INT64_MAX), ...varintBytes(INT64_MIN)];
  const tensorBytes = Uint8Array.from([0x08, 2, 0x10, DataType.INT64, 0x3a, packed.length, ...packed]);
  // assemble model { graph { initializer: tensorBytes } } by hand
  const graph = [0x2a, tensorBytes.length, ...tensorBytes];
  const model = Uint8Array.from([0x3a, graph.length, ...graph]);
  const m = decodeModel(model);
  const t = m.graph.initializers[0]!;
  assert.deepEqual([...(tensorFromProto(t).data as BigInt64Array)], [INT64_MAX, INT64_MIN]);
  // re-encoding writes the same varints
  const again = decodeModel(encodeModel(m)).graph.initializers[0]!;
  assert.deepEqual([...(tensorFromProto(again).data as BigInt64Array)], [INT64_MAX, INT64_MIN]);
  // a number that stands for INT64_MAX (doubles round it to 2^63) in a proto built in memory
  const inMemory: TensorProto = { name: 'e', dataType: DataType.INT64, dims: [1], int64Data: [Number(INT64_MAX)] };
  assert.deepEqual([...(tensorFromProto(inMemory).data as BigInt64Array)], [INT64_MAX]);
  const ww = new WireWriter();
  ww.rawVarint(Number(INT64_MAX));
  assert.deepEqual([...ww.finish()], varintBytes(INT64_MAX));
});

test('an exported x[:, 1:] (Slice ends INT64_MAX in a Constant) imports and runs as a slice to the end', async () => {
  for (const form of ['int64_data', 'value_ints'] as const) {
    const b = new GraphBuilder('slice');
    const x = b.input('input', ['batch', 4]);
    b.init('w', { data: Float32Array.from({ length: 6 }, (_, i) => i + 1), shape: [3, 2] });
    const end =
      form === 'int64_data'
        ? { name: 'value', type: 'tensor' as const, value: { name: '', dataType: DataType.INT64, dims: [1], int64Data: [Number(INT64_MAX)] } }
        : { name: 'value_ints', type: 'ints' as const, value: [Number(INT64_MAX)] };
    b.node('Constant', [], { [end.name]: end }, ['ends']);
    const s = b.op('Slice', [x, b.constInt64([1]), 'ends', b.constInt64([1])]);
    b.node('MatMul', [s, 'w'], {}, ['logits']);
    b.output('logits', ['batch', 2]);
    const model: ModelProto = decodeModel(b.toBytes());
    const m = importClassifier(model);
    const sess = await defaultEngine().load(m.graph);
    const out = (await sess.run({ input: { data: Float32Array.of(9, 1, 2, 3), shape: [1, 4] } })).logits!.data as Float32Array;
    // [1, 2, 3] · [[1, 2], [3, 4], [5, 6]] = [22, 28]
    assert.deepEqual([...out], [22, 28], form);
  }
});

test('shape inference: ArgMax gives int64 with the one axis reduced; the graph then loads with an inferred output', async () => {
  const b = new GraphBuilder('argmax');
  const x = b.input('x', ['N', 3, 2]);
  const keep = b.op('ArgMax', [x], { axis: 1 });
  const drop = b.op('ArgMax', [x], { axis: -1, keepdims: 0 });
  const env = inferShapes(b);
  assert.deepEqual(env.info.get(keep), { elemType: DataType.INT64, shape: ['N', 1, 2] });
  assert.deepEqual(env.info.get(drop), { elemType: DataType.INT64, shape: ['N', 3] });
  b.output(drop);
  const sess = await defaultEngine().load(b);
  const r = await sess.run({ x: { data: Float32Array.of(1, 5, 2, 0, 7, 1), shape: [1, 3, 2] } });
  assert.deepEqual([...(r[drop]!.data as BigInt64Array)], [1n, 0n, 0n]);
});

test('shape inference: ReduceProd (emitted by the GlobalAveragePool gradient with symbolic spatial sizes)', () => {
  const b = new GraphBuilder('prod');
  const x = b.input('x', ['N', 3, 2]);
  const all = b.op('ReduceProd', [x], { keepdims: 0 });
  const one = b.op('ReduceProd', [x, b.constInt64([1])], { keepdims: 1 });
  const env = inferShapes(b);
  assert.deepEqual(env.info.get(all)?.shape, []);
  assert.deepEqual(env.info.get(one)?.shape, ['N', 1, 2]);
});
