import { Gunzip } from 'fflate';
import { GeolensError } from '../errors.js';
import { crc32 } from '../util/crc32.js';

/** Default cap on the size of decompressed data (2 GiB): larger outputs are rejected, not allocated. */
export const DEFAULT_MAX_BYTES = 2 ** 31 - 1;

/**
 * A fresh, plain Uint8Array copy of bytes [start, end). (`Buffer#slice` returns a view into Node's shared pool, so
 * `.slice()` alone is not a safe way to get an aligned, owned buffer for typed-array views.)
 */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompress gzip data, checked: a truncated or corrupt stream, a CRC-32 or length mismatch with the trailer, or an
 * output larger than `maxBytes` is a `BAD_FILE` error naming `name`. (fflate's one-shot `gunzipSync` sizes its output
 * from the trailer and silently truncates when that field is wrong, so this streams instead.) Multi-member files are
 * decompressed whole; only single-member files can be checked against the trailer.
 */
export function gunzipChecked(bytes: Uint8Array, name: string, maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  if (!isGzip(bytes)) throw new GeolensError('BAD_FILE', `${name}: not gzip data (missing the 1f 8b magic)`);
  if (bytes.length < 18) throw new GeolensError('BAD_FILE', `${name}: gzip data truncated (${bytes.length} bytes)`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let members = 1;
  let tooBig = false;
  const gz = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > maxBytes) {
      tooBig = true;
      throw new GeolensError('BAD_FILE', `${name}: decompresses to more than ${maxBytes} bytes; raise maxBytes if this is intended`);
    }
    chunks.push(chunk);
  });
  gz.onmember = () => {
    members++;
  };
  try {
    gz.push(bytes, true);
  } catch (e) {
    if (e instanceof GeolensError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new GeolensError('BAD_FILE', `${name}: corrupt or truncated gzip data (${msg}); download the file again`);
  }
  if (tooBig) throw new GeolensError('BAD_FILE', `${name}: decompresses to more than ${maxBytes} bytes`);
  const out = chunks.length === 1 ? chunks[0]! : new Uint8Array(total);
  if (chunks.length !== 1) {
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
  }
  if (members === 1) {
    const t = bytes.length - 8;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const crc = dv.getUint32(t, true);
    const isize = dv.getUint32(t + 4, true);
    if (isize !== total % 2 ** 32 || crc !== crc32(out)) {
      throw new GeolensError(
        'BAD_FILE',
        `${name}: corrupt or truncated gzip data (CRC-32 or length does not match the gzip trailer); download the file again`,
      );
    }
  }
  return out;
}

/** Gunzip when the bytes carry the gzip magic, else return them unchanged. */
export function maybeGunzip(bytes: Uint8Array, name: string, maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  return isGzip(bytes) ? gunzipChecked(bytes, name, maxBytes) : bytes;
}
