/** The command line's one error form: `geolens <command>: error [CODE]: <message>`, usage errors included. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorLine, main } from '../../src/cli/main.js';
import { UsageError } from '../../src/cli/args.js';
import { GeolensError } from '../../src/errors.js';

async function captured(argv: string[]): Promise<{ code: number; err: string }> {
  const errs: string[] = [];
  const orig = console.error;
  console.error = (l: string) => errs.push(l);
  try {
    return { code: await main(argv), err: errs.join('\n') };
  } finally {
    console.error = orig;
  }
}

test('errorLine: one form for usage and other errors, the command named once', () => {
  assert.equal(errorLine('probe dim', new UsageError("geolens probe dim: --n '0' must be an integer ≥ 1.")), "geolens probe dim: error [BAD_ARGUMENT]: --n '0' must be an integer ≥ 1.");
  assert.equal(errorLine('inspect', new GeolensError('FILE_NOT_FOUND', "model file 'x.onnx' does not exist.")), "geolens inspect: error [FILE_NOT_FOUND]: model file 'x.onnx' does not exist.");
});

test('main prints usage errors, import errors and unknown commands in that form', async () => {
  const usage = await captured(['probe', 'dim', 'nowhere', '--n', '0']);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /^geolens probe dim: error \[BAD_ARGUMENT\]: --n '0' must be an integer ≥ 2/);
  const missing = await captured(['inspect', '/nonexistent/model.onnx']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^geolens inspect: error \[FILE_NOT_FOUND\]: /);
  const unknown = await captured(['fly']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /^geolens: error \[BAD_ARGUMENT\]: unknown command 'fly'/);
});
