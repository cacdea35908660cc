/** Conversions between ONNX TensorProto and typed arrays. */
import { GeolensError } from '../errors.js';
import type { FloatArray, Tensor } from '../tensor.js';
import { numel } from '../tensor.js';
import { DataType, DATA_TYPE_NAMES, dtypeOf, dtypeOfArray, elementSize, type DataTypeCode } from './dtypes.js';
import type { TensorProto } from './proto.js';

/** The typed arrays geolens holds ONNX tensors in (FLOAT, DOUBLE, INT32, INT64, UINT8/BOOL, INT8). */
export type AnyArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

/** The element types the codec reads into an AnyArray; the typed array of each comes from the dtype map. */
const READ_TYPES: ReadonlySet<DataTypeCode> = new Set([DataType.FLOAT, DataType.DOUBLE, DataType.INT32, DataType.INT64, DataType.UINT8, DataType.BOOL, DataType.INT8]);

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
    if (!READ_TYPES.has(t.dataType)) {
      throw new GeolensError('UNSUPPORTED_DTYPE', `${source}: tensor '${t.name}' has element type ${DATA_TYPE_NAMES[t.dataType]}, which geolens does not read.`);
    }
    return { dataType: t.dataType, dims: t.dims, data: new (dtypeOf(t.dataType)!.array)(copyAligned(t.raw)) as AnyArray };
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
      const Ctor = dtypeOf(t.dataType)!.array as Int32ArrayConstructor | Int8ArrayConstructor | Uint8ArrayConstructor;
      return { dataType: t.dataType, dims: t.dims, data: Ctor.from(t.int32Data ?? []) };
    }
    default:
      throw new GeolensError('UNSUPPORTED_DTYPE', `${source}: tensor '${t.name}' has element type ${DATA_TYPE_NAMES[t.dataType]}, which geolens does not read.`);
  }
}

/** The ONNX element type of a typed array (its canonical row in the dtype map: a Uint8Array is UINT8). */
export function dataTypeOfArray(a: AnyArray): DataTypeCode {
  return dtypeOfArray(a)?.onnx ?? DataType.UINT8;
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
