import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, zipSync } from 'fflate';
import { parseCifarBinary } from '../../src/data/cifar.js';
import { parseCsv } from '../../src/data/csv.js';
import { encodeIdx, parseIdx } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/node.js';
import { encodeNpy, parseNpy } from '../../src/data/npy.js';
import { validateDataset, type Dataset } from '../../src/data/types.js';
import { assertGeolensError, tempDir } from './fixtures.js';

const images = (n: number): Uint8Array => encodeIdx({ type: 'u8', dims: [n, 4, 4], data: new Uint8Array(n * 16).fill(7) });
const labelsIdx = (n: number): Uint8Array => encodeIdx({ type: 'u8', dims: [n], data: new Uint8Array(n).fill(1) });

/** A .npy file whose header says anything, followed by `dataBytes` zero bytes. */
function npyWithHeader(dict: string, dataBytes: number): Uint8Array {
  let header = dict;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

test('IDX: truncated file (raw and gzip), wrong magic, extra bytes, labels/images swapped, count mismatch', async () => {
  const t = tempDir();
  try {
    const full = images(10);
    const trunc = t.file('short-images-idx3-ubyte', full.subarray(0, full.length - 5));
    t.file('short-labels-idx1-ubyte', labelsIdx(10));
    await assertGeolensError(() => loadDataset(`idx:${trunc}`), 'BAD_FILE', trunc, 'truncated', '[10 x 4 x 4]', '155 follow');
    const truncGz = t.file('tgz-images-idx3-ubyte.gz', gzipSync(full.subarray(0, 20)));
    t.file('tgz-labels-idx1-ubyte', labelsIdx(10));
    await assertGeolensError(() => loadDataset(`idx:${truncGz}`), 'BAD_FILE', truncGz, 'truncated');

    const bad = full.slice();
    bad.set([0x12, 0x34, 0x56, 0x78]);
    const wrong = t.file('wrong-images-idx3-ubyte', bad);
    t.file('wrong-labels-idx1-ubyte', labelsIdx(10));
    await assertGeolensError(() => loadDataset(`idx:${wrong}`), 'BAD_FILE', wrong, 'wrong magic number 305419896');

    const extra = new Uint8Array(full.length + 3);
    extra.set(full);
    await assertGeolensError(() => parseIdx(extra, { name: 'x.idx' }), 'BAD_FILE', 'x.idx', '3 bytes after');

    const a = t.file('a-images-idx3-ubyte', images(10));
    const b = t.file('a-labels-idx1-ubyte', labelsIdx(9));
    await assertGeolensError(() => loadDataset(`idx:${a}`), 'BAD_FILE', a, b, '10 images', '9 labels');
    await assertGeolensError(() => loadDataset(`idx:${a},${a}`), 'BAD_FILE', a, 'is this an images file?');
    await assertGeolensError(() => loadDataset(`idx:${b},${b}`), 'BAD_FILE', b, 'is this a labels file?');

    // a header declaring 4e9 x 28 x 28 bytes in a tiny file is rejected before allocating
    const huge = new Uint8Array(16 + 100);
    const dv = new DataView(huge.buffer);
    dv.setUint32(0, 2051);
    dv.setUint32(4, 4_000_000_000);
    dv.setUint32(8, 28);
    dv.setUint32(12, 28);
    await assertGeolensError(() => parseIdx(huge, { name: 'huge' }), 'BAD_FILE', 'huge', 'truncated', '4000000000 x 28 x 28');
  } finally {
    t.cleanup();
  }
});

test('gzip: corrupt and truncated streams are BAD_FILE naming the file', async () => {
  const t = tempDir();
  try {
    const gz = gzipSync(images(50));
    const corrupt = gz.slice();
    for (let i = 20; i < 40; i++) corrupt[i] = corrupt[i]! ^ 0xa5;
    const f = t.file('c-images-idx3-ubyte.gz', corrupt);
    t.file('c-labels-idx1-ubyte.gz', gzipSync(labelsIdx(50)));
    await assertGeolensError(() => loadDataset(`idx:${f}`), 'BAD_FILE', f, /corrupt|truncated/);
    // deflate stream intact but trailer cut: CRC / length check
    const cut = t.file('d-images-idx3-ubyte.gz', gz.subarray(0, gz.length - 3));
    t.file('d-labels-idx1-ubyte.gz', gzipSync(labelsIdx(50)));
    await assertGeolensError(() => loadDataset(`idx:${cut}`), 'BAD_FILE', cut, 'gzip');
    // bad trailer length (fflate's one-shot API would silently truncate here)
    const liar = gz.slice();
    liar[liar.length - 4] = 5;
    await assertGeolensError(() => parseIdx(liar, { name: 'liar.gz' }), 'BAD_FILE', 'liar.gz', 'trailer');
  } finally {
    t.cleanup();
  }
});

test('NPY: 2e9 elements declared in a 200-byte file, fortran order, big-endian, bad dtype, not npy', async () => {
  const t = tempDir();
  try {
    const huge = npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000,), }", 200 - 128);
    assert.equal(huge.length, 200);
    const hx = t.file('huge.npy', huge);
    const hy = t.file('y.npy', encodeNpy({ data: Int32Array.of(0), shape: [1] }));
    await assertGeolensError(() => loadDataset(`npy:${hx},${hy}`), 'BAD_FILE', hx, 'truncated', '2000000000 elements', '72 bytes');
    await assertGeolensError(
      () => parseNpy(npyWithHeader("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", 48), { name: 'f.npy' }),
      'BAD_FILE', 'f.npy', 'Fortran order',
    );
    await assertGeolensError(
      () => parseNpy(npyWithHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8), { name: 'be.npy' }),
      'BAD_FILE', 'be.npy', 'big-endian',
    );
    await assertGeolensError(
      () => parseNpy(npyWithHeader("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 16), { name: 'c.npy' }),
      'UNSUPPORTED_DTYPE', 'c.npy', '<c16',
    );
    await assertGeolensError(() => parseNpy(new TextEncoder().encode('hello world'), { name: 'txt.npy' }), 'BAD_FILE', 'txt.npy', 'not a .npy');
    const xs = t.file('x3.npy', encodeNpy({ data: new Float32Array(6), shape: [3, 2] }));
    const ys = t.file('y2.npy', encodeNpy({ data: Int32Array.of(0, 1), shape: [2] }));
    await assertGeolensError(() => loadDataset(`npy:${xs},${ys}`), 'BAD_FILE', xs, ys, '3 samples', '2 labels');
    const yf = t.file('yf.npy', encodeNpy({ data: Float32Array.of(0, 1.5, 2), shape: [3] }));
    await assertGeolensError(() => loadDataset(`npy:${xs},${yf}`), 'BAD_FILE', yf, 'label 1.5 at index 1');
    const xn = t.file('xn.npy', encodeNpy({ data: Float32Array.of(0, 1, NaN, 3, 4, 5), shape: [3, 2] }));
    const y3 = t.file('y3.npy', encodeNpy({ data: Int32Array.of(0, 1, 1), shape: [3] }));
    await assertGeolensError(() => loadDataset(`npy:${xn},${y3}`), 'BAD_FILE', xn, 'non-finite', 'sample 1');
  } finally {
    t.cleanup();
  }
});

test('NPZ: unknown keys are listed; corrupt archive; npy given as npz', async () => {
  const t = tempDir();
  try {
    const a = encodeNpy({ data: new Float32Array(4), shape: [2, 2] });
    const f = t.file('keys.npz', zipSync({ 'features.npy': a, 'targets.npy': a }));
    await assertGeolensError(() => loadDataset(`npz:${f}`), 'BAD_FILE', f, 'features, targets', 'x/y');
    await assertGeolensError(() => loadDataset(`npz:${f}#x=features,y=nope`), 'BAD_FILE', f, "'nope'", 'features, targets');
    const good = zipSync({ 'x.npy': a, 'y.npy': encodeNpy({ data: Int32Array.of(0, 1), shape: [2] }) }, { level: 6 });
    const broken = good.slice();
    for (let i = 40; i < 60; i++) broken[i] = broken[i]! ^ 0xff;
    const bf = t.file('broken.npz', broken);
    await assertGeolensError(() => loadDataset(`npz:${bf}`), 'BAD_FILE', bf);
    const cut = t.file('cut.npz', good.subarray(0, good.length - 30));
    await assertGeolensError(() => loadDataset(`npz:${cut}`), 'BAD_FILE', cut);
    const npyAsNpz = t.file('single.npz', a);
    await assertGeolensError(() => loadDataset(`npz:${npyAsNpz}`), 'BAD_FILE', npyAsNpz, 'single .npy');
  } finally {
    t.cleanup();
  }
});

test('CSV: NaN, empty and non-numeric cells name the line and column; ragged rows; unknown label', async () => {
  const t = tempDir();
  try {
    const f = t.file('nan.csv', 'a,b,label\n1,2,0\n3,NaN,1\n');
    await assertGeolensError(() => loadDataset(`csv:${f}`), 'BAD_FILE', f, 'line 3', "column 'b' (1)", "'NaN' is not a finite number");
    await assertGeolensError(() => parseCsv('a,b,label\n1,,0\n', { name: 'e.csv' }), 'BAD_FILE', 'e.csv', 'line 2', "column 'b'", 'empty cell');
    await assertGeolensError(() => parseCsv('a,b,label\n1,2,0\n1,x2,0\n', { name: 't.csv' }), 'BAD_FILE', 't.csv', 'line 3', "'x2' is not a number");
    await assertGeolensError(() => parseCsv('1,2,0\n1,2\n', { name: 'r.csv' }), 'BAD_FILE', 'r.csv', 'line 2 has 2 columns');
    await assertGeolensError(() => parseCsv('1,2,0\n3,4,1\n', { name: 'n.csv', label: 'y' }), 'BAD_ARGUMENT', 'n.csv', 'no header');
    await assertGeolensError(() => parseCsv('a,b\n1,0\n', { name: 'h.csv', label: 'y' }), 'BAD_ARGUMENT', 'h.csv', "no column named 'y'", 'a, b');
    await assertGeolensError(() => parseCsv('', { name: 'z.csv' }), 'BAD_FILE', 'z.csv', 'empty');
    await assertGeolensError(() => parseCsv('a,b\n1,"0\n', { name: 'q.csv' }), 'BAD_FILE', 'q.csv', 'unterminated');
  } finally {
    t.cleanup();
  }
});

test('CIFAR: truncated file and wrong variant; missing files; bad specs', async () => {
  await assertGeolensError(() => parseCifarBinary(new Uint8Array(3073 * 2 + 100), { name: 'b.bin' }), 'BAD_FILE', 'b.bin', 'truncated', '2 whole 3073-byte records plus 100 bytes');
  await assertGeolensError(() => parseCifarBinary(new Uint8Array(3074 * 3), { name: 'c.bin' }), 'BAD_FILE', 'c.bin', 'cifar100 variant');
  const badLabel = new Uint8Array(3073);
  badLabel[0] = 12;
  await assertGeolensError(() => parseCifarBinary(badLabel, { name: 'l.bin' }), 'BAD_FILE', 'l.bin', 'record 0 has label 12');
  const t = tempDir();
  try {
    const missing = `${t.dir}/nope.npz`;
    await assertGeolensError(() => loadDataset(`npz:${missing}`), 'FILE_NOT_FOUND', missing);
    await assertGeolensError(() => loadDataset(`idx:${t.dir}`), 'FILE_NOT_FOUND', t.dir, 'no IDX images file');
    await assertGeolensError(() => loadDataset(`cifar:${t.dir}`), 'FILE_NOT_FOUND', t.dir, 'no CIFAR');
    await assertGeolensError(() => loadDataset(`csv:${t.dir}/x.csv`), 'FILE_NOT_FOUND', 'x.csv');
    await assertGeolensError(() => loadDataset('mnist'), 'BAD_ARGUMENT', "'mnist'", 'idx:');
    await assertGeolensError(() => loadDataset('hdf5:x.h5'), 'BAD_ARGUMENT', "'hdf5'");
    await assertGeolensError(() => loadDataset('manifold#bogus=1'), 'BAD_ARGUMENT', "'bogus'");
    await assertGeolensError(() => loadDataset('npy:only-one.npy'), 'BAD_ARGUMENT', 'npy:<samples.npy>,<labels.npy>');
  } finally {
    t.cleanup();
  }
});

test('validateDataset: inconsistent datasets', async () => {
  const ok: Dataset = { name: 'd', x: { data: new Float32Array(6), shape: [3, 2] }, y: Int32Array.of(0, 1, 1), numClasses: 2, sampleShape: [2] };
  validateDataset(ok);
  await assertGeolensError(() => validateDataset({ ...ok, y: Int32Array.of(0, 1) }), 'BAD_ARGUMENT', '3 samples', '2 labels');
  await assertGeolensError(() => validateDataset({ ...ok, y: Int32Array.of(0, 1, 2) }), 'BAD_ARGUMENT', 'label 2 of sample 2');
  await assertGeolensError(() => validateDataset({ ...ok, sampleShape: [3] }), 'BAD_ARGUMENT', 'sampleShape [3]');
  await assertGeolensError(() => validateDataset({ ...ok, x: { data: new Float32Array(5), shape: [3, 2] } }), 'BAD_ARGUMENT', '5 values');
  await assertGeolensError(() => validateDataset({ ...ok, x: { data: Float32Array.of(0, 0, 0, Infinity, 0, 0), shape: [3, 2] } }, { code: 'BAD_FILE' }), 'BAD_FILE', 'sample 1, feature 1');
  await assertGeolensError(() => validateDataset({ ...ok, classNames: ['a'] }), 'BAD_ARGUMENT', 'classNames');
});
