import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  concentricCircles,
  curvedManifoldMixture,
  spirals,
  syntheticByName,
  twoMoons,
} from '../../src/data/synthetic.js';
import { splitDataset } from '../../src/data/split.js';
import { standardize } from '../../src/data/transform.js';
import { classCounts, validateDataset, type Dataset } from '../../src/data/types.js';
import { assertGeolensError, covariance, symmetricEigenvalues, varianceShare } from './fixtures.js';

const bytes = (ds: Dataset): Buffer => Buffer.concat([Buffer.from(ds.x.data.buffer), Buffer.from(ds.y.buffer)]);

const generators: [string, (o: { n?: number; seed?: number }) => Dataset][] = [
  ['moons', twoMoons],
  ['spirals', spirals],
  ['circles', concentricCircles],
  ['manifold', curvedManifoldMixture],
];

for (const [name, gen] of generators) {
  test(`${name}: same seed gives identical bytes, another seed differs`, () => {
    const a = gen({ n: 301, seed: 7 });
    const b = gen({ n: 301, seed: 7 });
    const c = gen({ n: 301, seed: 8 });
    assert.ok(bytes(a).equals(bytes(b)));
    assert.ok(!Buffer.from(a.x.data.buffer).equals(Buffer.from(c.x.data.buffer)));
  });

  test(`${name}: shapes, float32, balanced classes, valid`, () => {
    const ds = gen({ n: 1003, seed: 1 });
    validateDataset(ds);
    assert.ok(ds.x.data instanceof Float32Array);
    assert.ok(ds.y instanceof Int32Array);
    assert.equal(ds.x.shape[0], 1003);
    assert.deepEqual(ds.x.shape.slice(1), ds.sampleShape);
    const counts = classCounts(ds.y, ds.numClasses);
    assert.equal(counts.reduce((s, v) => s + v, 0), 1003);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `unbalanced: ${counts}`);
    // shuffled: not sorted by class
    let changes = 0;
    for (let i = 1; i < ds.y.length; i++) if (ds.y[i] !== ds.y[i - 1]) changes++;
    assert.ok(changes > ds.y.length / 4);
    assert.equal(syntheticByName(name, { n: 1003, seed: 1 }).x.data[5], ds.x.data[5]);
  });
}

test('2-D toys: defaults and options', () => {
  const m = twoMoons();
  assert.deepEqual([m.x.shape, m.numClasses], [[1000, 2], 2]);
  const s = spirals({ classes: 4, turns: 2, n: 400 });
  assert.deepEqual([s.x.shape, s.numClasses], [[400, 2], 4]);
  const c = concentricCircles({ rings: 3, n: 300, noise: 0 });
  assert.equal(c.numClasses, 3);
  for (let i = 0; i < 300; i++) {
    const r = Math.hypot(c.x.data[2 * i]!, c.x.data[2 * i + 1]!);
    assert.ok(Math.abs(r - (c.y[i]! + 1) / 3) < 1e-6);
  }
});

test('generators reject bad options with BAD_ARGUMENT', async () => {
  await assertGeolensError(() => twoMoons({ n: 0 }), 'BAD_ARGUMENT', 'n');
  await assertGeolensError(() => spirals({ noise: -1 }), 'BAD_ARGUMENT', 'noise');
  await assertGeolensError(() => curvedManifoldMixture({ intrinsicDim: 4, ambientDim: 3 }), 'BAD_ARGUMENT', 'ambientDim');
  await assertGeolensError(() => syntheticByName('blobs'), 'BAD_ARGUMENT', "'blobs'", "'manifold'");
  await assertGeolensError(() => syntheticByName('moons', { classes: 3 }), 'BAD_ARGUMENT', '2 classes');
});

test('manifold: defaults are n=2000, C=5, d=32; options change shape', () => {
  const ds = curvedManifoldMixture();
  assert.deepEqual([ds.x.shape, ds.numClasses, ds.sampleShape], [[2000, 32], 5, [32]]);
  assert.match(ds.source!, /intrinsicDim=2, ambientDim=32/);
  const other = curvedManifoldMixture({ n: 90, classes: 3, intrinsicDim: 3, ambientDim: 16 });
  assert.deepEqual([other.x.shape, other.numClasses], [[90, 16], 3]);
  // more classes than the subspace can hold as a simplex: Gaussian centres, still valid
  validateDataset(curvedManifoldMixture({ n: 200, classes: 12 }));
  // a subspace no larger than the manifold (nothing to bend into) and a 2-D ambient space
  validateDataset(curvedManifoldMixture({ n: 50, intrinsicDim: 2, ambientDim: 2 }));
  validateDataset(curvedManifoldMixture({ n: 50, intrinsicDim: 1, ambientDim: 2, classes: 3 }));
});

test('manifold: flat, noise-free classes are exactly k-dimensional; means sit on a regular simplex', () => {
  const k = 3;
  const ds = curvedManifoldMixture({ n: 600, classes: 4, intrinsicDim: k, ambientDim: 20, curvature: 0, noise: 0, seed: 3 });
  const d = 20;
  const means: Float64Array[] = [];
  for (let c = 0; c < 4; c++) {
    const rows = [...ds.y.keys()].filter((i) => ds.y[i] === c);
    const eig = symmetricEigenvalues(covariance(ds.x.data, rows, d), d);
    assert.ok(eig[k - 1]! > 0.1 && eig[k]! < 1e-9, `class ${c} eigenvalues ${eig.slice(0, k + 1)}`);
    const mu = new Float64Array(d);
    for (const r of rows) for (let j = 0; j < d; j++) mu[j]! += ds.x.data[r * d + j]! / rows.length;
    means.push(mu);
  }
  // sample means ≈ centres: pairwise distances roughly equal (√(2C/(C-1)) · separation = 1.63), up to sampling error
  const dist = (a: Float64Array, b: Float64Array): number => Math.hypot(...a.map((v, j) => v - b[j]!));
  for (let a = 0; a < 4; a++) for (let b = a + 1; b < 4; b++) assert.ok(Math.abs(dist(means[a]!, means[b]!) - 1.633) < 0.25);
});

test('manifold (defaults): each class is locally ~k-dimensional but globally curved', () => {
  const ds = curvedManifoldMixture();
  const d = 32;
  const k = 2;
  const x = ds.x.data;
  let curvedClasses = 0;
  for (let c = 0; c < ds.numClasses; c++) {
    const members = [...ds.y.keys()].filter((i) => ds.y[i] === c);
    const global = symmetricEigenvalues(covariance(x, members, d), d);
    const globalShare = varianceShare(global, k);
    let need90 = 0;
    while (varianceShare(global, ++need90) < 0.9);
    if (need90 > k) curvedClasses++;
    const local: number[] = [];
    for (let a = 0; a < members.length; a += 20) {
      const anchor = members[a]!;
      const near = members
        .map((m) => {
          let s = 0;
          for (let j = 0; j < d; j++) s += (x[m * d + j]! - x[anchor * d + j]!) ** 2;
          return [s, m] as const;
        })
        .sort((p, q) => p[0] - q[0])
        .slice(0, 20)
        .map((p) => p[1]);
      local.push(varianceShare(symmetricEigenvalues(covariance(x, near, d), d), k));
    }
    local.sort((p, q) => p - q);
    const localMedian = local[local.length >> 1]!;
    assert.ok(localMedian >= 0.9, `class ${c}: local PCA share in ${k} comps ${localMedian.toFixed(3)} < 0.9`);
    assert.ok(globalShare < localMedian - 0.05, `class ${c}: global share ${globalShare.toFixed(3)} vs local ${localMedian.toFixed(3)}`);
  }
  assert.ok(curvedClasses >= 4, `only ${curvedClasses} classes need more than ${k} global components for 90%`);
});

/** Held-out accuracy of multinomial logistic regression (full-batch gradient descent, float64). */
function linearAccuracy(train: Dataset, test: Dataset): number {
  const p = train.sampleShape[0]!;
  const C = train.numClasses;
  const W = new Float64Array((p + 1) * C);
  const n = train.y.length;
  const z = new Float64Array(C);
  for (let it = 0; it < 150; it++) {
    const g = new Float64Array(W.length);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < C; c++) {
        let s = W[p * C + c]!;
        for (let j = 0; j < p; j++) s += train.x.data[i * p + j]! * W[j * C + c]!;
        z[c] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let c = 0; c < C; c++) sum += (z[c] = Math.exp(z[c]! - max));
      for (let c = 0; c < C; c++) {
        const r = z[c]! / sum - (train.y[i] === c ? 1 : 0);
        for (let j = 0; j < p; j++) g[j * C + c]! += (r * train.x.data[i * p + j]!) / n;
        g[p * C + c]! += r / n;
      }
    }
    for (let q = 0; q < W.length; q++) W[q]! -= 1.0 * g[q]!;
  }
  let correct = 0;
  for (let i = 0; i < test.y.length; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < C; c++) {
      let s = W[p * C + c]!;
      for (let j = 0; j < p; j++) s += test.x.data[i * p + j]! * W[j * C + c]!;
      if (s > bestScore) [best, bestScore] = [c, s];
    }
    if (best === test.y[i]) correct++;
  }
  return correct / test.y.length;
}

function knnAccuracy(train: Dataset, test: Dataset, k = 5): number {
  const p = train.sampleShape[0]!;
  let correct = 0;
  for (let i = 0; i < test.y.length; i++) {
    const d: [number, number][] = [];
    for (let t = 0; t < train.y.length; t++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += (test.x.data[i * p + j]! - train.x.data[t * p + j]!) ** 2;
      d.push([s, train.y[t]!]);
    }
    d.sort((a, b) => a[0] - b[0]);
    const votes = new Array<number>(train.numClasses).fill(0);
    for (const [, c] of d.slice(0, k)) votes[c]!++;
    if (votes.indexOf(Math.max(...votes)) === test.y[i]) correct++;
  }
  return correct / test.y.length;
}

test('manifold (defaults): classes overlap for a linear model but are separable non-linearly', (t) => {
  const { train, test } = splitDataset(curvedManifoldMixture(), { test: 0.25, seed: 1 });
  const { dataset: trainZ, stats } = standardize(train);
  const testZ = standardize(test, stats).dataset;
  const lin = linearAccuracy(trainZ, testZ);
  const knn = knnAccuracy(trainZ, testZ);
  t.diagnostic(`held-out accuracy: softmax regression ${lin.toFixed(3)}, 5-NN ${knn.toFixed(3)}`);
  assert.ok(lin < 0.85, `linear accuracy ${lin} should be clearly below 100%`);
  assert.ok(lin > 0.3, `linear accuracy ${lin} should be above chance (0.2)`);
  assert.ok(knn > 0.95, `5-NN accuracy ${knn} should show the classes are separable`);
  assert.ok(knn - lin > 0.15);
});
