/** Conversions between ONNX TensorProto and typed arrays. */
import { GeolensError } from '../errors.js';
import type { FloatArray, Tensor } from '../tensor.js';
import { numel } from '../tensor.js';
import { DataType, DATA_TYPE_NAMES, elementSize, type DataTypeCode, type TensorProto } from './proto.js';

export type AnyArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

/** A tensor of any ONNX element type held as a typed array. */
export interface TypedTensor {
  dataType: DataTypeCode;
  dims: number[];
  data: AnyArray;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * int64 values held as JS numbers (as the protobuf reader gives them: INT64_MAX comes back as 2^63, its nearest double)
 * to a BigInt64Array, saturating at the int64 range instead of wrapping 2^63 to INT64_MIN.
 */
export function int64ArrayFrom(values: readonly number[]): BigInt64Array {
  return BigInt64Array.from(values, (v) => (v >= 2 ** 63 ? INT64_MAX : v <= -(2 ** 63) ? INT64_MIN : BigInt(v)));
}

function copyAligned(raw: Uint8Array): ArrayBuffer {
  const b = new ArrayBuffer(raw.byteLength);
  new Uint8Array(b).set(raw);
  return b;
}

/** Decode a TensorProto to a typed array; checks that the data size matches the dims (bounded memory). */
export function tensorFromProto(t: TensorProto, source = 'model'): TypedTensor {
  for (const d of t.dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new GeolensError('BAD_FILE', `${source}: tensor '${t.name}' has an invalid dimension ${d}.`);
    }
  }
  const n = numel(t.dims);
  const es = elementSize(t.dataType);
  if (es === 0) {
    throw new GeolensError(
      'UNSUPPORTED_DTYPE',
      `${source}: tensor '${t.name}' has element type ${DATA_TYPE_NAMES[t.dataType] ?? t.dataType}, which geolens does not read.`,
    );
  }
  if (t.external) {
    throw new GeolensError('BAD_FILE', `${source}: tensor '${t.name}' lives in external data '${t.external.location}'; load the model with loadModelFile() so the external file can be resolved.`);
  }
  const check = (have: number): void => {
    if (have !== n) {
      throw new GeolensError(
        'BAD_FILE',
        `${source}: tensor '${t.name}' declares shape [${t.dims.join(', ')}] (${n} elements) but holds ${have}; the file is truncated or corrupt.`,
      );
    }
  };
  if (t.raw) {
    check(t.raw.byteLength / es);
    const buf = copyAligned(t.raw);
    switch (t.dataType) {
      case DataType.FLOAT:
        return { dataType: t.dataType, dims: t.dims, data: new Float32Array(buf) };
      case DataType.DOUBLE:
        return { dataType: t.dataType, dims: t.dims, data: new Float64Array(buf) };
      case DataType.INT32:
        return { dataType: t.dataType, dims: t.dims, data: new Int32Array(buf) };
      case DataType.INT64:
        return { dataType: t.dataType, dims: t.dims, data: new BigInt64Array(buf) };
      case DataType.UINT8:
      case DataType.BOOL:
        return { dataType: t.dataType, dims: t.dims, data: new Uint8Array(buf) };
      case DataType.INT8:
        return { dataType: t.dataType, dims: t.dims, data: new Int8Array(buf) };
      default:
        throw new GeolensError('UNSUPPORTED_DTYPE', `${source}: tensor '${t.name}' has element type ${DATA_TYPE_NAMES[t.dataType]}, which geolens does not read.`);
    }
  }
  switch (t.dataType) {
    case DataType.FLOAT:
      check(t.floatData?.length ?? 0);
      return { dataType: t.dataType, dims: t.dims, data: Float32Array.from(t.floatData ?? []) };
    case DataType.DOUBLE:
      check(t.doubleData?.length ?? 0);
      return { dataType: t.dataType, dims: t.dims, data: Float64Array.from(t.doubleData ?? []) };
    case DataType.INT64:
      check(t.int64Data?.length ?? 0);
      return { dataType: t.dataType, dims: t.dims, data: int64ArrayFrom(t.int64Data ?? []) };
    case DataType.INT32:
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.BOOL: {
      check(t.int32Data?.length ?? 0);
      const d = t.int32Data ?? [];
      const data = t.dataType === DataType.INT32 ? Int32Array.from(d) : t.dataType === DataType.INT8 ? Int8Array.from(d) : Uint8Array.from(d);
      return { dataType: t.dataType, dims: t.dims, data };
    }
    default:
      throw new GeolensError('UNSUPPORTED_DTYPE', `${source}: tensor '${t.name}' has element type ${DATA_TYPE_NAMES[t.dataType]}, which geolens does not read.`);
  }
}

export function dataTypeOfArray(a: AnyArray): DataTypeCode {
  if (a instanceof Float32Array) return DataType.FLOAT;
  if (a instanceof Float64Array) return DataType.DOUBLE;
  if (a instanceof Int32Array) return DataType.INT32;
  if (a instanceof BigInt64Array) return DataType.INT64;
  if (a instanceof Int8Array) return DataType.INT8;
  return DataType.UINT8;
}

/** Encode a typed array as a TensorProto with little-endian raw_data. */
export function tensorToProto(name: string, dims: number[], data: AnyArray, dataType = dataTypeOfArray(data)): TensorProto {
  const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return { name, dataType, dims: [...dims], raw };
}

/** Float tensor (float32/float64) from a typed tensor; other types are rejected. */
export function asFloatTensor(t: TypedTensor, what: string): Tensor {
  if (t.data instanceof Float32Array || t.data instanceof Float64Array) return { data: t.data as FloatArray, shape: t.dims };
  throw new GeolensError('UNSUPPORTED_DTYPE', `${what} is ${DATA_TYPE_NAMES[t.dataType]}, expected a float tensor.`);
}
