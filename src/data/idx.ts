import { GeolensError } from '../errors.js';
import { copyBytes, DEFAULT_MAX_BYTES, maybeGunzip } from './gzip.js';
import type { Dataset } from './types.js';

/** Element types of the IDX format (third magic byte). */
export type IdxType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

export interface IdxArray {
  type: IdxType;
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const IDX_TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'u8', size: 1 },
  0x09: { type: 'i8', size: 1 },
  0x0b: { type: 'i16', size: 2 },
  0x0c: { type: 'i32', size: 4 },
  0x0d: { type: 'f32', size: 4 },
  0x0e: { type: 'f64', size: 8 },
};

export interface ParseOptions {
  /** Name used in error messages (the file path when loading from disk). */
  name?: string;
  /** Cap on decompressed bytes for gzip input (default 2 GiB). */
  maxBytes?: number;
}

/**
 * Parse an IDX file (the MNIST format): magic `00 00 <type> <ndims>` (2051 = ubyte images with 3 dims,
 * 2049 = ubyte labels with 1 dim), then `ndims` big-endian uint32 sizes, then the big-endian data.
 * Gzip input (magic 1f 8b) is decompressed first. A header that declares more data than the file holds, extra bytes
 * after the data, or an unknown magic is a `BAD_FILE` error naming the file; nothing is allocated for the data
 * before the size check passes.
 */
export function parseIdx(input: Uint8Array, options: ParseOptions = {}): IdxArray {
  const name = options.name ?? '<idx data>';
  const bytes = maybeGunzip(input, name, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (bytes.length < 4) throw new GeolensError('BAD_FILE', `${name}: truncated IDX file (${bytes.length} bytes, no header)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0, false);
  const t = IDX_TYPES[bytes[2]!];
  const ndims = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !t || ndims === 0) {
    throw new GeolensError(
      'BAD_FILE',
      `${name}: wrong magic number ${magic} (0x${magic.toString(16).padStart(8, '0')}); not an IDX file ` +
        `(MNIST images start with 2051, labels with 2049)`,
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new GeolensError('BAD_FILE', `${name}: truncated IDX header: ${ndims} dimensions need ${headerBytes} bytes, the file has ${bytes.length}`);
  }
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const s = dv.getUint32(4 + 4 * i, false);
    dims.push(s);
    count *= s;
  }
  const need = count * t.size;
  const have = bytes.length - headerBytes;
  if (need > have) {
    throw new GeolensError(
      'BAD_FILE',
      `${name}: truncated IDX file: the header declares [${dims.join(' x ')}] ${t.type} = ${need} data bytes, ` +
        `but only ${have} follow the ${headerBytes}-byte header`,
    );
  }
  if (need < have) {
    throw new GeolensError(
      'BAD_FILE',
      `${name}: IDX file has ${have - need} bytes after the [${dims.join(' x ')}] ${t.type} data declared by its header`,
    );
  }
  let data: IdxArray['data'];
  const body = new DataView(bytes.buffer, bytes.byteOffset + headerBytes, need);
  switch (t.type) {
    case 'u8':
      data = copyBytes(bytes, headerBytes, headerBytes + need);
      break;
    case 'i8':
      data = new Int8Array(copyBytes(bytes, headerBytes, headerBytes + need).buffer);
      break;
    case 'i16':
      data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = body.getInt16(2 * i, false);
      break;
    case 'i32':
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = body.getInt32(4 * i, false);
      break;
    case 'f32':
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = body.getFloat32(4 * i, false);
      break;
    case 'f64':
      data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = body.getFloat64(8 * i, false);
      break;
  }
  return { type: t.type, dims, data };
}

/** Encode an array as IDX (big-endian; the inverse of {@link parseIdx} without gzip). */
export function encodeIdx(array: IdxArray): Uint8Array {
  const code = Number(Object.keys(IDX_TYPES).find((k) => IDX_TYPES[Number(k)]!.type === array.type));
  const size = IDX_TYPES[code]!.size;
  const header = 4 + 4 * array.dims.length;
  const out = new Uint8Array(header + array.data.length * size);
  const dv = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.dims.length;
  array.dims.forEach((s, i) => dv.setUint32(4 + 4 * i, s, false));
  const d = array.data;
  for (let i = 0; i < d.length; i++) {
    const o = header + i * size;
    switch (array.type) {
      case 'u8': dv.setUint8(o, d[i]!); break;
      case 'i8': dv.setInt8(o, d[i]!); break;
      case 'i16': dv.setInt16(o, d[i]!, false); break;
      case 'i32': dv.setInt32(o, d[i]!, false); break;
      case 'f32': dv.setFloat32(o, d[i]!, false); break;
      case 'f64': dv.setFloat64(o, d[i]!, false); break;
    }
  }
  return out;
}

export interface IdxDatasetOptions {
  /** Dataset name (default 'idx'). */
  name?: string;
  /** Names of the two files, for error messages and `source`. */
  imagesName?: string;
  labelsName?: string;
  /** Number of classes (default: largest label + 1). */
  numClasses?: number;
}

/**
 * Build a dataset from an IDX images array `[n, H, W]` (ubyte, scaled to [0, 1], sample shape `[1, H, W]`) and an
 * IDX labels array `[n]` (integers ≥ 0). Mismatched counts or wrong types are `BAD_FILE` errors naming both files.
 */
export function idxToDataset(images: IdxArray, labels: IdxArray, options: IdxDatasetOptions = {}): Dataset {
  const imName = options.imagesName ?? '<idx images>';
  const lbName = options.labelsName ?? '<idx labels>';
  if (images.dims.length !== 3) {
    throw new GeolensError(
      'BAD_FILE',
      `${imName}: expected an IDX image file with 3 dimensions [n, height, width] (magic 2051), got [${images.dims.join(' x ')}]` +
        (images.dims.length === 1 ? ' — is this a labels file?' : ''),
    );
  }
  if (labels.dims.length !== 1) {
    throw new GeolensError(
      'BAD_FILE',
      `${lbName}: expected an IDX label file with 1 dimension [n] (magic 2049), got [${labels.dims.join(' x ')}]` +
        (labels.dims.length === 3 ? ' — is this an images file?' : ''),
    );
  }
  const [n, h, w] = images.dims as [number, number, number];
  if (labels.dims[0] !== n) {
    throw new GeolensError('BAD_FILE', `${imName} holds ${n} images but ${lbName} holds ${labels.dims[0]} labels; the two files do not belong together`);
  }
  const scale = images.type === 'u8' ? 1 / 255 : 1;
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i]! * scale;
  const y = new Int32Array(n);
  let maxLabel = -1;
  for (let i = 0; i < n; i++) {
    const v = labels.data[i]!;
    if (!Number.isInteger(v) || v < 0) throw new GeolensError('BAD_FILE', `${lbName}: label ${v} of sample ${i} is not a class index ≥ 0`);
    y[i] = v;
    if (v > maxLabel) maxLabel = v;
  }
  const numClasses = options.numClasses ?? maxLabel + 1;
  if (maxLabel >= numClasses) throw new GeolensError('BAD_FILE', `${lbName}: label ${maxLabel} is outside 0..${numClasses - 1}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new GeolensError('BAD_FILE', `${imName}: non-finite value in image ${Math.floor(i / (h * w))}`);
  }
  return {
    name: options.name ?? 'idx',
    x: { data: x, shape: [n, 1, h, w] },
    y,
    numClasses: Math.max(numClasses, 1),
    sampleShape: [1, h, w],
    source: `${imName} + ${lbName}`,
  };
}
