/** A minimal .npy reader for the cross-check references (little-endian float32/float64, C order). */
import { readFileSync } from 'node:fs';

export interface NpyArray {
  data: Float32Array | Float64Array;
  shape: number[];
}

export function readNpy(path: string): NpyArray {
  const buf = readFileSync(path);
  if (buf.length < 10 || buf[0] !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not an .npy file`);
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '';
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (fortran) throw new Error(`${path}: Fortran-order arrays are not supported`);
  const off = start + headerLen;
  const n = shape.reduce((p, d) => p * d, 1);
  const bytes = buf.subarray(off);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (descr === '<f4') return { data: new Float32Array(copy.buffer, 0, n), shape };
  if (descr === '<f8') return { data: new Float64Array(copy.buffer, 0, n), shape };
  throw new Error(`${path}: dtype ${descr} is not supported`);
}
