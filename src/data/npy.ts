import { GeolensError } from '../errors.js';
import { copyBytes } from './gzip.js';
import { labelsToClasses, type LabelClasses } from './labels.js';
import { unpickleObjectArray, type PickleValue } from './pickle.js';

/** Element types read from `.npy` files (the `descr` without its byte-order character). */
export type NpyDtype = 'f4' | 'f8' | 'i8' | 'i4' | 'i2' | 'i1' | 'u2' | 'u1' | 'b1';

export type NpyData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint16Array
  | Uint8Array;

/**
 * A decoded NumPy array (C order). `b1` (bool) data is a Uint8Array of 0/1; `i8` is a BigInt64Array. Fixed-width
 * string arrays (`<U…` unicode, `|S…` bytes) come as dtype `str` with their values in `strings`, object arrays of
 * plain values (dtype=object, read without running pickle) as dtype `object` with `objects`; `data` is empty for both.
 */
export interface NpyArray {
  dtype: NpyDtype | 'str' | 'object';
  shape: number[];
  data: NpyData;
  strings?: string[];
  objects?: PickleValue[];
}

const ITEM_SIZE: Record<NpyDtype, number> = { f4: 4, f8: 8, i8: 8, i4: 4, i2: 2, i1: 1, u2: 2, u1: 1, b1: 1 };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function decodeHeader(bytes: Uint8Array, utf8: boolean): string {
  return new TextDecoder(utf8 ? 'utf-8' : 'latin1').decode(bytes);
}

/**
 * Parse a `.npy` file (format versions 1.0, 2.0 and 3.0). Supported dtypes: `<f4 <f8 <i8 <i4 <i2 |i1 <u2 |u1 |b1`
 * (bool), C order. Fortran order, big-endian data, structured or other dtypes, and a header declaring more data than
 * the file holds are `BAD_FILE` / `UNSUPPORTED_DTYPE` errors naming the file; the size check runs before any
 * allocation.
 */
export function parseNpy(bytes: Uint8Array, options: { name?: string } = {}): NpyArray {
  const name = options.name ?? '<npy data>';
  const bad = (msg: string): never => {
    throw new GeolensError('BAD_FILE', `${name}: ${msg}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    if (bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b) bad('this is a zip archive (.npz), not a .npy file; load it with npz:');
    bad('not a .npy file (missing the \\x93NUMPY magic)');
  }
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) bad('truncated .npy header');
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else {
    return bad(`unsupported .npy format version ${major}.${bytes[7]} (supported: 1.0, 2.0, 3.0)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) bad(`truncated .npy header: it declares ${headerLen} header bytes, the file has ${bytes.length - headerStart}`);
  const header = decodeHeader(bytes.subarray(headerStart, dataStart), major === 3);

  const descrM = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(header);
  if (!descrM) {
    if (/['"]descr['"]\s*:\s*\[/.test(header)) {
      throw new GeolensError('UNSUPPORTED_DTYPE', `${name}: structured (record) dtypes are not supported; save plain numeric arrays`);
    }
    bad(`malformed .npy header (no 'descr'): ${header.trim().slice(0, 120)}`);
  }
  const fortranM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  if (!fortranM) bad(`malformed .npy header (no 'fortran_order'): ${header.trim().slice(0, 120)}`);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeM) bad(`malformed .npy header (no 'shape'): ${header.trim().slice(0, 120)}`);

  const descr = descrM![2]!;
  if (fortranM![1] === 'True') {
    bad('arrays in Fortran order (fortran_order=True) are not supported; save with np.save(path, np.ascontiguousarray(a))');
  }
  const order = descr[0]!;
  const code = descr.slice(1) === '?' ? 'b1' : descr.slice(1);
  if (code === 'O') {
    // an object array: its values as far as they are plain strings and numbers (pickle is read, never run)
    const { values } = unpickleObjectArray(bytes.subarray(dataStart), name);
    const shape = parseShape(shapeM![1]!, bad);
    if (values.length !== shape.reduce((p, s) => p * s, 1)) bad(`the object array declares shape (${shape.join(', ')}) but holds ${values.length} values`);
    return { dtype: 'object', shape, data: new Uint8Array(0), objects: values };
  }
  const strM = /^([US])(\d+)$/.exec(code);
  if (strM && ['<', '>', '|', '='].includes(order)) return parseStrings(bytes, name, header, shapeM![1]!, strM[1] as 'U' | 'S', Number(strM[2]), order === '>');
  if (!['<', '>', '|', '='].includes(order) || !(code in ITEM_SIZE)) {
    throw new GeolensError(
      'UNSUPPORTED_DTYPE',
      `${name}: dtype '${descr}' is not supported (supported: <f4 <f8 <i8 <i4 <i2 |i1 <u2 |u1 |b1, and strings <U… |S… for labels); convert with a.astype('<f4')`,
    );
  }
  const dtype = code as NpyDtype;
  const size = ITEM_SIZE[dtype];
  if (order === '>' && size > 1) {
    bad(`big-endian data ('${descr}') is not supported; convert with a.astype('<${code}') before saving`);
  }
  const shape: number[] = [];
  for (const part of shapeM![1]!.split(',')) {
    const s = part.trim();
    if (s === '') continue;
    if (!/^\d+L?$/.test(s)) bad(`malformed shape (${shapeM![1]}) in the .npy header`);
    shape.push(Number.parseInt(s, 10));
  }
  let count = 1;
  for (const s of shape) count *= s;
  if (!Number.isSafeInteger(count * size)) bad(`the header declares shape (${shape.join(', ')}), too large to load`);
  const have = bytes.length - dataStart;
  const need = count * size;
  if (need > have) {
    bad(
      `truncated .npy file: the header declares shape (${shape.join(', ')}) of ${descr} = ${count} elements ` +
        `(${need} bytes), but only ${have} bytes of data follow the header`,
    );
  }
  if (need < have) bad(`.npy file has ${have - need} bytes after the (${shape.join(', ')}) ${descr} data declared by its header`);

  const raw = copyBytes(bytes, dataStart, dataStart + need); // owned, aligned copy
  let data: NpyData;
  if (LITTLE_ENDIAN_HOST || size === 1) {
    switch (dtype) {
      case 'f4': data = new Float32Array(raw.buffer); break;
      case 'f8': data = new Float64Array(raw.buffer); break;
      case 'i8': data = new BigInt64Array(raw.buffer); break;
      case 'i4': data = new Int32Array(raw.buffer); break;
      case 'i2': data = new Int16Array(raw.buffer); break;
      case 'u2': data = new Uint16Array(raw.buffer); break;
      case 'i1': data = new Int8Array(raw.buffer); break;
      case 'u1': data = raw; break;
      case 'b1': data = raw; break;
    }
  } else {
    const r = new DataView(raw.buffer);
    switch (dtype) {
      case 'f4': data = Float32Array.from({ length: count }, (_, i) => r.getFloat32(4 * i, true)); break;
      case 'f8': data = Float64Array.from({ length: count }, (_, i) => r.getFloat64(8 * i, true)); break;
      case 'i8': data = BigInt64Array.from({ length: count }, (_, i) => r.getBigInt64(8 * i, true)); break;
      case 'i4': data = Int32Array.from({ length: count }, (_, i) => r.getInt32(4 * i, true)); break;
      case 'i2': data = Int16Array.from({ length: count }, (_, i) => r.getInt16(2 * i, true)); break;
      default: data = Uint16Array.from({ length: count }, (_, i) => r.getUint16(2 * i, true)); break;
    }
  }
  if (dtype === 'b1') {
    const b = data as Uint8Array;
    for (let i = 0; i < b.length; i++) if (b[i]! > 1) bad(`bool array holds byte ${b[i]} at element ${i} (expected 0 or 1)`);
  }
  return { dtype, shape, data };
}

function parseShape(text: string, bad: (msg: string) => never): number[] {
  const shape: number[] = [];
  for (const part of text.split(',')) {
    const s = part.trim();
    if (s === '') continue;
    if (!/^\d+L?$/.test(s)) bad(`malformed shape (${text}) in the .npy header`);
    shape.push(Number.parseInt(s, 10));
  }
  return shape;
}

/** A fixed-width string array: `U` = UTF-32 code units (4 bytes per character), `S` = bytes; NUL-padded. */
function parseStrings(bytes: Uint8Array, name: string, header: string, shapeText: string, kind: 'U' | 'S', width: number, bigEndian: boolean): NpyArray {
  const bad = (msg: string): never => {
    throw new GeolensError('BAD_FILE', `${name}: ${msg}`);
  };
  if (/['"]fortran_order['"]\s*:\s*True/.test(header)) bad('arrays in Fortran order are not supported; save with np.ascontiguousarray(a)');
  const shape = parseShape(shapeText, bad);
  const count = shape.reduce((p, s) => p * s, 1);
  const size = kind === 'U' ? 4 * width : width;
  const dataStart = bytes.length - count * size;
  const headerEnd = (bytes[6] === 1 ? 10 + new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true) : 12 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true));
  if (dataStart !== headerEnd) bad(`the header declares ${count} strings of ${size} bytes, but ${bytes.length - headerEnd} bytes of data follow it`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + dataStart, count * size);
  const strings: string[] = new Array<string>(count);
  const latin = new TextDecoder('utf-8');
  for (let i = 0; i < count; i++) {
    if (kind === 'U') {
      let s = '';
      for (let j = 0; j < width; j++) {
        const cp = dv.getUint32(i * size + 4 * j, !bigEndian);
        if (cp === 0) break;
        if (cp > 0x10ffff) bad(`string ${i} holds the invalid code point ${cp}`);
        s += String.fromCodePoint(cp);
      }
      strings[i] = s;
    } else {
      let end = 0;
      while (end < width && bytes[dataStart + i * size + end] !== 0) end++;
      strings[i] = latin.decode(bytes.subarray(dataStart + i * size, dataStart + i * size + end));
    }
  }
  return { dtype: 'str', shape, data: new Uint8Array(0), strings };
}

const DTYPE_OF: [new (n: number) => NpyData, NpyDtype][] = [
  [Float32Array, 'f4'],
  [Float64Array, 'f8'],
  [BigInt64Array, 'i8'],
  [Int32Array, 'i4'],
  [Int16Array, 'i2'],
  [Int8Array, 'i1'],
  [Uint16Array, 'u2'],
  [Uint8Array, 'u1'],
];

/**
 * Encode an array as a version 1.0 `.npy` file (little-endian, C order). The dtype follows the typed array
 * (Uint8Array → `|u1`, unless `dtype: 'b1'` is given).
 */
export function encodeNpy(array: { data: NpyData; shape: number[]; dtype?: NpyDtype | 'str' | 'object'; strings?: string[] }): Uint8Array {
  if (array.dtype === 'object') throw new GeolensError('BAD_ARGUMENT', 'encodeNpy: object arrays are read (without running pickle), not written; encode strings or numbers');
  if (array.dtype === 'str' || array.strings) return encodeStrings(array.strings ?? [], array.shape);
  const dtype = array.dtype ?? DTYPE_OF.find(([C]) => array.data instanceof C)?.[1];
  if (!dtype) throw new GeolensError('BAD_ARGUMENT', 'encodeNpy: unsupported typed array');
  let count = 1;
  for (const s of array.shape) count *= s;
  if (count !== array.data.length) {
    throw new GeolensError('BAD_ARGUMENT', `encodeNpy: ${array.data.length} values do not fill shape (${array.shape.join(', ')})`);
  }
  const size = ITEM_SIZE[dtype];
  const descr = `${size === 1 ? '|' : '<'}${dtype}`;
  const shapeStr = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + count * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const dv = new DataView(out.buffer, 10 + header.length);
  const d = array.data;
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'f4': dv.setFloat32(4 * i, d[i] as number, true); break;
      case 'f8': dv.setFloat64(8 * i, d[i] as number, true); break;
      case 'i8': dv.setBigInt64(8 * i, d[i] as bigint, true); break;
      case 'i4': dv.setInt32(4 * i, d[i] as number, true); break;
      case 'i2': dv.setInt16(2 * i, d[i] as number, true); break;
      case 'u2': dv.setUint16(2 * i, d[i] as number, true); break;
      case 'i1': dv.setInt8(i, d[i] as number); break;
      case 'u1': case 'b1': dv.setUint8(i, d[i] as number); break;
    }
  }
  return out;
}

/** Strings as a `<U{width}` array (UTF-32 little-endian, NUL-padded), as np.save writes them. */
function encodeStrings(strings: string[], shape: number[]): Uint8Array {
  const cps = strings.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
  const width = Math.max(1, ...cps.map((c) => c.length));
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<U${width}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + strings.length * 4 * width);
  out.set(MAGIC, 0);
  out[6] = 1;
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  cps.forEach((c, i) => c.forEach((cp, j) => dv.setUint32(10 + header.length + (i * width + j) * 4, cp, true)));
  return out;
}

/** The values of an array as float32 (`u1` bytes optionally divided by 255). int64 beyond ±2^53 loses precision. */
export function npyToFloat32(array: NpyArray, options: { scaleBytes?: boolean; name?: string } = {}): Float32Array {
  if (array.dtype === 'str') {
    throw new GeolensError('UNSUPPORTED_DTYPE', `${options.name ?? '<npy data>'}: the samples are strings (e.g. ${JSON.stringify(array.strings?.[0] ?? '')}); samples must be numbers: convert with a.astype('<f4') where the strings hold numbers.`);
  }
  if (array.dtype === 'object') {
    const o = array.objects ?? [];
    if (!o.every((v) => typeof v === 'number' || typeof v === 'boolean')) throw new GeolensError('UNSUPPORTED_DTYPE', `${options.name ?? '<npy data>'}: the samples are Python objects, not numbers; save them with a.astype('<f4').`);
    return Float32Array.from(o as (number | boolean)[], Number);
  }
  const d = array.data;
  const scale = options.scaleBytes && array.dtype === 'u1' ? 1 / 255 : 1;
  if (d instanceof Float32Array) return d;
  const out = new Float32Array(d.length);
  if (d instanceof BigInt64Array) for (let i = 0; i < d.length; i++) out[i] = Number(d[i]!);
  else for (let i = 0; i < d.length; i++) out[i] = d[i]! * scale;
  return out;
}

/**
 * Class labels from an array of shape `[n]` or `[n, 1]` (a column vector), mapped by {@link labelsToClasses}:
 * integers 0..K−1 as they are; 1..K shifted; floats with integer values, negative integers, booleans and strings
 * (`<U…`, `|S…`) mapped to classes with the mapping in `classNames` and `notes`. A one-hot `[n, C]` matrix gives
 * its hot column. Anything else is a `BAD_FILE` error naming `name` and the offending element.
 */
export function npyToLabels(array: NpyArray, name: string): LabelClasses {
  const { shape, data } = array;
  const at = (i: number): number => (data instanceof BigInt64Array ? Number(data[i]!) : data[i]!);
  if (array.dtype === 'str' || array.dtype === 'object') {
    if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) throw new GeolensError('BAD_FILE', `${name}: labels must have shape (n,) or (n, 1), got (${shape.join(', ')})`);
    if (array.dtype === 'str') return labelsToClasses(array.strings!, name);
    const o = array.objects!;
    const k = o.findIndex((v) => v === null);
    if (k >= 0) throw new GeolensError('BAD_FILE', `${name}: label ${k} is None; remove the sample or give it a label.`);
    return labelsToClasses(o as (string | number | boolean | bigint)[], name);
  }
  if (shape.length === 2 && shape[1]! > 1) {
    const [n, c] = shape as [number, number];
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let hot = -1;
      for (let j = 0; j < c; j++) {
        const v = at(i * c + j);
        if (v === 1 && hot < 0) hot = j;
        else if (v !== 0) {
          throw new GeolensError('BAD_FILE', `${name}: labels of shape (${n}, ${c}) must be one-hot, but row ${i} is not`);
        }
      }
      if (hot < 0) throw new GeolensError('BAD_FILE', `${name}: labels of shape (${n}, ${c}) must be one-hot, but row ${i} is all zero`);
      y[i] = hot;
    }
    return { y, numClasses: c, notes: [`one-hot labels (${n}, ${c}) mapped to their hot column`] };
  }
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw new GeolensError('BAD_FILE', `${name}: labels must have shape (n,), (n, 1) or one-hot (n, C), got (${shape.join(', ')})`);
  }
  const n = shape[0]!;
  if (array.dtype === 'b1') return labelsToClasses(Array.from({ length: n }, (_, i) => at(i) !== 0), name);
  const values: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) values[i] = at(i);
  return labelsToClasses(values, name);
}
