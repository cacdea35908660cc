/**
 * The metric topology of classifiers (Wu, Huang, Li, Liu 2025, "On the topology of the space of deep neural network
 * classifiers", arXiv 2501.11265; METHODS.md §4), as pure functions on prediction vectors.
 *
 * Two networks w, w′ are compared through their classification outcomes on a data distribution μ; the paper's
 * probabilistic distance d_μ(w, w′) is a pseudo-metric on parameter space and a metric on the quotient W/≅
 * (w ≅ w′ ⇔ d = 0). Its exact formula is not fixed by the paper, so both readings of METHODS.md §4 are computed:
 * - correctness: d = E_(x,y) |1[f_w(x) = y] − 1[f_w′(x) = y]| (networks that are right on the same points are equal);
 * - disagreement: d = P_x[argmax f_w(x) ≠ argmax f_w′(x)].
 * Both are estimated by the empirical mean over m labelled points, with Hoeffding's interval
 * |d̂ − d| ≤ √(ln(2/δ)/(2m)) with probability ≥ 1 − δ (each point contributes a value in [0, 1]).
 *
 * Why hand-written numerics: the functions here are the probe itself (counting, a union–find, the double-centring of
 * classical MDS); the one heavy step, the symmetric eigendecomposition, comes from `src/linalg` (symmetricEigen).
 */
import { GeolensError } from '../../errors.js';
import { pearson, symmetricEigen } from '../../linalg/index.js';
import type { TopologyReading } from './types.js';

function bad(message: string): never {
  throw new GeolensError('BAD_ARGUMENT', message);
}

/** The definitions, as written into results and printed. */
export const TOPOLOGY_DEFINITIONS = {
  correctness: 'd(w, w′) = mean over the m points of |1[argmax f_w(x) = y] − 1[argmax f_w′(x) = y]| (correctness reading of Wu et al. 2025)',
  disagreement: 'd(w, w′) = share of the m points where argmax f_w(x) ≠ argmax f_w′(x) (disagreement reading of Wu et al. 2025)',
  argmax: 'argmax over the logits; on an exact tie the lowest class index wins',
  tie: 'a point is tied within ε for a network when the gap between its two largest softmax probabilities is ≤ ε (p(1) − p(2) ≤ ε; ε = 0 counts exact ties only): the non-unique-label set of Wu et al. 2025',
  hoeffding: 'Hoeffding: |d̂ − d| ≤ h = √(ln(2/δ)/(2m)) with probability ≥ 1 − δ for each pair (δ = 1 − confidence); the interval is [max(0, d̂ − h), min(1, d̂ + h)]. For all pairs at once (Bonferroni over the n(n−1)/2 pairs) the half-width is √(ln(n(n−1)/δ)/(2m))',
  classes: 'equivalence classes: single linkage on the pairs whose interval contains 0 (d̂ ≤ h); exact classes: single linkage on d̂ = 0',
  mds: 'classical MDS (Torgerson) of the quotient: one point per exact class (d̂ = 0; distances between classes are well defined since d is a pseudo-metric), B = −½·J·D⁽²⁾·J with J = I − 11ᵀ/k, coordinates = top-2 eigenvectors of B scaled by √λ (0 where λ ≤ 0); every network is drawn at its exact class',
  parameterDistance: 'Euclidean distance ‖w − w′‖₂ between the vectors of all float initializers of the models (weights and biases, and buffers such as BatchNorm running statistics), concatenated in the order of their sorted names',
} as const;

// ------------------------------------------------------------------------------------------------ predictions

/** What the distances need from one network on m labelled points. */
export interface ClassifierPredictions {
  /** argmax f(x_i) per point (length m). */
  predicted: Int32Array;
  /** 1 where predicted = label, else 0 (length m). */
  correct: Uint8Array;
  /** 1 where the top-2 softmax probability gap is ≤ ε (length m); all 0 when unknown. */
  tied: Uint8Array;
}

/** Predictions with the summaries printed per network. */
export interface ClassifierOutcome extends ClassifierPredictions {
  /** Share of points predicted correctly. */
  accuracy: number;
  /** Share of points tied within ε. */
  tieShare: number;
}

/**
 * Predictions of one network from its logits `logits` ([m, C] row-major, C ≥ 2) on points with labels `labels`
 * (length m): the argmax (lowest index on an exact tie), correctness, and ties within `tieEpsilon` (gap between the
 * two largest softmax probabilities, computed in float64 from the logits with the max subtracted). Errors:
 * BAD_SHAPE when the sizes disagree, BAD_ARGUMENT for C < 2, ε outside [0, 1] or a non-finite logit.
 */
export function predictionsFromLogits(logits: ArrayLike<number>, m: number, C: number, labels: ArrayLike<number>, tieEpsilon: number): ClassifierOutcome {
  if (!Number.isInteger(C) || C < 2) bad(`topology: a classifier needs at least 2 classes (got ${C}).`);
  if (!Number.isInteger(m) || m < 0) bad(`topology: m must be a non-negative integer (got ${m}).`);
  if (logits.length !== m * C) throw new GeolensError('BAD_SHAPE', `topology: ${logits.length} logits for ${m} points × ${C} classes.`);
  if (labels.length !== m) throw new GeolensError('BAD_SHAPE', `topology: ${labels.length} labels for ${m} points.`);
  if (!(tieEpsilon >= 0 && tieEpsilon <= 1)) bad(`topology: the tie ε must be in [0, 1] (a softmax probability gap), got ${tieEpsilon}.`);
  const predicted = new Int32Array(m);
  const correct = new Uint8Array(m);
  const tied = new Uint8Array(m);
  let nCorrect = 0;
  let nTied = 0;
  for (let i = 0; i < m; i++) {
    const o = i * C;
    let best = 0;
    let second = -1;
    for (let c = 0; c < C; c++) {
      const v = logits[o + c]!;
      if (!Number.isFinite(v)) bad(`topology: logit ${c} of point ${i} is ${v}; the model outputs non-finite values on these data.`);
      if (c === 0) continue;
      if (v > logits[o + best]!) {
        second = best;
        best = c;
      } else if (second < 0 || v > logits[o + second]!) second = c;
    }
    const zMax = logits[o + best]!;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[o + c]! - zMax);
    const gap = (1 - Math.exp(logits[o + second]! - zMax)) / sum;
    predicted[i] = best;
    if (best === labels[i]) {
      correct[i] = 1;
      nCorrect++;
    }
    if (gap <= tieEpsilon) {
      tied[i] = 1;
      nTied++;
    }
  }
  return { predicted, correct, tied, accuracy: m ? nCorrect / m : NaN, tieShare: m ? nTied / m : NaN };
}

// ------------------------------------------------------------------------------------------------ distances

function checkPairSizes(a: ClassifierPredictions, b: ClassifierPredictions): number {
  const m = a.predicted.length;
  if (b.predicted.length !== m || a.correct.length !== m || b.correct.length !== m) {
    throw new GeolensError('BAD_SHAPE', `topology: the two networks were evaluated on different numbers of points (${m} and ${b.predicted.length}); evaluate both on the same points.`);
  }
  return m;
}

/**
 * Number of the m points where the two networks differ in the given reading: |correct_a − correct_b| = 1
 * (correctness) or predicted_a ≠ predicted_b (disagreement). The distance is this count / m.
 */
export function distanceCount(a: ClassifierPredictions, b: ClassifierPredictions, reading: TopologyReading): number {
  const m = checkPairSizes(a, b);
  let k = 0;
  if (reading === 'correctness') {
    for (let i = 0; i < m; i++) k += a.correct[i]! !== b.correct[i]! ? 1 : 0;
  } else {
    for (let i = 0; i < m; i++) k += a.predicted[i]! !== b.predicted[i]! ? 1 : 0;
  }
  return k;
}

/**
 * The estimated distance d̂(w, w′) between two networks on the same m points (METHODS.md §4), in [0, 1]; NaN when
 * m = 0. A pseudo-metric on the networks for any fixed set of points: each point contributes a pseudo-metric
 * (|a − b| on {0, 1}, or the discrete metric on labels), so symmetry and the triangle inequality hold exactly.
 */
export function classifierDistance(a: ClassifierPredictions, b: ClassifierPredictions, reading: TopologyReading): number {
  const m = checkPairSizes(a, b);
  return m ? distanceCount(a, b, reading) / m : NaN;
}

/**
 * The n×n matrix (row-major) of estimated distances between n networks evaluated on the same points. Every ordered
 * pair is computed on its own (so the symmetry check tests the computation); the diagonal is computed too.
 */
export function distanceMatrix(nets: readonly ClassifierPredictions[], reading: TopologyReading): Float64Array {
  const n = nets.length;
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) D[i * n + j] = classifierDistance(nets[i]!, nets[j]!, reading);
  return D;
}

/** Hoeffding's half-width √(ln(2/δ)/(2m)) for a mean of m values in [0, 1] at confidence 1 − δ (δ in (0, 1)). */
export function hoeffdingHalfWidth(m: number, delta: number): number {
  if (!(delta > 0 && delta < 1)) bad(`topology: δ = 1 − confidence must be in (0, 1), got ${delta}.`);
  if (!(m >= 1)) bad(`topology: Hoeffding's interval needs at least one point (m = ${m}).`);
  return Math.sqrt(Math.log(2 / delta) / (2 * m));
}

/** The Hoeffding interval [max(0, d̂ − h), min(1, d̂ + h)] of an estimate d̂ of a quantity in [0, 1]. */
export function hoeffdingInterval(estimate: number, halfWidth: number): [number, number] {
  return [Math.max(0, estimate - halfWidth), Math.min(1, estimate + halfWidth)];
}

// ------------------------------------------------------------------------------------------------ classes

/** Equivalence classes of networks: class id per network and members per class. */
export interface Classes {
  /** Class of each network, numbered 0, 1, … in order of their first member. */
  classOf: number[];
  /** Members of each class, ascending. */
  members: number[][];
}

/**
 * Single-linkage classes (connected components) of the graph joining i and j when `linked(D_ij)`: a union–find over
 * the pairs. With `linked = d ≤ h` these are the classes of networks at distance 0 within the interval; chains can
 * join networks whose own distance is larger (see `classDiameter`).
 */
export function singleLinkageClasses(D: ArrayLike<number>, n: number, linked: (d: number) => boolean): Classes {
  if (D.length !== n * n) throw new GeolensError('BAD_SHAPE', `topology: a ${n}×${n} matrix needs ${n * n} entries, got ${D.length}.`);
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (linked(D[i * n + j]!) || linked(D[j * n + i]!)) {
        const a = find(i);
        const b = find(j);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  const idOfRoot = new Map<number, number>();
  const classOf: number[] = [];
  const members: number[][] = [];
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let id = idOfRoot.get(r);
    if (id === undefined) {
      id = members.length;
      idOfRoot.set(r, id);
      members.push([]);
    }
    classOf.push(id);
    members[id]!.push(i);
  }
  return { classOf, members };
}

/** The largest distance between two members of a class (0 for a single network). */
export function classDiameter(D: ArrayLike<number>, n: number, members: readonly number[]): number {
  let d = 0;
  for (const i of members) for (const j of members) d = Math.max(d, D[i * n + j]!);
  return d;
}

// ------------------------------------------------------------------------------------------------ MDS

/** A classical-MDS embedding. */
export interface MdsEmbedding {
  /** k×dims coordinates, row-major. */
  coordinates: Float64Array;
  dims: number;
  /** All k eigenvalues of B = −½·J·D⁽²⁾·J, descending. */
  eigenvalues: Float64Array;
  /** Share of the positive eigenvalue mass the drawn axes hold; null when there is none (all points coincide). */
  explained: number | null;
  /** Σ|negative eigenvalues| / Σ|eigenvalues|: 0 for a Euclidean distance matrix, larger the less Euclidean. */
  negativeShare: number;
}

/**
 * Classical (Torgerson) MDS of a k×k distance matrix (row-major, symmetrised as (D + Dᵀ)/2): double-centre the
 * squared distances, B = −½·J·D⁽²⁾·J (J = I − 11ᵀ/k), take the top `dims` eigenpairs of B (src/linalg
 * symmetricEigen) and scale each eigenvector by √max(λ, 0). Reproduces a Euclidean configuration up to rotation and
 * reflection (Torgerson 1952; Borg & Groenen, Modern Multidimensional Scaling, ch. 12). Signs are those of
 * symmetricEigen (largest entry positive), so the output is deterministic.
 */
export function classicalMds(D: ArrayLike<number>, k: number, dims = 2): MdsEmbedding {
  if (D.length !== k * k) throw new GeolensError('BAD_SHAPE', `classicalMds: a ${k}×${k} matrix needs ${k * k} entries, got ${D.length}.`);
  if (!Number.isInteger(dims) || dims < 1) bad(`classicalMds: dims must be a positive integer (got ${dims}).`);
  const sq = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sq[i * k + j] = (0.5 * (D[i * k + j]! + D[j * k + i]!)) ** 2;
  const row = new Float64Array(k);
  let all = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) row[i]! += sq[i * k + j]!;
    all += row[i]!;
    row[i]! /= k;
  }
  all /= k * k;
  const B = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) B[i * k + j] = -0.5 * (sq[i * k + j]! - row[i]! - row[j]! + all);
  const eig = symmetricEigen(B, k);
  const coordinates = new Float64Array(k * dims);
  for (let a = 0; a < Math.min(dims, k); a++) {
    const lam = eig.values[a]!;
    if (!(lam > 0)) continue;
    const s = Math.sqrt(lam);
    for (let i = 0; i < k; i++) coordinates[i * dims + a] = s * eig.vectors[a * k + i]!;
  }
  let pos = 0;
  let neg = 0;
  for (const v of eig.values) {
    if (v > 0) pos += v;
    else neg -= v;
  }
  // eigenvalues at rounding level of ‖B‖ count as zero
  const tol = 1e-12 * Math.max(pos, neg, 0);
  let drawn = 0;
  for (let a = 0; a < Math.min(dims, k); a++) if (eig.values[a]! > tol) drawn += eig.values[a]!;
  return {
    coordinates,
    dims,
    eigenvalues: eig.values,
    explained: pos > tol ? drawn / pos : null,
    negativeShare: pos + neg > tol ? (neg > tol ? neg / (pos + neg) : 0) : 0,
  };
}

/**
 * Classical MDS of the quotient W/≅: one point per class of `classOf` (classes numbered 0..c−1, distance between
 * classes = the distance between their first members), then each network gets its class's coordinates.
 * Returns the embedding of the c class points and the n×2 coordinates of the networks.
 */
export function quotientMds(D: ArrayLike<number>, n: number, classes: Classes, dims = 2): { embedding: MdsEmbedding; coordinates: Float64Array } {
  const reps = classes.members.map((m) => m[0]!);
  const c = reps.length;
  const Q = new Float64Array(c * c);
  for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) Q[a * c + b] = a === b ? 0 : D[reps[a]! * n + reps[b]!]!;
  const embedding = classicalMds(Q, c, dims);
  const coordinates = new Float64Array(n * dims);
  for (let i = 0; i < n; i++) for (let a = 0; a < dims; a++) coordinates[i * dims + a] = embedding.coordinates[classes.classOf[i]! * dims + a]!;
  return { embedding, coordinates };
}

// ------------------------------------------------------------------------------------------------ checks

/** The checks printed with a distance matrix. */
export interface MetricChecks {
  /** max |D_ij − D_ji| and max |D_ii|: 0 for a pseudo-metric. */
  symmetry: { maxAsymmetry: number; maxDiagonal: number; ok: boolean };
  /** Ordered triples (i, k via j) with D_ik > D_ij + D_jk + tolerance, the largest excess and where it is. */
  triangle: { triples: number; violations: number; maxViolation: number; worst: [number, number, number] | null; ok: boolean };
  /** Pairs with |acc_i − acc_j| > D_ij + tolerance (a property of both readings on the same points). */
  accuracyBound: { pairs: number; violations: number; maxViolation: number; ok: boolean };
  /** Comparisons are made with this slack (float rounding of count/m). */
  tolerance: number;
}

/** Slack of the checks: the estimates are counts / m, so only rounding can make an exact identity fail. */
export const CHECK_TOLERANCE = 1e-12;

/**
 * Check a distance matrix (n×n row-major) for symmetry, a zero diagonal, the triangle inequality on the estimates
 * (all ordered triples, O(n³)) and |acc(w) − acc(w′)| ≤ d(w, w′) (when `accuracies` is given). On one common set of
 * points every check holds exactly for both readings; a violation means the matrix was not computed as documented
 * (e.g. the networks were evaluated on different points).
 */
export function metricChecks(D: ArrayLike<number>, n: number, accuracies?: ArrayLike<number>, tolerance = CHECK_TOLERANCE): MetricChecks {
  if (D.length !== n * n) throw new GeolensError('BAD_SHAPE', `topology: a ${n}×${n} matrix needs ${n * n} entries, got ${D.length}.`);
  let maxAsymmetry = 0;
  let maxDiagonal = 0;
  for (let i = 0; i < n; i++) {
    maxDiagonal = Math.max(maxDiagonal, Math.abs(D[i * n + i]!));
    for (let j = i + 1; j < n; j++) maxAsymmetry = Math.max(maxAsymmetry, Math.abs(D[i * n + j]! - D[j * n + i]!));
  }
  let triples = 0;
  let violations = 0;
  let maxViolation = 0;
  let worst: [number, number, number] | null = null;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      if (k === i) continue;
      const dik = D[i * n + k]!;
      for (let j = 0; j < n; j++) {
        if (j === i || j === k) continue;
        triples++;
        const excess = dik - D[i * n + j]! - D[j * n + k]!;
        if (excess > tolerance) {
          violations++;
          if (excess > maxViolation) {
            maxViolation = excess;
            worst = [i, j, k];
          }
        }
      }
    }
  }
  let pairs = 0;
  let accViolations = 0;
  let accMax = 0;
  if (accuracies) {
    if (accuracies.length !== n) throw new GeolensError('BAD_SHAPE', `topology: ${accuracies.length} accuracies for ${n} networks.`);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        pairs++;
        const excess = Math.abs(accuracies[i]! - accuracies[j]!) - D[i * n + j]!;
        if (excess > tolerance) {
          accViolations++;
          accMax = Math.max(accMax, excess);
        }
      }
    }
  }
  return {
    symmetry: { maxAsymmetry, maxDiagonal, ok: maxAsymmetry <= tolerance && maxDiagonal <= tolerance },
    triangle: { triples, violations, maxViolation, worst, ok: violations === 0 },
    accuracyBound: { pairs, violations: accViolations, maxViolation: accMax, ok: accViolations === 0 },
    tolerance,
  };
}

// ------------------------------------------------------------------------------------------------ parameters

/**
 * Euclidean distances ‖w_i − w_j‖₂ between n parameter vectors of one length (float64 sums), as an n×n row-major
 * matrix. Errors: BAD_SHAPE when the lengths differ.
 */
export function parameterDistanceMatrix(vectors: readonly ArrayLike<number>[]): Float64Array {
  const n = vectors.length;
  const P = n ? vectors[0]!.length : 0;
  for (const [i, v] of vectors.entries()) {
    if (v.length !== P) throw new GeolensError('BAD_SHAPE', `topology: parameter vector ${i} has ${v.length} entries but vector 0 has ${P}; parameter distances need one architecture.`);
  }
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const a = vectors[i]!;
    for (let j = i + 1; j < n; j++) {
      const b = vectors[j]!;
      let s = 0;
      for (let p = 0; p < P; p++) {
        const t = a[p]! - b[p]!;
        s += t * t;
      }
      D[i * n + j] = D[j * n + i] = Math.sqrt(s);
    }
  }
  return D;
}

/** Ranks 1..n of the values, ties given their average rank. */
function ranks(v: readonly number[]): number[] {
  const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && order[e + 1]![0] === order[s]![0]) e++;
    for (let t = s; t <= e; t++) r[order[t]![1]] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return r;
}

/**
 * Pearson and Spearman correlations between the upper-triangle entries (i < j) of two n×n matrices — e.g. the
 * probabilistic distance against the parameter distance. null when there are fewer than 3 pairs or a side is
 * constant (the coefficient is undefined).
 */
export function matrixCorrelation(A: ArrayLike<number>, B: ArrayLike<number>, n: number): { pearson: number | null; spearman: number | null } {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      a.push(A[i * n + j]!);
      b.push(B[i * n + j]!);
    }
  }
  if (a.length < 3) return { pearson: null, spearman: null };
  const p = pearson(a, b);
  const s = pearson(ranks(a), ranks(b));
  return { pearson: Number.isFinite(p) ? p : null, spearman: Number.isFinite(s) ? s : null };
}
