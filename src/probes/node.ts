/** Node adapter of the probes room: read a probe result file back, validated by its schema. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { GeolensError } from '../errors.js';
import { parseResult, type ResultKind } from './result.js';

/**
 * Read and validate a result file written by `writeResult`. Errors: FILE_NOT_FOUND, BAD_FILE (not JSON, or not a
 * valid result of this kind), INCOMPATIBLE_RESULT (written by another schema version: re-run the probe).
 */
export async function readResult<T>(kind: ResultKind<T>, file: string): Promise<T> {
  if (!existsSync(file)) throw new GeolensError('FILE_NOT_FOUND', `${file} does not exist; run the probe first (geolens probe ${kind.kind.split('-')[0]} …).`);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new GeolensError('BAD_FILE', `${file}: not JSON (${(e as Error).message}).`);
  }
  return parseResult(kind, value, file);
}
