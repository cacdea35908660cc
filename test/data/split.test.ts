import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  concatDatasets,
  minibatchOrder,
  selectSamples,
  splitDataset,
  subsetPerClass,
} from '../../src/data/split.js';
import { curvedManifoldMixture, spirals } from '../../src/data/synthetic.js';
import { featureStats, normalize, resizeImages, standardize } from '../../src/data/transform.js';
import { classCounts, validateDataset, type Dataset } from '../../src/data/types.js';
import { Rng } from '../../src/util/random.js';
import { assertGeolensError } from './fixtures.js';

/** An unbalanced dataset: class c has 10·(c+1) samples, x = [index]. */
function unbalanced(): Dataset {
  const y: number[] = [];
  for (let c = 0; c < 4; c++) for (let i = 0; i < 10 * (c + 1); i++) y.push(c);
  const n = y.length;
  return {
    name: 'unbalanced',
    x: { data: Float32Array.from({ length: n }, (_, i) => i), shape: [n, 1] },
    y: Int32Array.from(y),
    numClasses: 4,
    sampleShape: [1],
  };
}

test('splitDataset: deterministic, disjoint, complete, order kept', () => {
  const ds = spirals({ n: 500, seed: 2 });
  const a = splitDataset(ds, { test: 0.2, seed: 5 });
  const b = splitDataset(ds, { test: 0.2, seed: 5 });
  const c = splitDataset(ds, { test: 0.2, seed: 6 });
  assert.deepEqual(a.test.x.data, b.test.x.data);
  assert.deepEqual(a.train.y, b.train.y);
  assert.notDeepEqual(a.test.x.data, c.test.x.data);
  assert.equal(a.test.y.length, 100);
  assert.equal(a.train.y.length, 400);
  validateDataset(a.train);
  validateDataset(a.test);
  // every original row appears exactly once
  const key = (d: Dataset, i: number): string => `${d.x.data[2 * i]},${d.x.data[2 * i + 1]}`;
  const all = new Set<string>();
  for (const part of [a.train, a.test]) for (let i = 0; i < part.y.length; i++) all.add(key(part, i));
  assert.equal(all.size, 500);
});

test('splitDataset: stratified keeps class proportions exactly; counts and fractions', () => {
  const ds = unbalanced(); // 10, 20, 30, 40
  const { train, test } = splitDataset(ds, { test: 0.3, seed: 1 });
  assert.deepEqual(classCounts(test.y, 4), [3, 6, 9, 12]);
  assert.deepEqual(classCounts(train.y, 4), [7, 14, 21, 28]);
  // order kept: x holds the original index, so it must increase
  for (const part of [train, test]) for (let i = 1; i < part.y.length; i++) assert.ok(part.x.data[i]! > part.x.data[i - 1]!);
  const byCount = splitDataset(ds, { test: 7, seed: 1 });
  assert.equal(byCount.test.y.length, 7);
  assert.deepEqual(classCounts(byCount.test.y, 4), [1, 1, 2, 3]); // 0.7, 1.4, 2.1, 2.8 by largest remainder
  const plain = splitDataset(ds, { test: 0.3, seed: 1, stratified: false });
  assert.equal(plain.test.y.length, 30);
});

test('splitDataset: bad sizes are BAD_ARGUMENT', async () => {
  const ds = unbalanced();
  await assertGeolensError(() => splitDataset(ds, { test: 0 }), 'BAD_ARGUMENT', 'test');
  await assertGeolensError(() => splitDataset(ds, { test: 100 }), 'BAD_ARGUMENT', 'both parts');
  await assertGeolensError(() => splitDataset(ds, { test: 1.5 }), 'BAD_ARGUMENT');
});

test('subsetPerClass: exact counts, deterministic, error when a class is short', async () => {
  const ds = unbalanced();
  const s = subsetPerClass(ds, 5, 666);
  assert.deepEqual(classCounts(s.y, 4), [5, 5, 5, 5]);
  assert.deepEqual(subsetPerClass(ds, 5, 666).x.data, s.x.data);
  assert.notDeepEqual(subsetPerClass(ds, 5, 667).x.data, s.x.data);
  await assertGeolensError(() => subsetPerClass(ds, 11), 'BAD_ARGUMENT', 'class 0', '10 samples');
});

test('minibatchOrder: a permutation per epoch, seeded, dropLast', () => {
  const rng = new Rng(3);
  const e1 = minibatchOrder(10, 4, rng);
  const e2 = minibatchOrder(10, 4, rng);
  assert.deepEqual(e1.map((b) => b.length), [4, 4, 2]);
  const seen = [...e1.flatMap((b) => [...b])].sort((a, b) => a - b);
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(e1.map((b) => [...b]), e2.map((b) => [...b]));
  const again = new Rng(3);
  assert.deepEqual(minibatchOrder(10, 4, again).map((b) => [...b]), e1.map((b) => [...b]));
  assert.deepEqual(minibatchOrder(10, 4, new Rng(3), { dropLast: true }).map((b) => b.length), [4, 4]);
  assert.deepEqual(minibatchOrder(3, 4, new Rng(3), { dropLast: true }), []);
});

test('selectSamples and concatDatasets', () => {
  const ds = unbalanced();
  const s = selectSamples(ds, [3, 0, 99]);
  assert.deepEqual([...s.x.data], [3, 0, 99]);
  assert.deepEqual([...s.y], [0, 0, 3]);
  const c = concatDatasets([s, s], 'twice');
  assert.deepEqual([...c.x.data], [3, 0, 99, 3, 0, 99]);
  assert.deepEqual(c.x.shape, [6, 1]);
});

test('standardize / normalize', async () => {
  const ds = curvedManifoldMixture({ n: 300, ambientDim: 8 });
  const { dataset, stats } = standardize(ds);
  const again = featureStats(dataset);
  for (let j = 0; j < 8; j++) {
    assert.ok(Math.abs(again.mean[j]!) < 1e-5);
    assert.ok(Math.abs(again.std[j]! - 1) < 1e-4);
  }
  assert.equal(stats.mean.length, 8);
  // constant feature: std 1, not a division by zero
  const flat: Dataset = { name: 'flat', x: { data: new Float32Array([2, 2, 2, 1, 2, 3]), shape: [3, 2] }, y: new Int32Array(3), numClasses: 1, sampleShape: [2] };
  const st = featureStats({ ...flat, x: { data: new Float32Array([2, 1, 2, 2, 2, 3]), shape: [3, 2] } });
  assert.equal(st.std[0], 1);
  // scalar and per-channel normalize
  const img: Dataset = { name: 'img', x: { data: new Float32Array([0, 1, 0.5, 0.5]), shape: [1, 2, 1, 2] }, y: new Int32Array(1), numClasses: 1, sampleShape: [2, 1, 2] };
  assert.deepEqual([...normalize(img, 0.5, 0.5).x.data], [-1, 1, 0, 0]);
  assert.deepEqual([...normalize(img, [0, 0.5], [1, 0.25]).x.data], [0, 1, 0, 0]);
  await assertGeolensError(() => normalize(img, [1, 2, 3], 1), 'BAD_ARGUMENT', '3 values');
  await assertGeolensError(() => normalize(flat, 0, 0), 'BAD_ARGUMENT', 'std');
});

function imageDataset(h: number, w: number, c: number | undefined, f: (r: number, q: number, ch: number) => number): Dataset {
  const ch = c ?? 1;
  const data = new Float32Array(ch * h * w);
  for (let k = 0; k < ch; k++) for (let r = 0; r < h; r++) for (let q = 0; q < w; q++) data[(k * h + r) * w + q] = f(r, q, k);
  const sampleShape = c === undefined ? [h, w] : [c, h, w];
  return { name: 'img', x: { data, shape: [1, ...sampleShape] }, y: new Int32Array(1), numClasses: 1, sampleShape };
}

test('resizeImages: area averages blocks; constants stay constant; layouts kept', async () => {
  const ds = imageDataset(4, 4, undefined, (r, q) => r * 4 + q);
  const area = resizeImages(ds, 2, 2, { method: 'area' });
  assert.deepEqual(area.sampleShape, [2, 2]);
  assert.deepEqual([...area.x.data], [2.5, 4.5, 10.5, 12.5]);
  // non-integer factor: 28 → 10 keeps the mean of a constant and of a linear ramp's total
  const ramp = imageDataset(28, 28, 3, (r, q, k) => k + 0.01 * q);
  for (const method of ['area', 'bilinear'] as const) {
    for (const antialias of [true, false]) {
      const out = resizeImages(ramp, 10, 10, { method, antialias });
      assert.deepEqual(out.x.shape, [1, 3, 10, 10]);
      assert.ok(Math.abs(out.x.data[0]! - 0) < 0.05);
      assert.ok(Math.abs(out.x.data[200]! - 2) < 0.05); // channel 2, first column
      for (let r = 0; r < 10; r++) assert.ok(Math.abs(out.x.data[100 + r * 10 + 3]! - out.x.data[100 + 3]!) < 1e-6); // rows equal
    }
  }
  // bilinear without antialias on a 2x upsample reproduces torch's half-pixel interpolation
  const up = resizeImages(imageDataset(1, 2, undefined, (_r, q) => q), 1, 4, { antialias: false });
  assert.deepEqual([...up.x.data], [0, 0.25, 0.75, 1]);
  // antialiased bilinear 4 → 2 (Pillow's precompute_coeffs): output 0 is centred at 1.0 with support 2; input pixel
  // i sits at i + 0.5, so pixels 0, 1, 2 get triangle weights 0.75, 0.75, 0.25 (normalized)
  const aa = resizeImages(imageDataset(1, 4, undefined, (_r, q) => q), 1, 2);
  assert.ok(Math.abs(aa.x.data[0]! - (0 * 0.75 + 1 * 0.75 + 2 * 0.25) / 1.75) < 1e-6);
  assert.ok(Math.abs(aa.x.data[1]! - (1 * 0.25 + 2 * 0.75 + 3 * 0.75) / 1.75) < 1e-6);
  await assertGeolensError(() => resizeImages(curvedManifoldMixture({ n: 10 }), 2, 2), 'BAD_SHAPE', 'sample shape');
});
