/**
 * Case external-data-symlinks (../shared/cases): a model with external weights in the Hugging Face cache layout —
 * snapshots/rev1/model.onnx and model.onnx_data are symlinks into ../../blobs/. External data is resolved next to the
 * path as given (the ONNX rule), and a symlink there may lead into that folder or into the folder the model file
 * itself links to, nowhere else. The shared folder stores the two links as small text files naming their targets
 * (links do not survive every copy): the test rebuilds the real layout from them, and checks that such a
 * placeholder is named as what it is.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectCommand } from '../../src/cli/inspect.js';
import { importModelFile } from '../../src/onnx/node.js';
import { caseFiles, casesDir, expectGeolensError } from './helpers.js';

const { paths: [modelLink, dataLink], skip } = caseFiles('external-data-symlinks', 'hub/snapshots/rev1/model.onnx', 'hub/snapshots/rev1/model.onnx_data');
let hub = '';

before(() => {
  if (skip) return;
  hub = mkdtempSync(join(tmpdir(), 'geolens-hub-'));
  mkdirSync(join(hub, 'blobs'));
  for (const f of readdirSync(join(casesDir, 'external-data-symlinks/hub/blobs'))) copyFileSync(join(casesDir, 'external-data-symlinks/hub/blobs', f), join(hub, 'blobs', f));
  mkdirSync(join(hub, 'snapshots/rev1'), { recursive: true });
  symlinkSync(readFileSync(modelLink!, 'utf8').trim(), join(hub, 'snapshots/rev1/model.onnx'));
  symlinkSync(readFileSync(dataLink!, 'utf8').trim(), join(hub, 'snapshots/rev1/model.onnx_data'));
});
after(() => hub && rmSync(hub, { recursive: true, force: true }));

test('case external-data-symlinks: a Hugging Face cache snapshot (model and data both symlinks into blobs/) imports', { skip }, async () => {
  const m = importModelFile(join(hub, 'snapshots/rev1/model.onnx'));
  assert.equal(m.numClasses, 10);
  assert.equal(m.params.length, 4);
  const lines: string[] = [];
  assert.equal(await inspectCommand([join(hub, 'snapshots/rev1/model.onnx')], (l) => lines.push(l)), 0);
  assert.match(lines.join('\n'), /weights 12730 parameters in 4 tensors/);
});

test('case external-data-symlinks: a data symlink leading elsewhere is still refused', { skip }, async () => {
  const evil = mkdtempSync(join(tmpdir(), 'geolens-evil-'));
  try {
    writeFileSync(join(evil, 'secret.bin'), readFileSync(join(hub, 'snapshots/rev1/model.onnx_data')));
    mkdirSync(join(hub, 'snapshots/rev2'));
    symlinkSync('../../blobs/' + readdirSync(join(hub, 'blobs')).find((f) => f.startsWith('2c5b')), join(hub, 'snapshots/rev2/model.onnx'));
    symlinkSync(join(evil, 'secret.bin'), join(hub, 'snapshots/rev2/model.onnx_data'));
    await expectGeolensError(() => importModelFile(join(hub, 'snapshots/rev2/model.onnx')), 'BAD_FILE', /symlink that leads outside the model's folder/);
  } finally {
    rmSync(evil, { recursive: true, force: true });
  }
});

test('case external-data-symlinks: a symlink stored as a plain text file is named as such, with the fix (model or data)', { skip }, async () => {
  await expectGeolensError(() => importModelFile(modelLink!), 'BAD_FILE', /symbolic link stored as a plain file/, /\.\.\/\.\.\/blobs\/2c5b/, /ln -sf/);
  // the model restored, its data still a placeholder
  mkdirSync(join(hub, 'snapshots/rev3'));
  symlinkSync(readFileSync(modelLink!, 'utf8').trim(), join(hub, 'snapshots/rev3/model.onnx'));
  copyFileSync(dataLink!, join(hub, 'snapshots/rev3/model.onnx_data'));
  await expectGeolensError(() => importModelFile(join(hub, 'snapshots/rev3/model.onnx')), 'BAD_FILE', /external-data file 'model\.onnx_data' is a 76-byte text naming '\.\.\/\.\.\/blobs\/d07c/, /ln -sf/);
});
