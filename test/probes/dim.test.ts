import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dimSpectrum,
  dimSpectrumFromGram,
  dataInformationMatrix,
  dimSpectrumStats,
  spectrumDistance,
  datasetDistanceMatrix,
  wasserstein1,
  foliationWalk,
} from '../../src/probes/dim/index.js';
import type { DimPointSpectrum } from '../../src/probes/dim/index.js';
import { symmetricEigen } from '../../src/linalg/eigen.js';
import { probabilityCovariance, probabilityCovarianceFactor } from '../../src/probes/dim/compute.js';
import { GeolensError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';

function softmax(z: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < z.length; i++) m = Math.max(m, z[i]!);
  const e = Float64Array.from(z, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Naive d×d D(x) = Σ_i p_i ∇log p_i ∇log p_iᵀ with ∇log p_i = J_i − Σ_j p_j J_j (float64, test only). */
function naiveD(J: ArrayLike<number>, p: ArrayLike<number>, C: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let j = 0; j < C; j++) for (let a = 0; a < d; a++) mean[a]! += p[j]! * J[j * d + a]!;
  const D = new Float64Array(d * d);
  for (let i = 0; i < C; i++) {
    const g = Float64Array.from({ length: d }, (_, a) => J[i * d + a]! - mean[a]!);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) D[a * d + b]! += p[i]! * g[a]! * g[b]!;
  }
  return D;
}

function randomPoint(rng: Rng, C: number, d: number, logitScale = 1.5): { J: Float64Array; p: Float64Array } {
  const J = rng.fillNormal(new Float64Array(C * d));
  const p = softmax(rng.fillNormal(new Float64Array(C), logitScale));
  return { J, p };
}

function batch(points: { J: Float64Array; p: Float64Array }[], C: number, d: number) {
  const B = points.length;
  const J = new Float64Array(B * C * d);
  const p = new Float64Array(B * C);
  points.forEach((pt, b) => {
    J.set(pt.J, b * C * d);
    p.set(pt.p, b * C);
  });
  return { J: { data: J, shape: [B, C, d] }, p: { data: p, shape: [B, C] } };
}

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

test('dim: Jᵀ(diag p − ppᵀ)J equals Σ p_i ∇log p_i ∇log p_iᵀ, and the spectrum reconstructs it to 1e-8', () => {
  const rng = new Rng(1);
  const C = 5;
  const d = 9;
  const pts = Array.from({ length: 6 }, () => randomPoint(rng, C, d));
  const { J, p } = batch(pts, C, d);
  const calls: number[] = [];
  const spec = dimSpectrum(J, p, { eigenvectors: true, onProgress: (done, total) => calls.push(done / total) });
  assert.deepEqual(calls.at(-1), 1);
  assert.equal(calls.length, 6);
  pts.forEach((pt, b) => {
    const naive = naiveD(pt.J, pt.p, C, d);
    const scale = maxAbs(naive);
    const direct = dataInformationMatrix(pt.J, pt.p, C, d);
    let err = 0;
    for (let i = 0; i < d * d; i++) err = Math.max(err, Math.abs(direct[i]! - naive[i]!));
    assert.ok(err < 1e-12 * scale, `dataInformationMatrix vs naive: ${err}`);
    const s = spec.points[b]!;
    const rec = new Float64Array(d * d);
    for (let k = 0; k < s.rank; k++) {
      const v = s.eigenvectors![k]!;
      for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) rec[a * d + c]! += s.eigenvalues[k]! * v[a]! * v[c]!;
    }
    err = 0;
    for (let i = 0; i < d * d; i++) err = Math.max(err, Math.abs(rec[i]! - naive[i]!));
    assert.ok(err < 1e-8 * scale, `Σ λ v vᵀ vs naive: ${err / scale}`);
    let tr = 0;
    for (let a = 0; a < d; a++) tr += naive[a * d + a]!;
    assert.ok(Math.abs(s.trace - tr) < 1e-12 * Math.abs(tr));
  });
});

test('dim: eigenvalues agree with a naive d×d eigensolve (d > C − 1 and d < C − 1)', () => {
  const rng = new Rng(2);
  for (const [C, d] of [[4, 6], [3, 2], [7, 3], [10, 25]] as const) {
    const pts = Array.from({ length: 4 }, () => randomPoint(rng, C, d));
    const { J, p } = batch(pts, C, d);
    const spec = dimSpectrum(J, p);
    pts.forEach((pt, b) => {
      const ref = symmetricEigen(naiveD(pt.J, pt.p, C, d), d).values;
      const s = spec.points[b]!;
      assert.equal(s.eigenvalues.length, Math.min(C - 1, d));
      for (let k = 0; k < s.eigenvalues.length; k++) {
        assert.ok(Math.abs(s.eigenvalues[k]! - ref[k]!) < 1e-10 * ref[0]!, `C=${C} d=${d} k=${k}: ${s.eigenvalues[k]} vs ${ref[k]}`);
      }
      for (let k = s.eigenvalues.length; k < d; k++) assert.ok(Math.abs(ref[k]!) < 1e-12 * ref[0]!, 'the rest of the naive spectrum is 0');
    });
    if (d < C - 1) assert.ok(spec.warnings.some((w) => /at most/.test(w)));
  }
});

test('dim: rank ≤ C − 1 on random Jacobians (and = C − 1 generically)', () => {
  const rng = new Rng(3);
  const C = 6;
  const d = 20;
  const pts = Array.from({ length: 20 }, () => randomPoint(rng, C, d, 2));
  const { J, p } = batch(pts, C, d);
  const spec = dimSpectrum(J, p);
  for (const s of spec.points) {
    assert.equal(s.rank, C - 1);
    assert.equal(s.eigenvalues.length, C - 1);
  }
  // A rank-deficient Jacobian (two equal logit rows ⇒ one direction of A^{1/2}J lost) lowers the rank.
  const pt = randomPoint(rng, C, d);
  pt.J.copyWithin(d, 0, d); // row 1 = row 0
  for (let a = 0; a < d; a++) pt.J[2 * d + a] = pt.J[a]!; // row 2 = row 0
  const one = batch([pt], C, d);
  assert.equal(dimSpectrum(one.J, one.p).points[0]!.rank, C - 3);
});

test('dim: linear softmax z = Wx + b matches the closed form Wᵀ(diag p − ppᵀ)W, with eigenvectors D v = λ v', () => {
  const rng = new Rng(4);
  const C = 4;
  const d = 7;
  const W = rng.fillNormal(new Float64Array(C * d));
  const bias = rng.fillNormal(new Float64Array(C));
  const xs = Array.from({ length: 5 }, () => rng.fillNormal(new Float64Array(d)));
  const pts = xs.map((x) => {
    const z = Float64Array.from(bias, (bv, i) => bv + x.reduce((s, xv, j) => s + W[i * d + j]! * xv, 0));
    return { J: W, p: softmax(z) };
  });
  const { J, p } = batch(pts, C, d);
  const spec = dimSpectrum({ data: new Float32Array(J.data), shape: J.shape }, p, { eigenvectors: true });
  const spec64 = dimSpectrum(J, p, { eigenvectors: true });
  pts.forEach((pt, b) => {
    // closed form: Wᵀ A W with A = diag p − ppᵀ
    const A = new Float64Array(C * C);
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) A[i * C + j] = (i === j ? pt.p[i]! : 0) - pt.p[i]! * pt.p[j]!;
    const D = new Float64Array(d * d);
    for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) D[a * d + c]! += W[i * d + a]! * A[i * C + j]! * W[j * d + c]!;
    const ref = symmetricEigen(D, d).values;
    const s = spec64.points[b]!;
    for (let k = 0; k < C - 1; k++) assert.ok(Math.abs(s.eigenvalues[k]! - ref[k]!) < 1e-10 * ref[0]!);
    for (let k = 0; k < s.rank; k++) {
      const v = s.eigenvectors![k]!;
      for (let a = 0; a < d; a++) {
        let dv = 0;
        for (let c = 0; c < d; c++) dv += D[a * d + c]! * v[c]!;
        assert.ok(Math.abs(dv - s.eigenvalues[k]! * v[a]!) < 1e-10 * ref[0]!);
      }
    }
    // float32 Jacobian: same spectrum up to float32 rounding of W
    const s32 = spec.points[b]!;
    for (let k = 0; k < C - 1; k++) assert.ok(Math.abs(s32.eigenvalues[k]! - ref[k]!) < 1e-6 * ref[0]!);
  });
  assert.deepEqual(JSON.parse(JSON.stringify(spec64)), spec64);
});

test('dim: nearly one-hot probabilities (graded A) still match the naive spectrum', () => {
  const rng = new Rng(5);
  const C = 5;
  const d = 12;
  const J = rng.fillNormal(new Float64Array(C * d));
  const p = softmax([12, 0, -3, -6, 2]); // p ranges over ~1e-8
  const ref = symmetricEigen(naiveD(J, p, C, d), d).values;
  const s = dimSpectrum({ data: J, shape: [1, C, d] }, { data: p, shape: [1, C] }).points[0]!;
  assert.equal(s.rank, C - 1);
  for (let k = 0; k < C - 1; k++) {
    const relErr = Math.abs(s.eigenvalues[k]! - ref[k]!) / ref[k]!;
    assert.ok(relErr < 1e-6, `k=${k}: λ=${s.eigenvalues[k]} ref=${ref[k]} rel ${relErr}`);
  }
});

/** A linear softmax model as an `evaluate` callback. */
function linearModel(W: Float64Array, bias: Float64Array, C: number, d: number) {
  return async (x: Float64Array) => {
    const z = Float64Array.from(bias, (bv, i) => bv + x.reduce((s, xv, j) => s + W[i * d + j]! * xv, 0));
    return { J: W, p: softmax(z) };
  };
}

/** One hidden tanh layer z = W2 tanh(W1 x + b1) + b2, Jacobian W2 diag(1 − h²) W1. */
function tanhModel(rng: Rng, C: number, d: number, H: number) {
  const W1 = rng.fillNormal(new Float64Array(H * d), 1 / Math.sqrt(d));
  const b1 = rng.fillNormal(new Float64Array(H), 0.1);
  const W2 = rng.fillNormal(new Float64Array(C * H), 1 / Math.sqrt(H));
  const b2 = rng.fillNormal(new Float64Array(C), 0.1);
  return async (x: Float64Array) => {
    const h = Float64Array.from(b1, (bv, k) => Math.tanh(bv + x.reduce((s, xv, j) => s + W1[k * d + j]! * xv, 0)));
    const z = Float64Array.from(b2, (bv, i) => bv + h.reduce((s, hv, k) => s + W2[i * H + k]! * hv, 0));
    const J = new Float64Array(C * d);
    for (let i = 0; i < C; i++) for (let k = 0; k < H; k++) {
      const c = W2[i * H + k]! * (1 - h[k]! ** 2);
      for (let j = 0; j < d; j++) J[i * d + j]! += c * W1[k * d + j]!;
    }
    return { J, p: softmax(z) };
  };
}

const pDist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0));

test('foliation walk on a linear softmax model: across keeps p constant, along changes it', async () => {
  const rng = new Rng(6);
  const C = 3;
  const d = 5;
  const W = rng.fillNormal(new Float64Array(C * d));
  const bias = rng.fillNormal(new Float64Array(C));
  const evaluate = linearModel(W, bias, C, d);
  const start = rng.fillNormal(new Float64Array(d));
  const across = await foliationWalk(start, evaluate, { mode: 'across', stepSize: 0.1, steps: 30, seed: 1 });
  assert.equal(across.stepsTaken, 30);
  assert.equal(across.points.length, 31);
  let drift = 0;
  for (const q of across.probabilities) drift = Math.max(drift, pDist(q, across.probabilities[0]!));
  assert.ok(drift < 1e-12, `across drift ${drift}`);
  const moved = pDist(across.points.at(-1)!, across.points[0]!);
  assert.ok(moved > 0.5, `the walk moved ${moved}`);
  const along = await foliationWalk(start, evaluate, { mode: 'along', stepSize: 0.1, steps: 30, seed: 1 });
  assert.ok(pDist(along.probabilities.at(-1)!, along.probabilities[0]!) > 1e-2);
  assert.ok(along.ranks.every((r) => r === C - 1));
  // every 'along' step lies in the row space of W (the image of D)
  assert.deepEqual(JSON.parse(JSON.stringify(along)), along);
});

test('foliation walk on a tanh network: across drifts O(step²), along O(step)', async () => {
  const rng = new Rng(7);
  const C = 3;
  const d = 6;
  const evaluate = tanhModel(rng, C, d, 8);
  const start = rng.fillNormal(new Float64Array(d));
  const direction = rng.fillNormal(new Float64Array(d));
  const oneStep = async (mode: 'along' | 'across', h: number) => {
    const w = await foliationWalk(start, evaluate, { mode, stepSize: h, steps: 1, direction });
    return pDist(w.probabilities[1]!, w.probabilities[0]!);
  };
  const a1 = await oneStep('across', 1e-2);
  const a2 = await oneStep('across', 5e-3);
  const ratioAcross = a1 / a2;
  assert.ok(ratioAcross > 3.5 && ratioAcross < 4.5, `across ratio ${ratioAcross} (${a1}, ${a2})`);
  const l1 = await oneStep('along', 1e-2);
  const l2 = await oneStep('along', 5e-3);
  const ratioAlong = l1 / l2;
  assert.ok(ratioAlong > 1.8 && ratioAlong < 2.2, `along ratio ${ratioAlong}`);
  assert.ok(a1 < 0.05 * l1, `across ${a1} ≪ along ${l1}`);
});

test('foliation walk: vanishing projections stop early; bad options throw', async () => {
  const rng = new Rng(8);
  const C = 3;
  const d = 2; // rank D = 2 = d: the kernel is {0}
  const evaluate = linearModel(rng.fillNormal(new Float64Array(C * d)), new Float64Array(C), C, d);
  const w = await foliationWalk([0.1, 0.2], evaluate, { mode: 'across', stepSize: 0.1, steps: 5, seed: 3 });
  assert.equal(w.stepsTaken, 0);
  assert.match(w.stoppedEarly!, /kernel/);
  await assert.rejects(foliationWalk([0, 0], evaluate, { mode: 'sideways' as never, stepSize: 0.1, steps: 1, seed: 0 }), GeolensError);
  await assert.rejects(foliationWalk([0, 0], evaluate, { mode: 'along', stepSize: 0, steps: 1, seed: 0 }), GeolensError);
  await assert.rejects(foliationWalk([0, 0, 0], evaluate, { mode: 'along', stepSize: 0.1, steps: 1, seed: 0 }), GeolensError);
});

test('W1: hand-computed values, equal sizes and unequal sizes', () => {
  assert.equal(wasserstein1([0, 1], [0.5]), 0.5);
  // F_a⁻¹ = 0,1,2 on thirds; F_b⁻¹ = 0,2 on halves: |diff| = 1 on [1/3, 2/3] ⇒ 1/3.
  assert.ok(Math.abs(wasserstein1([2, 0, 1], [0, 2]) - 1 / 3) < 1e-15);
  assert.ok(Math.abs(wasserstein1([1, 2, 3], [4, 6, 2]) - (1 + 2 + 3) / 3) < 1e-15); // sorted pairs (1,2),(2,4),(3,6)
  assert.equal(wasserstein1([5], [5, 5, 5]), 0);
  assert.ok(Math.abs(wasserstein1([0], [1, 3]) - 2) < 1e-15);
  // against ∫|F_a(x) − F_b(x)| dx on random unequal samples
  const rng = new Rng(9);
  const a = Array.from({ length: 7 }, () => rng.normal());
  const b = Array.from({ length: 4 }, () => 1 + 2 * rng.normal());
  const all = [...a, ...b].sort((u, v) => u - v);
  const cdf = (s: number[], x: number) => s.filter((v) => v <= x).length / s.length;
  let integral = 0;
  for (let i = 0; i + 1 < all.length; i++) integral += Math.abs(cdf(a, all[i]!) - cdf(b, all[i]!)) * (all[i + 1]! - all[i]!);
  assert.ok(Math.abs(wasserstein1(a, b) - integral) < 1e-12, `${wasserstein1(a, b)} vs ${integral}`);
  assert.throws(() => wasserstein1([], [1]), GeolensError);
});

const pt = (eigenvalues: number[], rank = eigenvalues.length): DimPointSpectrum => ({ eigenvalues, rank, trace: eigenvalues.reduce((s, v) => s + v, 0) });

test('dim: spectrum statistics and distances on hand-made spectra', () => {
  const a = [pt([10, 1]), pt([100, 1]), pt([1000, 0.01]), pt([10000, 0.1], 1)];
  const stats = dimSpectrumStats(a);
  assert.equal(stats.boxes.length, 2);
  const b0 = stats.boxes[0]!;
  assert.deepEqual([b0.min, b0.q1, b0.median, b0.q3, b0.max, b0.mean], [1, 1.75, 2.5, 3.25, 4, 2.5]);
  const b1 = stats.boxes[1]!;
  assert.equal(b1.count, 3);
  assert.equal(b1.excluded, 1);
  assert.deepEqual([b1.min, b1.median, b1.max], [-2, 0, 0]);
  // log10 λ_0: a = {1,2,3,4}, b = {2,3,4,5} ⇒ W1 = 1; λ_1: a = {0,0,−2}, b = {0,0,−2} ⇒ 0; mean 0.5.
  const b = [pt([100, 1]), pt([1000, 1]), pt([10000, 0.01]), pt([100000, 0.1], 1)];
  const dist = spectrumDistance(a, b);
  assert.equal(dist.distance, 0.5);
  assert.equal(dist.numK, 2);
  assert.deepEqual(dist.perK.map((x) => x.w1), [1, 0]);
  assert.match(dist.definition, /1-Wasserstein/);
  assert.equal(spectrumDistance(a, b, { topK: 1 }).distance, 1);
  const m = datasetDistanceMatrix([
    { name: 'a', spectrum: a },
    { name: 'b', spectrum: b },
    { name: 'c', spectrum: [pt([1, 1])] },
  ]);
  assert.deepEqual(m.names, ['a', 'b', 'c']);
  assert.equal(m.matrix[0]![1], 0.5);
  assert.equal(m.matrix[1]![0], 0.5);
  assert.equal(m.matrix[2]![2], 0);
  assert.equal(m.matrix[0]![2], m.matrix[2]![0]);
});

test('dim: shape errors are typed', () => {
  const bad = (f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof GeolensError && e.code === 'BAD_SHAPE');
  bad(() => dimSpectrum({ data: new Float64Array(12), shape: [2, 3, 2] }, { data: new Float64Array(4), shape: [2, 2] }));
  bad(() => dimSpectrum({ data: new Float64Array(6), shape: [2, 3] }, { data: new Float64Array(6), shape: [2, 3] }));
  assert.throws(
    () => dimSpectrum({ data: new Float64Array(6), shape: [1, 3, 2] }, { data: new Float64Array([0.5, -0.1, 0.6]), shape: [1, 3] }),
    (e: unknown) => e instanceof GeolensError && e.code === 'BAD_ARGUMENT',
  );
});

test('dim: dimSpectrumFromGram (Gram J Jᵀ given) equals dimSpectrum on the same points', () => {
  const rng = new Rng(99);
  const B = 7;
  const C = 5;
  const d = 11;
  const J = new Float64Array(B * C * d).map(() => rng.normal());
  const p = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += (p[b * C + c] = Math.exp(2 * rng.normal()));
    for (let c = 0; c < C; c++) p[b * C + c]! /= s;
  }
  const K = new Float64Array(B * C * C);
  for (let b = 0; b < B; b++) for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) for (let k = 0; k < d; k++) K[b * C * C + i * C + j]! += J[b * C * d + i * d + k]! * J[b * C * d + j * d + k]!;
  const a = dimSpectrum({ data: J, shape: [B, C, d] }, { data: p, shape: [B, C] });
  const g = dimSpectrumFromGram({ data: K, shape: [B, C, C] }, { data: p, shape: [B, C] }, d);
  for (let b = 0; b < B; b++) {
    assert.equal(g.points[b]!.rank, a.points[b]!.rank);
    assert.ok(Math.abs(g.points[b]!.trace - a.points[b]!.trace) < 1e-10 * Math.abs(a.points[b]!.trace));
    a.points[b]!.eigenvalues.forEach((l, k) => assert.ok(Math.abs(g.points[b]!.eigenvalues[k]! - l) < 1e-10 * a.points[b]!.eigenvalues[0]!));
  }
  assert.throws(() => dimSpectrumFromGram({ data: K, shape: [B, C, C - 1] }, { data: p, shape: [B, C] }, d), /gram \[B, C, C\]/);
});

test('dim: the closed-form factor L of A = diag p − ppᵀ has L Lᵀ = A, also for nearly one-hot p', () => {
  const rng = new Rng(11);
  for (const scale of [1, 8, 40]) {
    const p = softmax(rng.fillNormal(new Float64Array(10), scale));
    const s = p.reduce((a, b) => a + b, 0);
    const pn = p.map((v) => v / s);
    const A = probabilityCovariance(pn);
    const L = probabilityCovarianceFactor(pn);
    let worst = 0;
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 10; j++) {
        let v = 0;
        for (let t = 0; t < 10; t++) v += L[i * 10 + t]! * L[j * 10 + t]!;
        // entrywise relative to the entry's own scale √(A_ii A_jj) (graded A: tiny entries stay accurate)
        worst = Math.max(worst, Math.abs(v - A[i * 10 + j]!) / Math.max(Math.sqrt(A[i * 10 + i]! * A[j * 10 + j]!), 1e-300));
      }
    }
    assert.ok(worst < 1e-13, `logit scale ${scale}: max relative |L Lᵀ − A| = ${worst}`);
  }
});
