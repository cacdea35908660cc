import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, zipSync } from 'fflate';
import { encodeCifarBinary, parseCifarBinary } from '../../src/data/cifar.js';
import { encodeCsv, parseCsv } from '../../src/data/csv.js';
import { encodeIdx, parseIdx, type IdxArray } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/node.js';
import { encodeNpy, parseNpy, type NpyArray } from '../../src/data/npy.js';
import { parseNpz } from '../../src/data/npz.js';
import { curvedManifoldMixture, spirals } from '../../src/data/synthetic.js';
import { validateDataset, type Dataset } from '../../src/data/types.js';
import { Rng } from '../../src/util/random.js';
import { tempDir } from './fixtures.js';

function randomBytes(n: number, seed: number): Uint8Array {
  const r = new Rng(seed);
  return Uint8Array.from({ length: n }, () => r.int(256));
}

function labels(n: number, classes: number, seed: number): Uint8Array {
  const r = new Rng(seed);
  return Uint8Array.from({ length: n }, () => r.int(classes));
}

test('IDX: encode/parse round trip for every element type', () => {
  const arrays: IdxArray[] = [
    { type: 'u8', dims: [2, 3], data: Uint8Array.of(0, 1, 2, 253, 254, 255) },
    { type: 'i8', dims: [3], data: Int8Array.of(-128, 0, 127) },
    { type: 'i16', dims: [2], data: Int16Array.of(-30000, 12345) },
    { type: 'i32', dims: [1, 2], data: Int32Array.of(-2e9, 2e9) },
    { type: 'f32', dims: [2], data: Float32Array.of(1.5, -3.25) },
    { type: 'f64', dims: [2], data: Float64Array.of(Math.PI, -1e-300) },
  ];
  for (const a of arrays) {
    const back = parseIdx(encodeIdx(a));
    assert.deepEqual(back, a);
    assert.deepEqual(parseIdx(gzipSync(encodeIdx(a))), a); // gzip detected by magic
  }
  const img = encodeIdx({ type: 'u8', dims: [1, 1, 1], data: Uint8Array.of(9) });
  assert.deepEqual([...img.subarray(0, 4)], [0, 0, 8, 3]); // magic 2051
  assert.equal(new DataView(img.buffer).getUint32(0), 2051);
});

test('IDX loader: directory (train/test), images file, explicit pair; gzip and raw', async () => {
  const t = tempDir();
  try {
    const n = 7;
    const imgs = randomBytes(n * 5 * 4, 1);
    const lab = labels(n, 10, 2);
    const testImgs = randomBytes(3 * 5 * 4, 3);
    t.file('train-images-idx3-ubyte.gz', gzipSync(encodeIdx({ type: 'u8', dims: [n, 5, 4], data: imgs })));
    t.file('train-labels-idx1-ubyte.gz', gzipSync(encodeIdx({ type: 'u8', dims: [n], data: lab })));
    t.file('t10k-images-idx3-ubyte', encodeIdx({ type: 'u8', dims: [3, 5, 4], data: testImgs }));
    t.file('t10k-labels-idx1-ubyte', encodeIdx({ type: 'u8', dims: [3], data: Uint8Array.of(1, 2, 3) }));
    const ds = await loadDataset(`idx:${t.dir}`);
    validateDataset(ds);
    assert.deepEqual(ds.x.shape, [n, 1, 5, 4]);
    assert.deepEqual(ds.sampleShape, [1, 5, 4]);
    assert.deepEqual([...ds.y], [...lab]);
    for (let i = 0; i < imgs.length; i++) assert.equal(ds.x.data[i], Math.fround(imgs[i]! / 255));
    assert.match(ds.name, /-train$/);
    assert.match(ds.source!, /train-images-idx3-ubyte\.gz/);
    const test = await loadDataset(`idx:${t.dir}#split=test`);
    assert.deepEqual([...test.y], [1, 2, 3]);
    assert.equal(test.numClasses, 4);
    const viaFile = await loadDataset(`idx:${t.file('t10k-images-idx3-ubyte')}`);
    assert.deepEqual(viaFile.x.data, test.x.data);
    const viaPair = await loadDataset(`idx:${t.file('train-images-idx3-ubyte.gz')},${t.file('train-labels-idx1-ubyte.gz')}`);
    assert.deepEqual(viaPair.x.data, ds.x.data);
  } finally {
    t.cleanup();
  }
});

function cifarLike(n: number, classes: number, seed: number): Dataset {
  const px = randomBytes(n * 3072, seed);
  return {
    name: 'c',
    x: { data: Float32Array.from(px, (v) => v / 255), shape: [n, 3, 32, 32] },
    y: Int32Array.from(labels(n, classes, seed + 1)),
    numClasses: classes,
    sampleShape: [3, 32, 32],
  };
}

test('CIFAR: binary round trip (CIFAR-10 and CIFAR-100), directory loading with batches', async () => {
  const a = cifarLike(4, 10, 1);
  const back = parseCifarBinary(encodeCifarBinary(a), { name: 'mem' });
  assert.deepEqual(back.x.data, a.x.data);
  assert.deepEqual(back.y, a.y);
  assert.deepEqual(back.sampleShape, [3, 32, 32]);
  assert.equal(back.classNames?.[0], 'airplane');

  const fine = cifarLike(3, 100, 5);
  const coarse = Int32Array.of(19, 0, 7);
  const bytes100 = encodeCifarBinary(fine, 'cifar100', coarse);
  assert.deepEqual(parseCifarBinary(bytes100, { variant: 'cifar100' }).y, fine.y);
  const c = parseCifarBinary(bytes100, { variant: 'cifar100', label: 'coarse' });
  assert.deepEqual([...c.y], [19, 0, 7]);
  assert.equal(c.numClasses, 20);

  const t = tempDir();
  try {
    const b1 = cifarLike(2, 10, 10);
    const b2 = cifarLike(3, 10, 11);
    t.file('data_batch_1.bin', encodeCifarBinary(b1));
    t.file('data_batch_2.bin', encodeCifarBinary(b2));
    t.file('test_batch.bin', encodeCifarBinary(a));
    t.file('batches.meta.txt', 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
    const train = await loadDataset(`cifar:${t.dir}`);
    assert.equal(train.y.length, 5);
    assert.deepEqual([...train.y], [...b1.y, ...b2.y]);
    assert.deepEqual(train.classNames?.slice(0, 2), ['a', 'b']);
    assert.equal(train.name, 'cifar10-train');
    const test = await loadDataset(`cifar:${t.dir}`, { split: 'test' });
    assert.deepEqual(test.x.data, a.x.data);
    const one = await loadDataset(`cifar:${t.file('data_batch_2.bin')}`);
    assert.deepEqual(one.y, b2.y);
    t.file('train.bin', bytes100);
    const c100 = await loadDataset(`cifar:${t.file('train.bin')}#cifarLabel=coarse`);
    assert.deepEqual([...c100.y], [19, 0, 7]);
  } finally {
    t.cleanup();
  }
});

test('NPY: round trip of every dtype, versions 1/2/3', () => {
  const arrays: NpyArray[] = [
    { dtype: 'f4', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, -6.5) },
    { dtype: 'f8', shape: [2], data: Float64Array.of(Math.E, -0) },
    { dtype: 'i8', shape: [3], data: BigInt64Array.of(0n, -5n, 9007199254740993n) },
    { dtype: 'i4', shape: [2, 1], data: Int32Array.of(-7, 7) },
    { dtype: 'i2', shape: [2], data: Int16Array.of(-300, 300) },
    { dtype: 'u2', shape: [2], data: Uint16Array.of(0, 65535) },
    { dtype: 'i1', shape: [2], data: Int8Array.of(-1, 1) },
    { dtype: 'u1', shape: [1, 2, 2], data: Uint8Array.of(0, 1, 254, 255) },
    { dtype: 'b1', shape: [3], data: Uint8Array.of(1, 0, 1) },
    { dtype: 'f4', shape: [], data: Float32Array.of(42) },
  ];
  for (const a of arrays) {
    const enc = encodeNpy(a);
    assert.equal((enc.length - a.data.length * a.data.BYTES_PER_ELEMENT) % 64, 0, 'header padded to 64 bytes');
    assert.deepEqual(parseNpy(enc), a);
  }
  // versions 2.0 and 3.0: a 4-byte header length
  const v1 = encodeNpy({ data: Float32Array.of(1, 2), shape: [2] });
  const hlen = new DataView(v1.buffer).getUint16(8, true);
  for (const major of [2, 3]) {
    const v = new Uint8Array(v1.length + 2);
    v.set(v1.subarray(0, 8));
    v[6] = major;
    new DataView(v.buffer).setUint32(8, hlen, true);
    v.set(v1.subarray(10), 12);
    assert.deepEqual(parseNpy(v).data, Float32Array.of(1, 2));
  }
});

test('NPY/NPZ loaders: x/y pairs, key conventions, stored and deflated archives', async () => {
  const ds = curvedManifoldMixture({ n: 50, ambientDim: 6, seed: 4 });
  const xNpy = encodeNpy({ data: ds.x.data, shape: ds.x.shape });
  const yNpy = encodeNpy({ data: BigInt64Array.from(ds.y, (v) => BigInt(v)), shape: [50] });
  const t = tempDir();
  try {
    const fromNpy = await loadDataset(`npy:${t.file('x.npy', xNpy)},${t.file('y.npy', yNpy)}`);
    assert.deepEqual(fromNpy.x.data, ds.x.data);
    assert.deepEqual(fromNpy.y, ds.y);
    assert.equal(fromNpy.numClasses, 5);
    for (const level of [0, 6] as const) {
      for (const [xk, yk] of [['x', 'y'], ['X', 'Y'], ['images', 'labels']]) {
        const zip = zipSync({ [`${xk}.npy`]: xNpy, [`${yk}.npy`]: yNpy }, { level });
        const file = t.file(`d-${level}-${xk}.npz`, zip);
        const got = await loadDataset(`npz:${file}`);
        assert.deepEqual(got.x.data, ds.x.data);
        assert.deepEqual(got.y, ds.y);
        assert.deepEqual(got.sampleShape, [6]);
      }
    }
    // custom keys (e.g. Keras' mnist.npz) and byte images scaled to [0, 1]; one-hot labels
    const imgs = encodeNpy({ data: Uint8Array.of(0, 255, 51, 102), shape: [2, 1, 2] });
    const onehot = encodeNpy({ data: Float32Array.of(0, 1, 0, 1, 0, 0), shape: [2, 3] });
    const kf = t.file('k.npz', zipSync({ 'x_train.npy': imgs, 'y_train.npy': onehot, 'x_test.npy': imgs }));
    const k = await loadDataset(`npz:${kf}#x=x_train,y=y_train`);
    assert.deepEqual([...k.x.data], [0, 1, 0.2, 0.4].map(Math.fround));
    assert.deepEqual([...k.y], [1, 0]);
    assert.equal(k.numClasses, 3);
    assert.deepEqual(Object.keys(parseNpz(zipSync({ 'a.npy': imgs }))), ['a']);
  } finally {
    t.cleanup();
  }
});

test('CSV: round trip, header detection, label by name/index, class names, quoting, delimiters', async () => {
  const ds = spirals({ n: 30, seed: 2 });
  const back = parseCsv(encodeCsv(ds));
  assert.deepEqual(back.x.data, ds.x.data);
  assert.deepEqual(back.y, ds.y);
  assert.equal(back.numClasses, 3);

  const iris = 'species,sepal,petal\nsetosa,1.5,0.2\n"vir,ginica",6.1,2.3\nsetosa,1.4,.2e1\n';
  const byName = parseCsv(iris, { label: 'species' });
  assert.deepEqual(byName.classNames, ['setosa', 'vir,ginica']);
  assert.deepEqual([...byName.y], [0, 1, 0]);
  assert.deepEqual([...byName.x.data], [1.5, 0.2, 6.1, 2.3, 1.4, 2].map(Math.fround));
  assert.deepEqual(parseCsv(iris, { label: 0 }).y, byName.y);

  const noHeader = parseCsv('1;2;0\r\n3;4;1\r\n\r\n5;6;1\r\n');
  assert.deepEqual(noHeader.x.shape, [3, 2]);
  assert.deepEqual([...noHeader.y], [0, 1, 1]);
  const negLabels = parseCsv('a,b\n1,-1\n2,1\n', { label: 'b' });
  assert.deepEqual(negLabels.classNames, ['-1', '1']);

  const t = tempDir();
  try {
    const f = t.file('data.csv', '\ufefflabel\tf1\tf2\nb\t1\t2\na\t3\t4\n');
    const loaded = await loadDataset(`csv:${f}#label=label`);
    assert.deepEqual(loaded.classNames, ['a', 'b']);
    assert.deepEqual([...loaded.y], [1, 0]);
    assert.equal(loaded.name, 'data');
    assert.deepEqual((await loadDataset(`csv:${f}#label=0`)).y, loaded.y);
  } finally {
    t.cleanup();
  }
});

test('CSV: a label column given by index as a string (as a spec passes it) is not mistaken for a header cell', async () => {
  const text = '0,1.5,2\n1,0.5,1\n1,0.25,3\n';
  for (const label of ['0', 0, '-3']) {
    const ds = parseCsv(text, { label });
    assert.deepEqual(ds.x.shape, [3, 2], `label ${JSON.stringify(label)}: the first row was taken as a header`);
    assert.deepEqual([...ds.y], [0, 1, 1]);
  }
  const t = tempDir();
  try {
    const f = t.file('plain.csv', text);
    assert.deepEqual([...(await loadDataset(`csv:${f}#label=0`)).y], [0, 1, 1]);
  } finally {
    t.cleanup();
  }
});

test('synthetic specs through loadDataset', async () => {
  const a = await loadDataset('manifold#n=100,seed=3,ambientDim=10');
  assert.deepEqual(a.x.shape, [100, 10]);
  const b = await loadDataset('manifold', { n: 100, seed: 3, ambientDim: 10 });
  assert.deepEqual(a.x.data, b.x.data);
  assert.equal((await loadDataset('moons')).numClasses, 2);
  assert.equal((await loadDataset('spirals#classes=5')).numClasses, 5);
  assert.equal((await loadDataset('circles', { rings: 4 })).numClasses, 4);
});

test('parsers accept unaligned views and Node Buffers (views into a shared pool)', () => {
  const arr = { data: Float64Array.of(1.5, -2, 3.25), shape: [3] };
  const enc = encodeNpy(arr);
  const padded = new Uint8Array(enc.length + 3);
  padded.set(enc, 3);
  assert.deepEqual(parseNpy(padded.subarray(3)).data, arr.data);
  const pooled = Buffer.concat([Buffer.from('xyz'), Buffer.from(enc)]).subarray(3);
  assert.deepEqual(parseNpy(pooled).data, arr.data);
  const idx: IdxArray = { type: 'i8', dims: [3], data: Int8Array.of(-1, 0, 1) };
  assert.deepEqual(parseIdx(Buffer.concat([Buffer.from('q'), Buffer.from(encodeIdx(idx))]).subarray(1)), idx);
  const gz = Buffer.concat([Buffer.from('q'), Buffer.from(gzipSync(encodeIdx(idx)))]).subarray(1);
  assert.deepEqual(parseIdx(gz), idx);
});

test('CSV: a leading index column (pandas, index/id, or row numbers without a header) is dropped with a note', () => {
  const pandas = parseCsv(',a,b,label\n0,1.5,2,x\n1,2.5,3,y\n5,3.5,4,x\n');
  assert.deepEqual(pandas.sampleShape, [2]);
  assert.deepEqual([...pandas.x.data], [1.5, 2, 2.5, 3, 3.5, 4]);
  assert.match(pandas.notes!.join('\n'), /column '' \(0\) holds distinct integers: taken as an index column and dropped/);
  const ids = parseCsv('id,a,label\n10,0.5,0\n11,0.25,1\n12,0.75,1\n');
  assert.deepEqual(ids.sampleShape, [1]);
  const rows = parseCsv('0,0.5,0.1,0\n1,0.25,0.2,1\n2,0.75,0.3,1\n');
  assert.deepEqual(rows.sampleShape, [2]);
  assert.match(rows.notes!.join('\n'), /row numbers 0\.\.2/);
  // a first feature that only looks like a count is kept when it is named
  assert.deepEqual(parseCsv('count,a,label\n0,0.5,0\n1,0.25,1\n2,0.75,1\n').sampleShape, [2]);
});
