/**
 * The failing inputs from real use in ../shared/cases (one folder per kind of fault; see its README.md), for the
 * regression tests in this folder: one test file per case folder. Skipped, with the reason printed, when the shared
 * folder is absent.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GeolensError, type GeolensErrorCode } from '../../src/errors.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** ../shared/cases from the repository root. */
export const casesDir = resolve(repoRoot, '../shared/cases');

/** The path of a file of a case folder, and the test options that skip when it is missing. */
export function caseFiles(folder: string, ...files: string[]): { paths: string[]; skip: string | false } {
  const paths = files.map((f) => join(casesDir, folder, f));
  const missing = paths.filter((p) => !existsSync(p));
  const skip = missing.length ? `shared case files missing (${missing.join(', ')}); see ../shared/cases/README.md` : false;
  if (skip) console.log(`# skipping case ${folder}: ${skip}`);
  return { paths, skip };
}

/** Await `f` and check it throws a GeolensError with `code` whose message matches every pattern. */
export async function expectGeolensError(f: () => unknown, code: GeolensErrorCode, ...patterns: RegExp[]): Promise<GeolensError> {
  let err: unknown;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof GeolensError, `expected a GeolensError ${code}, got ${err === undefined ? 'no error' : String(err)}`);
  assert.equal(err.code, code, err.message);
  for (const p of patterns) assert.match(err.message, p);
  return err;
}
