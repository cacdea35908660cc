/**
 * The one element-type map of geolens: ONNX `TensorProto.DataType` codes ↔ typed-array constructors ↔ onnxruntime's
 * tensor type strings ↔ safetensors dtype names (after onnxruntime's js/common/lib/tensor-impl-type-mapping.ts).
 * The protobuf codec (tensors.ts), the engine (feeds to onnxruntime) and the safetensors reader/writer
 * (models/safetensors.ts) all read their types from here. Pure: no imports but types.
 */
import type { Tensor as OrtTensor } from 'onnxruntime-common';

/** onnx.TensorProto.DataType (the codes geolens names; onnx.proto has more). */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E5M2: 19,
} as const;
export type DataTypeCode = number;

export const DATA_TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(DataType).map(([k, v]) => [v, k]));

/** onnxruntime-common's tensor type strings ('float32', 'int64', 'bool', …). */
export type OrtType = OrtTensor.Type;

/** The element types of the safetensors format that geolens reads and writes. */
export type SafetensorsDType =
  | 'BOOL'
  | 'U8'
  | 'I8'
  | 'F8_E5M2'
  | 'F8_E4M3'
  | 'I16'
  | 'U16'
  | 'F16'
  | 'BF16'
  | 'I32'
  | 'U32'
  | 'F32'
  | 'F64'
  | 'I64'
  | 'U64';

/** Every typed array an element type is held in. */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

export type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor;

/** One element type under its names in each format. */
export interface DTypeInfo {
  /** ONNX TensorProto.DataType code. */
  readonly onnx: DataTypeCode;
  /** The typed array holding the values: FLOAT16/BFLOAT16 as raw 16-bit patterns, FLOAT8 and BOOL as bytes. */
  readonly array: TypedArrayConstructor;
  /** onnxruntime's tensor type; undefined where onnxruntime's JS API has none. */
  readonly ort: OrtType | undefined;
  /** safetensors dtype name. */
  readonly safetensors: SafetensorsDType;
}

const row = (onnx: DataTypeCode, array: TypedArrayConstructor, ort: OrtType | undefined, safetensors: SafetensorsDType): DTypeInfo => ({ onnx, array, ort, safetensors });

/**
 * The map. The first row of each typed array is its canonical type: the one an array is taken as when no type is
 * given (a Uint8Array is UINT8 / 'U8', a Uint16Array UINT16 / 'U16').
 */
export const DTYPES: readonly DTypeInfo[] = [
  row(DataType.FLOAT, Float32Array, 'float32', 'F32'),
  row(DataType.DOUBLE, Float64Array, 'float64', 'F64'),
  row(DataType.INT32, Int32Array, 'int32', 'I32'),
  row(DataType.INT64, BigInt64Array, 'int64', 'I64'),
  row(DataType.UINT8, Uint8Array, 'uint8', 'U8'),
  row(DataType.INT8, Int8Array, 'int8', 'I8'),
  row(DataType.UINT16, Uint16Array, 'uint16', 'U16'),
  row(DataType.INT16, Int16Array, 'int16', 'I16'),
  row(DataType.UINT32, Uint32Array, 'uint32', 'U32'),
  row(DataType.UINT64, BigUint64Array, 'uint64', 'U64'),
  row(DataType.BOOL, Uint8Array, 'bool', 'BOOL'),
  row(DataType.FLOAT16, Uint16Array, 'float16', 'F16'),
  row(DataType.BFLOAT16, Uint16Array, undefined, 'BF16'),
  row(DataType.FLOAT8E4M3FN, Uint8Array, undefined, 'F8_E4M3'),
  row(DataType.FLOAT8E5M2, Uint8Array, undefined, 'F8_E5M2'),
];

const BY_ONNX: ReadonlyMap<DataTypeCode, DTypeInfo> = new Map(DTYPES.map((r) => [r.onnx, r]));
const BY_SAFETENSORS: ReadonlyMap<string, DTypeInfo> = new Map(DTYPES.map((r) => [r.safetensors, r]));

/** The row of an ONNX element type, or undefined for one geolens does not hold in a typed array (STRING, …). */
export function dtypeOf(code: DataTypeCode): DTypeInfo | undefined {
  return BY_ONNX.get(code);
}

/** The row of a safetensors dtype name, or undefined for an unknown name (any string is safe, '__proto__' too). */
export function safetensorsDType(name: unknown): DTypeInfo | undefined {
  return typeof name === 'string' ? BY_SAFETENSORS.get(name) : undefined;
}

/** Every safetensors dtype name, in map order. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDType[] = DTYPES.map((r) => r.safetensors);

/** The canonical row of a typed array (see DTYPES); undefined for an array no row holds (Float16Array, …). */
export function dtypeOfArray(a: ArrayBufferView): DTypeInfo | undefined {
  return DTYPES.find((r) => a instanceof r.array);
}

/**
 * Bytes per element of the fixed-size ONNX types that onnxruntime's JS API holds in a typed array; 0 for the others
 * (STRING, BFLOAT16, FLOAT8, unknown codes), which geolens does not read as ONNX tensors.
 */
export function elementSize(dt: DataTypeCode): number {
  const r = BY_ONNX.get(dt);
  return r?.ort !== undefined ? r.array.BYTES_PER_ELEMENT : 0;
}
