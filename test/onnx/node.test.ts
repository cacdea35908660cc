/** loadModelFile / importModelFile on good and hostile files: every bad file is a clear GeolensError, read with bounded memory. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeolensError } from '../../src/errors.js';
import { defaultEngine } from '../../src/engine/node.js';
import { importClassifier } from '../../src/onnx/import.js';
import { importModelFile, loadModelFile } from '../../src/onnx/node.js';
import { DataType, encodeModel } from '../../src/onnx/proto.js';
import { Rng } from '../../src/util/random.js';
import { deeplyNestedModel, exporterMlp, externalDataModel } from './fixtures.js';

let root = '';
let dir = '';
const W = Float32Array.from({ length: 12 }, (_, i) => (i - 5) / 4);

before(() => {
  root = mkdtempSync(join(tmpdir(), 'geolens-load-'));
  dir = join(root, 'model');
  mkdirSync(dir);
  mkdirSync(join(dir, 'sub'));
  // 16 bytes of padding, then W: the external-data tests read W at offset 16
  const bin = new Uint8Array(16 + 48);
  bin.set(new Uint8Array(W.buffer), 16);
  writeFileSync(join(dir, 'weights.bin'), bin);
  writeFileSync(join(dir, 'sub', 'weights.bin'), bin);
  writeFileSync(join(root, 'secret.bin'), bin); // outside the model's folder
  writeFileSync(join(dir, 'tiny.bin'), new Uint8Array(1024));
  symlinkSync(join(root, 'secret.bin'), join(dir, 'escape.bin'));
  symlinkSync(root, join(dir, 'updir'));
  symlinkSync(join(dir, 'weights.bin'), join(dir, 'alias.bin'));
});

after(async () => {
  rmSync(root, { recursive: true, force: true });
  await defaultEngine().dispose();
});

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function expectError(f: () => unknown, code: string, ...patterns: RegExp[]): GeolensError {
  let err: unknown;
  assert.throws(f, (e: unknown) => {
    err = e;
    return true;
  });
  assert.ok(err instanceof GeolensError, `a GeolensError, got ${err instanceof Error ? err.stack : String(err)}`);
  assert.equal(err.code, code, err.message);
  for (const p of patterns) assert.match(err.message, p);
  return err;
}

/** Memory growth (array buffers + heap) of `f`, in bytes. */
function growth(f: () => void): number {
  global.gc?.();
  const m0 = process.memoryUsage();
  f();
  const m1 = process.memoryUsage();
  return m1.arrayBuffers - m0.arrayBuffers + (m1.heapUsed - m0.heapUsed);
}

test('a good model file loads and imports', () => {
  const p = write('mlp.onnx', encodeModel(exporterMlp()));
  const m = importModelFile(p);
  assert.equal(m.numClasses, 3);
  assert.deepEqual(m.ops, { Gemm: 2, Relu: 1 });
});

test('external data inside the folder is resolved into raw data (offset, length, subfolders, in-folder symlinks)', async () => {
  for (const location of ['weights.bin', 'sub/weights.bin', './weights.bin', 'alias.bin']) {
    const p = write('ext.onnx', externalDataModel({ location, offset: 16, length: 48 }));
    const model = loadModelFile(p);
    const t = model.graph.initializers[0]!;
    assert.equal(t.external, undefined);
    assert.deepEqual(Array.from(new Float32Array(t.raw!.slice().buffer)), Array.from(W));
    const m = importClassifier(model);
    const s = await defaultEngine().load(m.graph);
    const y = (await s.run({ x: { data: Float32Array.of(1, 0, 0, 0), shape: [1, 4] } })).logits!.data as Float32Array;
    assert.deepEqual(Array.from(y), Array.from(W.subarray(0, 3)), location);
  }
  // length may be omitted: it follows from the shape
  const p = write('ext2.onnx', externalDataModel({ location: 'weights.bin', offset: 16 }));
  assert.equal(loadModelFile(p).graph.initializers[0]!.raw!.byteLength, 48);
});

test('hostile: external data outside the model folder is refused (absolute, .., symlinks)', () => {
  const cases: [string, RegExp][] = [
    [join(root, 'secret.bin'), /absolute path/],
    ['/etc/passwd', /absolute path/],
    ['../secret.bin', /outside the model's folder/],
    ['sub/../../secret.bin', /outside the model's folder/],
    ['sub\\..\\..\\secret.bin', /outside the model's folder/],
    ['escape.bin', /symlink that leads outside/],
    ['updir/secret.bin', /symlink that leads outside/],
  ];
  for (const [location, pattern] of cases) {
    const p = write('evil.onnx', externalDataModel({ location, offset: 16, length: 48 }));
    const e = expectError(() => loadModelFile(p), 'BAD_FILE', /evil\.onnx/, /tensor 'W'/, pattern);
    assert.ok(!('raw' in e), location);
  }
  expectError(() => loadModelFile(write('evil.onnx', externalDataModel({ location: '' }))), 'BAD_FILE', /empty or invalid/);
  expectError(() => loadModelFile(write('evil.onnx', externalDataModel({ location: 'missing.bin' }))), 'FILE_NOT_FOUND', /missing\.bin/);
  expectError(() => loadModelFile(write('evil.onnx', externalDataModel({ location: 'sub' }))), 'BAD_FILE', /not a regular file/);
});

test('hostile: a tensor declaring 2 GB in a 1 KB file is refused without allocating it', () => {
  // external: 2 GiB declared, tiny.bin has 1 KiB
  const big = 2 ** 29; // floats → 2 GiB
  const p = write('big-ext.onnx', externalDataModel({ location: 'tiny.bin', offset: 0, length: big * 4, dims: [big] }));
  const grew = growth(() => expectError(() => loadModelFile(p), 'BAD_FILE', /2147483648 bytes/, /only 1024 bytes/));
  assert.ok(grew < 64 * 2 ** 20, `memory grew by ${grew} bytes`);
  // declared length disagreeing with the shape
  expectError(() => loadModelFile(write('len.onnx', externalDataModel({ location: 'weights.bin', offset: 0, length: 20 }))), 'BAD_FILE', /declares 20 bytes/);
  expectError(() => loadModelFile(write('off.onnx', externalDataModel({ location: 'weights.bin', offset: -4, length: 48 }))), 'BAD_FILE', /invalid external-data offset/);
  expectError(() => loadModelFile(write('nan.onnx', externalDataModel({ location: 'weights.bin', offset: 'x', length: 48 }))), 'BAD_FILE', /invalid external-data offset/);

  // embedded: an initializer of shape [2^29] holding 4 bytes, in a file of a few hundred bytes
  const model = exporterMlp();
  model.graph.initializers.push({ name: 'huge', dataType: DataType.FLOAT, dims: [big], raw: new Uint8Array(4) });
  const q = write('big.onnx', encodeModel(model));
  const grew2 = growth(() => expectError(() => importModelFile(q), 'BAD_FILE', /'huge'/, /536870912 elements/, /truncated or corrupt/));
  assert.ok(grew2 < 64 * 2 ** 20, `memory grew by ${grew2} bytes`);
  // dims whose product overflows
  const model2 = exporterMlp();
  model2.graph.initializers.push({ name: 'overflow', dataType: DataType.FLOAT, dims: [2 ** 40, 2 ** 40], floatData: [1] });
  expectError(() => importModelFile(write('ovf.onnx', encodeModel(model2))), 'BAD_FILE', /'overflow'/);
});

test('hostile: truncated protobuf', () => {
  const bytes = encodeModel(exporterMlp());
  for (const cut of [1, 7, Math.floor(bytes.length / 2), bytes.length - 3]) {
    const p = write('cut.onnx', bytes.subarray(0, cut));
    expectError(() => importModelFile(p), 'BAD_FILE', /cut\.onnx/, /truncated|malformed|no graph/);
  }
});

test('hostile: garbage bytes, empty file, a length field claiming 1 TB, deep nesting', () => {
  const rng = new Rng(99);
  for (let k = 0; k < 20; k++) {
    const junk = new Uint8Array(1024);
    for (let i = 0; i < junk.length; i++) junk[i] = rng.nextU32() & 0xff;
    const p = write('junk.onnx', junk);
    let err: unknown;
    try {
      importModelFile(p);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof GeolensError, `junk #${k}: ${String(err)}`);
    assert.ok(['BAD_FILE', 'BAD_MODEL', 'UNSUPPORTED_DTYPE', 'BAD_SHAPE'].includes(err.code), `junk #${k}: ${err.code} ${err.message}`);
  }
  expectError(() => loadModelFile(write('empty.onnx', new Uint8Array(0))), 'BAD_FILE', /no graph found/);
  expectError(() => loadModelFile(write('text.onnx', new TextEncoder().encode('{"this": "is json"}\n'))), 'BAD_FILE', /text\.onnx/);
  // field 7 (graph) declaring 2^40 bytes
  expectError(() => loadModelFile(write('len.onnx', Uint8Array.of(0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20))), 'BAD_FILE', /declares \d+ bytes but only 0 remain/);
  const deep = write('deep.onnx', deeplyNestedModel(20000));
  expectError(() => loadModelFile(deep), 'BAD_FILE', /deep\.onnx/);
});

test('hostile: a graph with a cycle', () => {
  const model = exporterMlp();
  model.graph.nodes.find((n) => n.opType === 'Relu')!.inputs[0] = 'logits';
  const p = write('cycle.onnx', encodeModel(model));
  expectError(() => importModelFile(p), 'BAD_MODEL', /cycle\.onnx/, /cycle through node/);
});

test('missing files, folders and files over maxBytes', () => {
  expectError(() => loadModelFile(join(dir, 'nope.onnx')), 'FILE_NOT_FOUND', /nope\.onnx/);
  expectError(() => loadModelFile(dir), 'BAD_FILE', /not a regular file|cannot be/);
  const p = write('mlp.onnx', encodeModel(exporterMlp()));
  expectError(() => loadModelFile(p, { maxBytes: 100 }), 'BAD_FILE', /more than the limit of 100/, /maxBytes/);
  const e = write('ext.onnx', externalDataModel({ location: 'weights.bin', offset: 16, length: 48 }));
  const size = encodeModel(exporterMlp()).length;
  assert.ok(size > 0);
  expectError(() => loadModelFile(e, { maxBytes: externalDataModel({ location: 'weights.bin', offset: 16, length: 48 }).length + 10 }), 'BAD_FILE', /exceed the limit/);
});
