import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { encodeIdx } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/node.js';
import { subsetPerClass } from '../../src/data/split.js';
import { normalize, resizeImages } from '../../src/data/transform.js';
import { classCounts } from '../../src/data/types.js';
import { assertGeolensError, sharedData, tempDir } from './fixtures.js';

/** 30 images of 6×4 bytes in 3 classes (10 each), written as an uncompressed IDX pair. */
function writeIdxFixture(): { dir: string; cleanup: () => void } {
  const t = tempDir();
  const n = 30;
  const pixels = new Uint8Array(n * 6 * 4);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + 11) % 256;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % 3;
  t.file('train-images-idx3-ubyte', encodeIdx({ type: 'u8', dims: [n, 6, 4], data: pixels }));
  t.file('train-labels-idx1-ubyte', encodeIdx({ type: 'u8', dims: [n], data: labels }));
  return { dir: t.dir, cleanup: t.cleanup };
}

test('resize, normalize and perClass in a spec fragment equal the transforms applied by hand, in that order', async () => {
  const { dir, cleanup } = writeIdxFixture();
  try {
    const raw = await loadDataset(`idx:${dir}`);
    assert.deepEqual(raw.sampleShape, [1, 6, 4]);
    const ds = await loadDataset(`idx:${dir}#resize=3x2,normalize=0.5:0.25,perClass=4`, { seed: 7 });
    const expected = subsetPerClass(normalize(resizeImages(raw, 3, 2, { method: 'area' }), 0.5, 0.25), 4, 7);
    assert.deepEqual(ds.sampleShape, [1, 3, 2]);
    assert.deepEqual(ds.x.shape, [12, 1, 3, 2]);
    assert.deepEqual(classCounts(ds.y, 3), [4, 4, 4]);
    assert.deepEqual(ds.y, expected.y);
    assert.deepEqual(ds.x.data, expected.x.data);
    // area resize of 6×4 → 3×2 is the mean of 2×2 blocks
    const r = await loadDataset(`idx:${dir}#resize=3x2`);
    const x = raw.x.data;
    const mean4 = (x[0]! + x[1]! + x[4]! + x[5]!) / 4;
    assert.ok(Math.abs(r.x.data[0]! - mean4) < 1e-6, `${r.x.data[0]} vs ${mean4}`);
    // the subset is seeded by the load options: same seed, same subset; another seed, another subset
    const again = await loadDataset(`idx:${dir}#perClass=4`, { seed: 7 });
    const other = await loadDataset(`idx:${dir}#perClass=4`, { seed: 8 });
    assert.deepEqual(again.x.data, subsetPerClass(raw, 4, 7).x.data);
    assert.notDeepEqual(other.x.data, again.x.data);
    // the order is fixed whatever the order in the fragment
    const swapped = await loadDataset(`idx:${dir}#perClass=4,normalize=0.5:0.25,resize=3x2`, { seed: 7 });
    assert.deepEqual(swapped.x.data, ds.x.data);
    // options of the kind still work next to the transforms; bilinear on request
    const bil = await loadDataset(`idx:${dir}#split=train,resize=3x2,resizeMethod=bilinear`);
    assert.deepEqual(bil.x.data, resizeImages(raw, 3, 2, { method: 'bilinear' }).x.data);
    // a square size may be given once
    assert.deepEqual((await loadDataset(`idx:${dir}#resize=2`)).sampleShape, [1, 2, 2]);
  } finally {
    cleanup();
  }
});

test('synthetic datasets take normalize and perClass (seeded by the fragment seed); resize needs images', async () => {
  const base = await loadDataset('spirals#n=300,classes=3,seed=4');
  const ds = await loadDataset('spirals#n=300,classes=3,seed=4,normalize=1:2,perClass=20');
  assert.deepEqual(ds.y, subsetPerClass(base, 20, 4).y);
  assert.deepEqual(ds.x.data, subsetPerClass(normalize(base, 1, 2), 20, 4).x.data);
  assert.equal(ds.y.length, 60);
  await assertGeolensError(() => loadDataset('moons#resize=2x2'), 'BAD_ARGUMENT', 'resize needs image samples', '[2]');
});

test('bad transform values are BAD_ARGUMENT errors that say what to write', async () => {
  await assertGeolensError(() => loadDataset('moons#resize=10by10'), 'BAD_ARGUMENT', 'resize=HxW');
  await assertGeolensError(() => loadDataset('moons#resize=0x3'), 'BAD_ARGUMENT', 'resize=HxW');
  await assertGeolensError(() => loadDataset('moons#normalize=0.5'), 'BAD_ARGUMENT', 'normalize=<mean>:<std>');
  await assertGeolensError(() => loadDataset('moons#normalize=0.5:0'), 'BAD_ARGUMENT', 'std > 0');
  await assertGeolensError(() => loadDataset('moons#normalize=a:1'), 'BAD_ARGUMENT', 'normalize=');
  await assertGeolensError(() => loadDataset('moons#perClass=2.5'), 'BAD_ARGUMENT', 'positive integer');
  await assertGeolensError(() => loadDataset('moons#perClass=0'), 'BAD_ARGUMENT', 'positive integer');
  await assertGeolensError(() => loadDataset('moons#resizeMethod=cubic'), 'BAD_ARGUMENT', 'area', 'bilinear');
  await assertGeolensError(() => loadDataset('moons#resizeMethod=area'), 'BAD_ARGUMENT', 'needs resize');
  // unknown keys list the transforms among the allowed ones
  await assertGeolensError(() => loadDataset('moons#scale=2'), 'BAD_ARGUMENT', "unknown option 'scale'", 'resize', 'normalize', 'perClass');
  // a misspelt split value is refused, not read as the default part (a user's report: #split=tset trained on train)
  await assertGeolensError(() => loadDataset('idx:../shared/data/mnist#split=tset'), 'BAD_ARGUMENT', 'split must be train or test', "'tset'");
  // a class with too few samples for perClass
  await assertGeolensError(() => loadDataset('moons#n=20,perClass=50'), 'BAD_ARGUMENT');
});

const mnistDir = path.join(sharedData, 'mnist');
const skip = existsSync(path.join(mnistDir, 't10k-images-idx3-ubyte.gz')) ? false : `no MNIST files in ${mnistDir}`;
test('MNIST as in He & Su: resize=10x10, normalize=0.5:0.5, perClass=100 gives n = 1000 in [-1, 1]', { skip }, async () => {
  const ds = await loadDataset(`idx:${mnistDir}#resize=10x10,normalize=0.5:0.5,perClass=100`, { seed: 666 });
  assert.deepEqual(ds.x.shape, [1000, 1, 10, 10]);
  assert.deepEqual(classCounts(ds.y, 10), new Array(10).fill(100));
  let min = Infinity;
  let max = -Infinity;
  for (const v of ds.x.data) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.ok(min >= -1 - 1e-6 && min < -0.99 && max <= 1 + 1e-6 && max > 0.5, `range [${min}, ${max}]`);
  assert.match(ds.name, /10x10/);
});
