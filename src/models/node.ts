/** Node.js file adapters for models: atomic writes and safetensors files. */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GeolensError } from '../errors.js';
import { decodeSafetensors, encodeSafetensors, type DecodedSafetensors, type SafetensorsInput } from './safetensors.js';

function ioError(e: unknown, path: string, doing: string): GeolensError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOENT') return new GeolensError('FILE_NOT_FOUND', `${path}: no such file or directory (while ${doing}); check the path.`, { path });
  return new GeolensError('BAD_FILE', `${path}: ${doing} failed: ${err.message}`, { path, errno: err.code });
}

/**
 * Write `data` to `path` atomically: the bytes go to a temporary file in the same directory, are flushed to disk,
 * and the temporary file is renamed over `path`. Readers see the old file or the new one, never a partial one; on
 * failure the temporary file is removed and the old file is untouched.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    throw ioError(e, path, 'creating a temporary file next to it');
  }
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e instanceof GeolensError ? e : ioError(e, path, 'writing');
  }
}

/** Encode tensors (+ metadata) as safetensors and write them atomically to `path`. */
export async function writeSafetensorsFile(path: string, tensors: Record<string, SafetensorsInput>, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Read and validate a safetensors file (BAD_FILE when malformed, FILE_NOT_FOUND when missing). */
export async function readSafetensorsFile(path: string): Promise<DecodedSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw ioError(e, path, 'reading');
  }
  return decodeSafetensors(bytes, path);
}
