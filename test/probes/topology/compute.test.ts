import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classDiameter,
  classicalMds,
  classifierDistance,
  distanceCount,
  distanceMatrix,
  hoeffdingHalfWidth,
  hoeffdingInterval,
  matrixCorrelation,
  metricChecks,
  parameterDistanceMatrix,
  predictionsFromLogits,
  quotientMds,
  singleLinkageClasses,
  type ClassifierPredictions,
} from '../../../src/probes/topology/index.js';
import { GeolensError } from '../../../src/errors.js';
import { Rng } from '../../../src/util/random.js';

const isCode = (code: string) => (e: unknown) => e instanceof GeolensError && e.code === code;

/** Predictions from predicted labels and true labels (no ties). */
function preds(predicted: ArrayLike<number>, labels: ArrayLike<number>): ClassifierPredictions {
  const m = labels.length;
  const p = Int32Array.from(predicted);
  return { predicted: p, correct: Uint8Array.from({ length: m }, (_, i) => (p[i] === labels[i] ? 1 : 0)), tied: new Uint8Array(m) };
}

/** A random linear classifier argmax(x·W + b) on points x ([m, d]). */
function linearClassifier(rng: Rng, x: Float64Array, m: number, d: number, C: number, labels: Int32Array): ClassifierPredictions {
  const W = rng.fillNormal(new Float64Array(d * C));
  const b = rng.fillNormal(new Float64Array(C), 0.5);
  const logits = new Float64Array(m * C);
  for (let i = 0; i < m; i++) for (let c = 0; c < C; c++) {
    let s = b[c]!;
    for (let a = 0; a < d; a++) s += x[i * d + a]! * W[a * C + c]!;
    logits[i * C + c] = s;
  }
  return predictionsFromLogits(logits, m, C, labels, 0);
}

test('predictionsFromLogits: argmax (lowest index on a tie), correctness, ties within ε on the softmax gap', () => {
  // point 0: clear class 2; point 1: exact tie between 0 and 1 → 0; point 2: gap of probabilities known in closed form
  const z = 0.01;
  const logits = [0, 1, 5, 3, 3, -1, z, 0, -20];
  const labels = [2, 1, 0];
  const p = predictionsFromLogits(logits, 3, 3, labels, 0);
  assert.deepEqual([...p.predicted], [2, 0, 0]);
  assert.deepEqual([...p.correct], [1, 0, 1]);
  assert.deepEqual([...p.tied], [0, 1, 0]);
  const gap = (Math.exp(z) - 1) / (Math.exp(z) + 1 + Math.exp(-20)); // p(1) − p(2) of point 2
  assert.equal(predictionsFromLogits(logits, 3, 3, labels, gap * 1.0001).tied[2], 1);
  assert.equal(predictionsFromLogits(logits, 3, 3, labels, gap * 0.9999).tied[2], 0);
  assert.equal(p.accuracy, 2 / 3);
  assert.equal(p.tieShare, 1 / 3);
  // float32 logits and large values: no overflow (the max is subtracted)
  const big = predictionsFromLogits(new Float32Array([1000, 999, -1000, 2000]), 2, 2, [0, 1], 0.1);
  assert.deepEqual([...big.predicted], [0, 1]);
  assert.deepEqual([...big.tied], [0, 0]);
  assert.throws(() => predictionsFromLogits([0, Number.NaN], 1, 2, [0], 0), isCode('BAD_ARGUMENT'));
  assert.throws(() => predictionsFromLogits([0, 1, 2], 1, 2, [0], 0), isCode('BAD_SHAPE'));
  assert.throws(() => predictionsFromLogits([0], 1, 1, [0], 0), isCode('BAD_ARGUMENT'));
  assert.throws(() => predictionsFromLogits([0, 1], 1, 2, [0], 2), isCode('BAD_ARGUMENT'));
});

test('metric axioms on random classifiers: d ∈ [0, 1], d(a, a) = 0, symmetry, triangle inequality, |acc − acc′| ≤ d, correctness ≤ disagreement', () => {
  const rng = new Rng(11);
  const m = 300;
  const d = 4;
  const C = 5;
  const x = rng.fillNormal(new Float64Array(m * d));
  const labels = Int32Array.from({ length: m }, () => rng.int(C));
  const nets: ClassifierPredictions[] = [];
  for (let k = 0; k < 6; k++) nets.push(linearClassifier(rng, x, m, d, C, labels)); // random linear classifiers
  for (let k = 0; k < 4; k++) nets.push(preds(Int32Array.from({ length: m }, () => rng.int(C)), labels)); // random prediction vectors
  nets.push(preds(nets[0]!.predicted, labels)); // a copy: distance 0 to net 0
  const n = nets.length;
  for (const reading of ['correctness', 'disagreement'] as const) {
    const D = distanceMatrix(nets, reading);
    for (let i = 0; i < n; i++) {
      assert.equal(D[i * n + i], 0);
      for (let j = 0; j < n; j++) {
        const v = D[i * n + j]!;
        assert.ok(v >= 0 && v <= 1);
        assert.equal(v, D[j * n + i]);
        assert.equal(v, distanceCount(nets[i]!, nets[j]!, reading) / m);
        for (let k = 0; k < n; k++) assert.ok(D[i * n + k]! <= D[i * n + j]! + D[j * n + k]! + 1e-15, `${reading}: triangle ${i} ${j} ${k}`);
      }
    }
    assert.equal(D[0 * n + (n - 1)], 0);
    const acc = nets.map((p) => p.correct.reduce((s, v) => s + v, 0) / m);
    const checks = metricChecks(D, n, acc);
    assert.ok(checks.symmetry.ok && checks.triangle.ok && checks.accuracyBound.ok);
    assert.equal(checks.triangle.triples, n * (n - 1) * (n - 2));
    assert.equal(checks.accuracyBound.pairs, (n * (n - 1)) / 2);
  }
  // correctness ≤ disagreement pointwise (same prediction ⇒ same correctness), and the brute-force definitions
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = nets[i]!;
      const b = nets[j]!;
      let dc = 0;
      let dd = 0;
      for (let t = 0; t < m; t++) {
        dc += Math.abs((a.predicted[t] === labels[t] ? 1 : 0) - (b.predicted[t] === labels[t] ? 1 : 0));
        dd += a.predicted[t] !== b.predicted[t] ? 1 : 0;
      }
      assert.equal(classifierDistance(a, b, 'correctness'), dc / m);
      assert.equal(classifierDistance(a, b, 'disagreement'), dd / m);
      assert.ok(dc <= dd);
    }
  }
  // two classes: the readings coincide (a different prediction means exactly one of the two is right)
  const y2 = Int32Array.from({ length: m }, () => rng.int(2));
  const two = Array.from({ length: 4 }, () => linearClassifier(rng, x, m, d, 2, y2));
  assert.deepEqual(distanceMatrix(two, 'correctness'), distanceMatrix(two, 'disagreement'));
  // zero distance in the correctness reading does not need equal predictions: two different wrong labels
  const y = [0, 0];
  assert.equal(classifierDistance(preds([1, 0], y), preds([2, 0], y), 'correctness'), 0);
  assert.equal(classifierDistance(preds([1, 0], y), preds([2, 0], y), 'disagreement'), 0.5);
  assert.throws(() => classifierDistance(preds([1], [0]), preds([1, 0], y), 'correctness'), isCode('BAD_SHAPE'));
});

test('metricChecks finds planted violations (asymmetry, a broken triangle, the accuracy bound)', () => {
  // d(0, 2) = 1 > d(0, 1) + d(1, 2) = 0.2 + 0.3, and d(1, 0) ≠ d(0, 1)
  const D = [0, 0.2, 1, 0.25, 0, 0.3, 1, 0.3, 0];
  const c = metricChecks(D, 3, [0.9, 0.2, 0.5]);
  assert.equal(c.symmetry.ok, false);
  assert.ok(Math.abs(c.symmetry.maxAsymmetry - 0.05) < 1e-15);
  assert.equal(c.triangle.ok, false);
  assert.deepEqual(c.triangle.worst, [0, 1, 2]);
  assert.ok(Math.abs(c.triangle.maxViolation - 0.5) < 1e-12);
  assert.equal(c.accuracyBound.ok, false); // |0.9 − 0.2| = 0.7 > 0.2
  assert.ok(Math.abs(c.accuracyBound.maxViolation - 0.5) < 1e-12);
  assert.throws(() => metricChecks([0, 1], 2), isCode('BAD_SHAPE'));
});

test('Hoeffding: the closed form, and the interval covers the true distance at ≥ 1 − δ in a seeded simulation', () => {
  assert.equal(hoeffdingHalfWidth(1000, 0.05), Math.sqrt(Math.log(40) / 2000));
  assert.deepEqual(hoeffdingInterval(0.01, 0.05), [0, 0.060000000000000005]);
  assert.deepEqual(hoeffdingInterval(0.98, 0.05), [0.9299999999999999, 1]);
  assert.throws(() => hoeffdingHalfWidth(100, 0), isCode('BAD_ARGUMENT'));
  assert.throws(() => hoeffdingHalfWidth(0, 0.05), isCode('BAD_ARGUMENT'));
  // a population of N points and two fixed classifiers on it; the true distance is the population mean
  const rng = new Rng(2025);
  const N = 20000;
  const C = 4;
  const labels = Int32Array.from({ length: N }, () => rng.int(C));
  const a = Int32Array.from(labels, (y) => (rng.uniform() < 0.7 ? y : rng.int(C)));
  const b = Int32Array.from(a, (p, i) => (rng.uniform() < 0.35 ? rng.int(C) : rng.uniform() < 0.2 ? labels[i]! : p));
  const A = preds(a, labels);
  const B = preds(b, labels);
  const m = 200;
  const delta = 0.05;
  const reps = 2000;
  const h = hoeffdingHalfWidth(m, delta);
  for (const reading of ['correctness', 'disagreement'] as const) {
    const truth = classifierDistance(A, B, reading);
    assert.ok(truth > 0.15 && truth < 0.5, `${reading}: true distance ${truth}`);
    let covered = 0;
    let coveredThird = 0;
    for (let r = 0; r < reps; r++) {
      const idx = Int32Array.from({ length: m }, () => rng.int(N));
      const sa = preds(Int32Array.from(idx, (i) => a[i]!), Int32Array.from(idx, (i) => labels[i]!));
      const sb = preds(Int32Array.from(idx, (i) => b[i]!), Int32Array.from(idx, (i) => labels[i]!));
      const est = classifierDistance(sa, sb, reading);
      const [lo, hi] = hoeffdingInterval(est, h);
      if (lo <= truth && truth <= hi) covered++;
      if (Math.abs(est - truth) <= h / 3) coveredThird++;
    }
    const sigma = Math.sqrt((delta * (1 - delta)) / reps);
    assert.ok(covered / reps >= 1 - delta - 3 * sigma, `${reading}: coverage ${covered / reps}`);
    // the simulation can fail: a third of the width covers well below 1 − δ
    assert.ok(coveredThird / reps < 1 - delta - 3 * sigma, `${reading}: coverage of h/3 ${coveredThird / reps}`);
  }
});

test('single linkage: chains join, the diameter shows the chain, isolated networks stay apart', () => {
  // 0–1 and 1–2 within h = 0.1, 0–2 at 0.18; 3 far away
  const n = 4;
  const D = new Float64Array(n * n);
  const set = (i: number, j: number, v: number): void => {
    D[i * n + j] = v;
    D[j * n + i] = v;
  };
  set(0, 1, 0.09);
  set(1, 2, 0.09);
  set(0, 2, 0.18);
  set(0, 3, 0.5);
  set(1, 3, 0.5);
  set(2, 3, 0.45);
  const c = singleLinkageClasses(D, n, (d) => d <= 0.1);
  assert.deepEqual(c.classOf, [0, 0, 0, 1]);
  assert.deepEqual(c.members, [[0, 1, 2], [3]]);
  assert.equal(classDiameter(D, n, c.members[0]!), 0.18);
  const exact = singleLinkageClasses(D, n, (d) => d === 0);
  assert.deepEqual(exact.members, [[0], [1], [2], [3]]);
  assert.throws(() => singleLinkageClasses([0], 2, () => true), isCode('BAD_SHAPE'));
});

function euclidean(pts: number[][]): Float64Array {
  const n = pts.length;
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) D[i * n + j] = Math.hypot(...pts[i]!.map((v, a) => v - pts[j]![a]!));
  return D;
}

test('classical MDS reproduces a planar configuration (distances exact, 2 non-zero eigenvalues) and flags non-Euclidean matrices', () => {
  const rng = new Rng(5);
  const pts = Array.from({ length: 7 }, () => [rng.normal(), 3 * rng.normal()]);
  const n = pts.length;
  const D = euclidean(pts);
  const e = classicalMds(D, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dd = Math.hypot(e.coordinates[2 * i]! - e.coordinates[2 * j]!, e.coordinates[2 * i + 1]! - e.coordinates[2 * j + 1]!);
      assert.ok(Math.abs(dd - D[i * n + j]!) < 1e-9, `${i} ${j}: ${dd} vs ${D[i * n + j]}`);
    }
  }
  assert.ok(Math.abs(e.explained! - 1) < 1e-12);
  assert.ok(e.negativeShare < 1e-12);
  for (let k = 2; k < n; k++) assert.ok(Math.abs(e.eigenvalues[k]!) < 1e-9);
  // centred: the coordinates sum to 0 on each axis
  for (let a = 0; a < 2; a++) assert.ok(Math.abs(Array.from({ length: n }, (_, i) => e.coordinates[2 * i + a]!).reduce((s, v) => s + v, 0)) < 1e-9);
  // three dimensions: two axes hold part of the mass
  const cube = euclidean([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]);
  const e3 = classicalMds(cube, 5);
  assert.ok(e3.explained! > 0.5 && e3.explained! < 1);
  // the star K(1,3) with path metric (centre–leaf 1, leaf–leaf 2) is not Euclidean: negative eigenvalues
  const star = [0, 1, 1, 1, 1, 0, 2, 2, 1, 2, 0, 2, 1, 2, 2, 0];
  assert.ok(classicalMds(star, 4).negativeShare > 0.01);
  // small cases
  assert.deepEqual([...classicalMds([0], 1).coordinates], [0, 0]);
  const two = classicalMds([0, 0.3, 0.3, 0], 2);
  assert.ok(Math.abs(Math.abs(two.coordinates[0]! - two.coordinates[2]!) - 0.3) < 1e-12);
  assert.equal(classicalMds([0, 0, 0, 0], 2).explained, null);
});

test('quotient MDS: networks at distance 0 get one point, the classes keep their distances', () => {
  const base = euclidean([[0, 0], [1, 0], [0, 2]]);
  // networks 0, 3 are one class (d = 0), 1, 4 another; 2 alone
  const map = [0, 1, 2, 0, 1];
  const n = map.length;
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) D[i * n + j] = base[map[i]! * 3 + map[j]!]!;
  const classes = singleLinkageClasses(D, n, (d) => d === 0);
  assert.deepEqual(classes.members, [[0, 3], [1, 4], [2]]);
  const { embedding, coordinates } = quotientMds(D, n, classes);
  assert.equal(embedding.coordinates.length, 6);
  assert.deepEqual([coordinates[0], coordinates[1]], [coordinates[6], coordinates[7]]);
  assert.ok(Math.abs(Math.hypot(coordinates[0]! - coordinates[4]!, coordinates[1]! - coordinates[5]!) - 2) < 1e-9);
});

test('parameter distances and their correlation with another matrix', () => {
  const v = [new Float32Array([0, 0, 0]), new Float32Array([3, 4, 0]), new Float32Array([0, 0, 1])];
  const P = parameterDistanceMatrix(v);
  assert.deepEqual([...P], [0, 5, 1, 5, 0, Math.sqrt(26), 1, Math.sqrt(26), 0]);
  assert.throws(() => parameterDistanceMatrix([new Float32Array(2), new Float32Array(3)]), isCode('BAD_SHAPE'));
  // a monotone transform has Spearman 1
  const Q = P.map((x) => x * x * x);
  const c = matrixCorrelation(P, Q, 3);
  assert.ok(Math.abs(c.spearman! - 1) < 1e-12);
  assert.ok(c.pearson! < 1 && c.pearson! > 0.9);
  assert.deepEqual(matrixCorrelation([0, 1, 1, 0], [0, 2, 2, 0], 2), { pearson: null, spearman: null });
});
