/**
 * Fashion-MNIST, He & Su's primary dataset, as Debian's dataset-fashion-mnist installs it: train and t10k IDX files in
 * one folder (/usr/share/datasets/fashion-mnist). `idx:<folder>` picks the training part by default and the test
 * part with #split=test. Skipped with the reason when the package is not installed
 * (apt-get install -y dataset-fashion-mnist; .ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadDataset } from '../../src/data/node.js';
import { classCounts } from '../../src/data/types.js';

const DIR = '/usr/share/datasets/fashion-mnist';
const present = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].every((f) => existsSync(`${DIR}/${f}`));
const skip = present ? false : `Fashion-MNIST not installed in ${DIR} (apt-get install -y dataset-fashion-mnist)`;
if (skip) console.log(`# skipping Fashion-MNIST tests: ${skip}`);

test('Fashion-MNIST: a folder with train and test files gives the training part by default, the test part with #split=test', { skip }, async () => {
  const train = await loadDataset(`idx:${DIR}`);
  assert.equal(train.name, 'fashion-mnist-train');
  assert.deepEqual(train.x.shape, [60000, 1, 28, 28]);
  assert.deepEqual(classCounts(train.y, 10), new Array(10).fill(6000));
  const t = await loadDataset(`idx:${DIR}#split=test`);
  assert.equal(t.name, 'fashion-mnist-t10k');
  assert.deepEqual(classCounts(t.y, 10), new Array(10).fill(1000));
  assert.deepEqual((await loadDataset(`idx:${DIR}#split=train`)).y.subarray(0, 5), train.y.subarray(0, 5));
});

test("Fashion-MNIST: He & Su's set-up, 10×10, normalised, 100 training images per class", { skip }, async () => {
  const ds = await loadDataset(`idx:${DIR}#split=train,resize=10x10,normalize=0.5:0.5,perClass=100`, { seed: 666 });
  assert.deepEqual(ds.x.shape, [1000, 1, 10, 10]);
  assert.deepEqual(classCounts(ds.y, 10), new Array(10).fill(100));
  assert.ok(Math.min(...ds.x.data) >= -1 && Math.max(...ds.x.data) <= 1);
});
