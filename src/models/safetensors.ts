/**
 * The safetensors format (https://github.com/huggingface/safetensors), pure (no Node APIs):
 *
 *   [8 bytes] N, the header length, an unsigned 64-bit little-endian integer
 *   [N bytes] a UTF-8 JSON object: `{"__metadata__": {string: string}, "<name>": {"dtype": "F32",
 *             "shape": [2, 3], "data_offsets": [begin, end]}, ...}`, padded with spaces so that N % 8 == 0
 *   [rest]    the byte buffer; offsets are relative to its start, little-endian, row-major
 *
 * `encodeSafetensors` is deterministic: metadata keys and tensors are written in sorted name order, the JSON is
 * compact, so the same tensors give byte-identical files. `decodeSafetensors` validates like the reference reader
 * (header inside the file, JSON object starting with '{', known dtypes, shape × dtype size = byte span, spans
 * inside the buffer, no overlaps, no holes, no trailing bytes) and never allocates more than the file size.
 */
import { GeolensError } from '../errors.js';
import { dtypeOfArray, safetensorsDType, SAFETENSORS_DTYPES, type DTypeInfo, type SafetensorsDType, type TypedArray } from '../onnx/dtypes.js';
import type { Tensor } from '../tensor.js';

/** The element types of the safetensors format that geolens reads and writes (from the one dtype map, onnx/dtypes.ts). */
export type { SafetensorsDType } from '../onnx/dtypes.js';

/** The typed array holding each dtype. F16/BF16 are held as their raw 16-bit patterns, F8 and BOOL as bytes. */
export type SafetensorsArray = TypedArray;

/** A tensor to write. `dtype` defaults from the array type (Uint8Array → U8, Uint16Array → U16, …); give it to
 * write BOOL or F8_* from a Uint8Array, or F16/BF16 bit patterns from a Uint16Array. */
export interface SafetensorsInput {
  data: SafetensorsArray;
  shape: number[];
  dtype?: SafetensorsDType;
}

/** A tensor read from a file. `data` is a fresh copy (it does not alias the file bytes). */
export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  data: SafetensorsArray;
  shape: number[];
}

export interface DecodedSafetensors {
  /** Tensors by name (a prototype-free object, so any name is safe). */
  tensors: Record<string, SafetensorsTensor>;
  /** The `__metadata__` map ({} when the file has none). */
  metadata: Record<string, string>;
}

/** A dtype's row of the dtype map: its size and typed array. */
function dtypeInfo(dtype: SafetensorsDType): DTypeInfo {
  return safetensorsDType(dtype)!;
}

/** The largest header the reference implementation accepts (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function isDType(s: unknown): s is SafetensorsDType {
  return safetensorsDType(s) !== undefined;
}

/** The dtype a typed array is written as when none is given (its canonical row: Uint8Array → U8, Uint16Array → U16). */
function defaultDType(a: SafetensorsArray): SafetensorsDType {
  return dtypeOfArray(a)?.safetensors ?? 'U8';
}

/** Reverse the bytes of each `size`-byte element in place (only on big-endian hosts). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, z = i + size - 1; a < z; a++, z--) {
      const t = bytes[a]!;
      bytes[a] = bytes[z]!;
      bytes[z] = t;
    }
  }
}

/** Code-unit order, the same on every platform (the order tensors and metadata keys are written in). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Encode tensors (and optional string metadata) as a safetensors file. Tensors are laid out in sorted name order
 * and the output is byte-identical for identical input. Throws GeolensError('BAD_ARGUMENT' | 'BAD_SHAPE').
 */
export function encodeSafetensors(tensors: Record<string, SafetensorsInput>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort(compareNames);
  const header: Record<string, unknown> = {};
  const parts: { bytes: Uint8Array; size: number }[] = [];
  // Build the header object key by key: __metadata__ first, then tensors in name order. (defineProperty so that
  // a tensor named '__proto__' is an ordinary key.)
  const put = (k: string, v: unknown): void => {
    Object.defineProperty(header, k, { value: v, enumerable: true, writable: true, configurable: true });
  };
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(compareNames);
    if (keys.length > 0) {
      const m: Record<string, string> = {};
      for (const k of keys) {
        const v = metadata[k];
        if (typeof v !== 'string') {
          throw new GeolensError('BAD_ARGUMENT', `safetensors: metadata '${k}' must be a string (got ${typeof v}); stringify it (e.g. JSON.stringify) first.`);
        }
        Object.defineProperty(m, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      put(METADATA_KEY, m);
    }
  }
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY) throw new GeolensError('BAD_ARGUMENT', `safetensors: '${METADATA_KEY}' is reserved for metadata and cannot name a tensor; rename it.`);
    const t = tensors[name]!;
    const dtype = t.dtype ?? defaultDType(t.data);
    if (!isDType(dtype)) throw new GeolensError('BAD_ARGUMENT', `safetensors: tensor '${name}' has unknown dtype '${String(dtype)}'; use one of ${SAFETENSORS_DTYPES.join(', ')}.`);
    const info = dtypeInfo(dtype);
    if (!(t.data instanceof info.array)) {
      throw new GeolensError('BAD_ARGUMENT', `safetensors: tensor '${name}' has dtype ${dtype}, which is held in a ${info.array.name}, but its data is a ${t.data.constructor.name}.`);
    }
    let n = 1;
    for (const d of t.shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new GeolensError('BAD_SHAPE', `safetensors: tensor '${name}' has an invalid dimension ${d} in shape [${t.shape.join(', ')}].`);
      n *= d;
    }
    if (n !== t.data.length) {
      throw new GeolensError('BAD_SHAPE', `safetensors: tensor '${name}' has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${n}.`);
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const end = offset + bytes.byteLength;
    put(name, { dtype, shape: [...t.shape], data_offsets: [offset, end] });
    parts.push({ bytes, size: info.array.BYTES_PER_ELEMENT });
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const p of parts) {
    out.set(p.bytes, pos);
    if (!LITTLE_ENDIAN) swapBytes(out.subarray(pos, pos + p.bytes.byteLength), p.size);
    pos += p.bytes.byteLength;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Decode a safetensors file. `source` (a path or label) names the file in error messages. Malformed input throws
 * GeolensError('BAD_FILE') saying what is wrong; nothing larger than the file itself is allocated.
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors data'): DecodedSafetensors {
  const bad = (problem: string): never => {
    throw new GeolensError('BAD_FILE', `${source}: ${problem}; the file is truncated, corrupt or not a safetensors file.`, { source });
  };
  if (bytes.byteLength < 8) bad(`only ${bytes.byteLength} bytes, fewer than the 8-byte header length`);
  const headerLen64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen64 > BigInt(bytes.byteLength - 8)) bad(`header length ${headerLen64} runs past the end of the file (${bytes.byteLength} bytes)`);
  const headerLen = Number(headerLen64);
  if (headerLen > MAX_HEADER_BYTES) bad(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLen < 2 || bytes[8] !== 0x7b /* { */) bad('the header is not a JSON object (it must start with "{")');

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    bad('the header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    bad(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(parsed)) bad('the header is not a JSON object');
  const header = parsed as Record<string, unknown>;

  const bufferStart = 8 + headerLen;
  const bufferLen = bytes.byteLength - bufferStart;
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  interface Entry {
    name: string;
    dtype: SafetensorsDType;
    shape: number[];
    begin: number;
    end: number;
  }
  const entries: Entry[] = [];
  for (const name of Object.keys(header)) {
    const v = header[name];
    if (name === METADATA_KEY) {
      if (v === null) continue;
      if (!isPlainObject(v)) bad(`'${METADATA_KEY}' is not an object of strings`);
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') bad(`metadata '${k}' is not a string`);
        Object.defineProperty(metadata, k, { value: s, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    if (!isPlainObject(v)) bad(`tensor '${name}' is not described by an object`);
    const info = v as Record<string, unknown>;
    const dtype = info['dtype'];
    if (!isDType(dtype)) bad(`tensor '${name}' has unknown dtype ${JSON.stringify(dtype) ?? 'undefined'} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
    const shape = info['shape'];
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      bad(`tensor '${name}' has an invalid shape ${JSON.stringify(shape) ?? 'undefined'}`);
    }
    const offs = info['data_offsets'];
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      bad(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offs) ?? 'undefined'}`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end || end > bufferLen) bad(`tensor '${name}' has data_offsets [${begin}, ${end}] outside the ${bufferLen}-byte data buffer`);
    // element count, stopping early once it cannot fit the span (no overflow, no huge numbers)
    const dims = shape as number[];
    const size = dtypeInfo(dtype as SafetensorsDType).array.BYTES_PER_ELEMENT;
    const span = end - begin;
    let nbytes = dims.includes(0) ? 0 : size;
    for (const d of dims) {
      if (nbytes > span) break;
      nbytes *= d;
    }
    if (nbytes !== span) {
      const exact = dims.reduce((p, d) => p * BigInt(d), BigInt(size)); // error path only; bounded by the header text
      bad(`tensor '${name}' has shape [${dims.join(', ')}] of ${dtype as string} (${exact} bytes) but data_offsets [${begin}, ${end}] span ${span} bytes`);
    }
    entries.push({ name, dtype: dtype as SafetensorsDType, shape: [...dims], begin, end });
  }

  // The buffer must be exactly covered: no overlaps, no holes, nothing after the last tensor.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev: Entry | undefined;
  for (const e of byOffset) {
    if (e.begin < covered) bad(`tensors '${prev!.name}' and '${e.name}' overlap (bytes [${prev!.begin}, ${prev!.end}) and [${e.begin}, ${e.end}))`);
    if (e.begin > covered) bad(`bytes [${covered}, ${e.begin}) of the data buffer belong to no tensor (before '${e.name}')`);
    covered = e.end;
    prev = e;
  }
  if (covered !== bufferLen) bad(`the data buffer has ${bufferLen - covered} trailing bytes after the last tensor`);

  const tensors: Record<string, SafetensorsTensor> = Object.create(null) as Record<string, SafetensorsTensor>;
  for (const e of entries) {
    const { array } = dtypeInfo(e.dtype);
    // a fresh, aligned copy (not bytes.slice: on a Node Buffer that is a view into a shared pool)
    const copy = new Uint8Array(e.end - e.begin);
    copy.set(bytes.subarray(bufferStart + e.begin, bufferStart + e.end));
    if (!LITTLE_ENDIAN) swapBytes(copy, array.BYTES_PER_ELEMENT);
    const data = new array(copy.buffer, 0, (e.end - e.begin) / array.BYTES_PER_ELEMENT);
    Object.defineProperty(tensors, e.name, { value: { dtype: e.dtype, data, shape: e.shape }, enumerable: true, writable: true, configurable: true });
  }
  return { tensors, metadata };
}

/**
 * One floating-point tensor of a decoded file as a geolens Tensor. Throws BAD_FILE when it is missing or is not
 * F32/F64 (say what the file should contain in `source`).
 */
export function floatTensor(file: DecodedSafetensors, name: string, source = 'safetensors data'): Tensor {
  const t = Object.prototype.hasOwnProperty.call(file.tensors, name) ? file.tensors[name] : undefined;
  if (!t) throw new GeolensError('BAD_FILE', `${source}: has no tensor '${name}' (it has ${Object.keys(file.tensors).join(', ') || 'none'}).`, { source });
  if (t.dtype !== 'F32' && t.dtype !== 'F64') {
    throw new GeolensError('BAD_FILE', `${source}: tensor '${name}' is ${t.dtype}; geolens expects F32 or F64 here.`, { source });
  }
  return { data: t.data as Float32Array | Float64Array, shape: [...t.shape] };
}
