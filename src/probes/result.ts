/**
 * Reading probe results back: every result file is versioned JSON (`schemaVersion`), and every reader (report,
 * compare, resume) validates it with the probe's zod schema. A result written by an incompatible geolens version, or
 * a file that is not that result, is a typed error that says what to do — never a half-read object.
 */
import { z } from 'zod';
import { GeolensError } from '../errors.js';

/** A JSON number that may have been written as null (JSON has no NaN or ±Infinity: JSON.stringify writes null). */
export const jsonNumber = z.union([z.number(), z.null().transform(() => Number.NaN)]);

/** One kind of result file: its name, the schema version this geolens writes and reads, and its schema. */
export interface ResultKind<T> {
  /** The result's kind as written in the file (`probe` field), e.g. 'separation', 'dim-walks'. */
  kind: string;
  /** The schema version this geolens writes; files with another version are refused. */
  schemaVersion: number;
  schema: z.ZodType<T>;
}

/** Declare a result kind (see ResultKind). */
export function resultKind<T>(kind: string, schemaVersion: number, schema: z.ZodType<T>): ResultKind<T> {
  return { kind, schemaVersion, schema };
}

/**
 * Validate a parsed JSON value as a result of `kind`. `source` names the file in messages.
 * Errors: INCOMPATIBLE_RESULT when the file's `schemaVersion` differs from the one this geolens reads (written by
 * a newer or older version: re-run the probe, or use that version), BAD_FILE when it is not such a result or a field
 * is missing or malformed (the message lists the first problems with their paths).
 */
export function parseResult<T>(kind: ResultKind<T>, value: unknown, source = 'result'): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GeolensError('BAD_FILE', `${source}: not a geolens ${kind.kind} result (expected a JSON object).`);
  }
  const v = value as Record<string, unknown>;
  const written = v.probe ?? v.kind;
  if (written !== undefined && written !== kind.kind) {
    throw new GeolensError('BAD_FILE', `${source}: this is a '${String(written)}' result, not '${kind.kind}'.`);
  }
  if (v.schemaVersion !== kind.schemaVersion) {
    const what =
      typeof v.schemaVersion !== 'number'
        ? 'has no schemaVersion (it was not written by geolens, or by a pre-release)'
        : v.schemaVersion > kind.schemaVersion
          ? `was written by a newer geolens (schema version ${v.schemaVersion}; this geolens reads ${kind.schemaVersion}): upgrade geolens, or re-run the probe with this version`
          : `was written by an older geolens (schema version ${v.schemaVersion}; this geolens reads ${kind.schemaVersion}): re-run the probe to rewrite it`;
    throw new GeolensError('INCOMPATIBLE_RESULT', `${source}: the ${kind.kind} result ${what}.`, { schemaVersion: v.schemaVersion, expected: kind.schemaVersion });
  }
  const r = kind.schema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new GeolensError('BAD_FILE', `${source}: not a valid ${kind.kind} result (schema version ${kind.schemaVersion}): ${issues.join('; ')}${r.error.issues.length > 5 ? `; … ${r.error.issues.length - 5} more` : ''}.`);
  }
  return r.data;
}
