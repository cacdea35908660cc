import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { DataType, DTYPES, dtypeOf, dtypeOfArray, elementSize, safetensorsDType, SAFETENSORS_DTYPES } from '../../src/onnx/dtypes.js';

test('dtype map: every onnxruntime type holds the typed array the map gives it (onnxruntime-common agrees)', () => {
  for (const r of DTYPES) {
    if (r.ort === undefined) continue;
    const t = new ort.Tensor(r.ort, new r.array(2) as ort.Tensor.DataType, [2]);
    assert.equal(t.type, r.ort);
    assert.ok(t.data instanceof r.array, `${r.ort} holds a ${r.array.name}`);
  }
});

test('dtype map: one row per ONNX code and per safetensors name; canonical rows of arrays', () => {
  assert.equal(new Set(DTYPES.map((r) => r.onnx)).size, DTYPES.length);
  assert.equal(new Set(SAFETENSORS_DTYPES).size, DTYPES.length);
  assert.equal(dtypeOfArray(new Uint8Array(1))?.onnx, DataType.UINT8);
  assert.equal(dtypeOfArray(new Uint16Array(1))?.safetensors, 'U16');
  assert.equal(dtypeOfArray(new Float64Array(1))?.ort, 'float64');
  assert.equal(dtypeOfArray(new BigInt64Array(1))?.safetensors, 'I64');
  assert.equal(dtypeOf(DataType.BOOL)?.ort, 'bool');
  assert.equal(dtypeOf(DataType.STRING), undefined);
  assert.equal(safetensorsDType('BF16')?.onnx, DataType.BFLOAT16);
  for (const bad of ['toString', '__proto__', 'f32', 7]) assert.equal(safetensorsDType(bad), undefined);
});

test('elementSize: bytes for the fixed-size types onnxruntime holds, 0 for the others', () => {
  const sizes: [number, number][] = [
    [DataType.FLOAT, 4], [DataType.INT32, 4], [DataType.UINT32, 4], [DataType.DOUBLE, 8], [DataType.INT64, 8], [DataType.UINT64, 8],
    [DataType.UINT8, 1], [DataType.INT8, 1], [DataType.BOOL, 1], [DataType.UINT16, 2], [DataType.INT16, 2], [DataType.FLOAT16, 2],
    [DataType.UNDEFINED, 0], [DataType.STRING, 0], [DataType.BFLOAT16, 0], [DataType.FLOAT8E4M3FN, 0], [99, 0],
  ];
  for (const [dt, size] of sizes) assert.equal(elementSize(dt), size, `type ${dt}`);
});
