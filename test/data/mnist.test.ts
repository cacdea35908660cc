import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseIdx } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/node.js';
import { subsetPerClass } from '../../src/data/split.js';
import { normalize, resizeImages } from '../../src/data/transform.js';
import { classCounts } from '../../src/data/types.js';
import { sharedData } from './fixtures.js';

const mnistDir = path.join(sharedData, 'mnist');
const present = existsSync(path.join(mnistDir, 't10k-images-idx3-ubyte.gz')) && existsSync(path.join(mnistDir, 't10k-labels-idx1-ubyte.gz'));
const skip = present ? false : `MNIST t10k files not found in ${mnistDir} (see ../shared/data/README.md)`;
if (skip) console.log(`skipping MNIST tests: ${skip}`);

test('MNIST t10k (real files): 10000 images, labels, pixel range', { skip }, async () => {
  const ds = await loadDataset(`idx:${mnistDir}`); // only t10k is present: falls back to the test split
  assert.equal(ds.name, 'mnist-t10k');
  assert.deepEqual(ds.x.shape, [10000, 1, 28, 28]);
  assert.deepEqual(ds.sampleShape, [1, 28, 28]);
  assert.equal(ds.numClasses, 10);
  assert.deepEqual([...ds.y.subarray(0, 5)], [7, 2, 1, 0, 4]);
  assert.deepEqual(classCounts(ds.y, 10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of ds.x.data) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  const mean = sum / ds.x.data.length;
  assert.ok(Math.abs(mean - 0.1325) < 0.002, `mean pixel ${mean}`); // MNIST test-set mean ≈ 0.1325
  // the same files by name, explicitly
  const img = path.join(mnistDir, 't10k-images-idx3-ubyte.gz');
  const viaFile = await loadDataset(`idx:${img}`);
  assert.deepEqual(viaFile.y, ds.y);
  assert.equal(viaFile.name, 'mnist-t10k');
  // the pure parser on a Node Buffer (a view into a shared pool) gives the same bytes
  const raw = parseIdx(readFileSync(img), { name: img });
  assert.deepEqual(raw.dims, [10000, 28, 28]);
  assert.equal(raw.type, 'u8');
  for (let i = 0; i < raw.data.length; i += 997) assert.equal(ds.x.data[i], Math.fround(raw.data[i]! / 255));
});

test('MNIST → law-of-data-separation input: 100 per class, 10×10, normalized (0.5, 0.5)', { skip }, async () => {
  const ds = await loadDataset(`idx:${mnistDir}#split=test`);
  const sub = subsetPerClass(ds, 100, 666);
  assert.deepEqual(classCounts(sub.y, 10), new Array(10).fill(100));
  const small = resizeImages(sub, 10, 10);
  assert.deepEqual(small.x.shape, [1000, 1, 10, 10]);
  const norm = normalize(small, 0.5, 0.5);
  let min = Infinity;
  let max = -Infinity;
  for (const v of norm.x.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.ok(min >= -1 && max <= 1 && max > 0.5, `range [${min}, ${max}]`);
  // area-averaging keeps the mean intensity of each image exactly
  const area = resizeImages(sub, 10, 10, { method: 'area' });
  for (const i of [0, 500, 999]) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < 784; j++) a += sub.x.data[i * 784 + j]! / 784;
    for (let j = 0; j < 100; j++) b += area.x.data[i * 100 + j]! / 100;
    assert.ok(Math.abs(a - b) < 1e-5);
  }
});
