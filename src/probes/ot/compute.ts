/**
 * The math of semi-discrete optimal transport in latent space (AE-OT; METHODS.md §5; Lei, Luo, Yau, Gu, "Geometric
 * Understanding of Deep Learning", arXiv 1805.10451, §4–5; reference solver k2cu8/pyOMT, `pyOMT_raw.py`).
 *
 * Source μ: uniform on a box (or a Gaussian) in R^d; target ν = Σ_i ν_i δ_{y_i}. The Brenier potential
 * u_h(x) = max_i(⟨x, y_i⟩ + h_i) induces the power diagram W_i(h) = {x : argmax_j ⟨x, y_j⟩ + h_j = i}, and
 * h minimises the convex energy E(h) = ∫ u_h dμ − Σ_i ν_i h_i, whose gradient is ∇E(h) = (μ(W_i(h)) − ν_i)_i
 * (paper Thm 4.3 / eq. 10). The transport map is T = ∇u_h: W_i ∋ x ↦ y_i.
 *
 * Everything here is pure (plain typed arrays); src/probes/ot/run.ts runs the argmax on onnxruntime.
 */
import { GeolensError } from '../../errors.js';
import { symmetricEigen } from '../../linalg/eigen.js';

// ------------------------------------------------------------------------------------------------ targets

/** Codes mapped into pyOMT's unit cube: ŷ = (y − centre) / scale, the bounding box's longest side becoming 1. */
export interface NormalisedTargets {
  /** ŷ, row-major [n, d], float32. */
  y: Float32Array;
  n: number;
  d: number;
  /** Centre of the codes' bounding box [d] and the length of its longest side (original units). */
  centre: Float64Array;
  scale: number;
  /** The bounding box in normalised units ([d] each; inside [−½, ½]^d, the longest side exactly [−½, ½]). */
  lo: Float64Array;
  hi: Float64Array;
  /** Mean and standard deviation per coordinate of ŷ (the Gaussian source). */
  mean: Float64Array;
  std: Float64Array;
}

/**
 * Centre the codes on their bounding box and divide by its longest side, so that the box lies in [−½, ½]^d as
 * pyOMT's source cube does and its learning rate 0.1 means the same. The quadratic-cost transport map commutes with
 * this similarity (T_original(x) = scale·T(ŷ-space)(…) + centre), so nothing is lost. Errors: BAD_ARGUMENT when all
 * codes are equal (zero spread: there is nothing to transport to).
 */
export function normaliseTargets(codes: ArrayLike<number>, n: number, d: number): NormalisedTargets {
  if (n < 1 || d < 1 || codes.length !== n * d) throw new GeolensError('BAD_SHAPE', `OT targets: ${codes.length} values are not ${n} codes of size ${d}.`);
  const lo0 = new Float64Array(d).fill(Infinity);
  const hi0 = new Float64Array(d).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const v = codes[i * d + k]!;
      if (!Number.isFinite(v)) throw new GeolensError('BAD_ARGUMENT', `OT targets: code ${i} has a non-finite value (${v}); retrain the autoencoder (it diverged).`);
      if (v < lo0[k]!) lo0[k] = v;
      if (v > hi0[k]!) hi0[k] = v;
    }
  }
  let scale = 0;
  for (let k = 0; k < d; k++) scale = Math.max(scale, hi0[k]! - lo0[k]!);
  if (!(scale > 0)) throw new GeolensError('BAD_ARGUMENT', `OT targets: all ${n} codes are the same point; the autoencoder has collapsed (train it longer, or with another --lr).`);
  const centre = new Float64Array(d);
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    centre[k] = (lo0[k]! + hi0[k]!) / 2;
    lo[k] = (lo0[k]! - centre[k]!) / scale;
    hi[k] = (hi0[k]! - centre[k]!) / scale;
  }
  const y = new Float32Array(n * d);
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const v = (codes[i * d + k]! - centre[k]!) / scale;
      y[i * d + k] = v;
      mean[k]! += v;
    }
  }
  for (let k = 0; k < d; k++) mean[k]! /= n;
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) sq[k]! += (y[i * d + k]! - mean[k]!) ** 2;
  const std = sq.map((s) => Math.sqrt(s / n));
  return { y, n, d, centre, scale, lo, hi, mean, std };
}

/** Codes that occur more than once (exactly equal float32 rows). */
export interface DuplicateCodes {
  /** Number of distinct codes. */
  distinct: number;
  /** For each code, the index of the first code equal to it. */
  firstOf: Int32Array;
  /** Groups of equal codes (indices), only those with two or more members, at most `maxGroups` of them. */
  groups: number[][];
  /** Codes that repeat an earlier one. */
  repeated: number;
}

/** Find exactly repeated codes (rows of float32 bits). */
export function findDuplicateCodes(codes: Float32Array, n: number, d: number, maxGroups = 5): DuplicateCodes {
  const bits = new Uint32Array(codes.buffer, codes.byteOffset, n * d);
  const seen = new Map<string, number>();
  const firstOf = new Int32Array(n);
  const members = new Map<number, number[]>();
  let repeated = 0;
  for (let i = 0; i < n; i++) {
    let key = '';
    for (let k = 0; k < d; k++) key += bits[i * d + k]!.toString(36) + ',';
    const f = seen.get(key);
    if (f === undefined) {
      seen.set(key, i);
      firstOf[i] = i;
    } else {
      firstOf[i] = f;
      repeated++;
      const g = members.get(f) ?? [f];
      g.push(i);
      members.set(f, g);
    }
  }
  return { distinct: n - repeated, firstOf, groups: [...members.values()].slice(0, maxGroups), repeated };
}

// ------------------------------------------------------------------------------------------------ source

/** The source measure μ: 'uniform' on the codes' bounding box, or 'gaussian' with the codes' mean and per-coordinate std. */
export type OtSource = 'uniform' | 'gaussian';

/**
 * Map points u ∈ [0, 1)^d (row-major, e.g. Sobol points) to source samples x (float32, row-major) in normalised
 * units: uniform: x_k = lo_k + u_k (hi_k − lo_k); gaussian: x_k = mean_k + std_k Φ⁻¹(u_k) with u clamped to
 * [2^−33, 1 − 2^−33] (the Sobol origin would map to −∞). `invNormal` is Φ⁻¹.
 */
export function sourceSamples(kind: OtSource, t: Pick<NormalisedTargets, 'lo' | 'hi' | 'mean' | 'std' | 'd'>, u: Float64Array, out: Float32Array, invNormal: (p: number) => number): Float32Array {
  const d = t.d;
  const count = u.length / d;
  if (kind === 'uniform') {
    for (let i = 0; i < count; i++) for (let k = 0; k < d; k++) out[i * d + k] = t.lo[k]! + u[i * d + k]! * (t.hi[k]! - t.lo[k]!);
  } else {
    const eps = 2 ** -33;
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < d; k++) out[i * d + k] = t.mean[k]! + t.std[k]! * invNormal(Math.min(1 - eps, Math.max(eps, u[i * d + k]!)));
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ solver steps

/** The state of the energy minimisation: what a checkpoint holds to resume a solve exactly. */
export interface OtSolverState {
  /** Steps taken (updates of h). */
  step: number;
  /** The power weights h (float64, mean 0). */
  h: Float64Array;
  /** Adam's first and second moments. */
  m: Float64Array;
  v: Float64Array;
  /** Sample batches per step (the Monte-Carlo sample count is batches × samples). */
  batches: number;
  /** Best ‖g − ν‖₂ since the last stall, and the steps since it improved. */
  bestNorm: number;
  badSteps: number;
  /** The learning rate now, as a multiple of the initial one (halved at each stall; 1 at the start). */
  lrScale: number;
}

export function initialSolverState(n: number): OtSolverState {
  return { step: 0, h: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n), batches: 1, bestNorm: Infinity, badSteps: 0, lrScale: 1 };
}

/** The measure error of cell masses g (counts / total) against ν. */
export interface CellMeasureError {
  /** g − ν per cell. */
  diff: Float64Array;
  /** max_i |g_i − ν_i| · N — pyOMT's "max absolute error ratio", the stopping criterion. */
  maxError: number;
  /** ‖g − ν‖₂ (pyOMT's "g norm": the batch doubling watches it). */
  norm: number;
  /** Cells that received no sample. */
  emptyCells: number;
}

/** g_i = counts_i / total against ν_i; the error is scaled by the number of cells N (ν_i = 1/N gives relative errors). */
export function cellMeasureError(counts: ArrayLike<number>, total: number, nu: Float64Array): CellMeasureError {
  const n = nu.length;
  const diff = new Float64Array(n);
  let maxAbs = 0;
  let ss = 0;
  let empty = 0;
  for (let i = 0; i < n; i++) {
    const g = counts[i]! / total;
    const e = g - nu[i]!;
    diff[i] = e;
    if (Math.abs(e) > maxAbs) maxAbs = Math.abs(e);
    ss += e * e;
    if (counts[i] === 0) empty++;
  }
  return { diff, maxError: maxAbs * n, norm: Math.sqrt(ss), emptyCells: empty };
}

/**
 * One Adam step on h with the gradient ∇E = g − ν, exactly as pyOMT's `update_h` (no bias correction):
 * m ← β1 m + (1 − β1) ∇E, v ← β2 v + (1 − β2) ∇E², h ← h − lr · m / (√v + 1e−8), then h ← h − mean(h)
 * (E is invariant under adding a constant to h, since Σ ν_i = 1: re-centring only fixes the free constant).
 */
export function adamStep(s: Pick<OtSolverState, 'h' | 'm' | 'v'>, grad: Float64Array, lr: number, beta1 = 0.9, beta2 = 0.999): void {
  const { h, m, v } = s;
  const n = h.length;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const g = grad[i]!;
    m[i] = beta1 * m[i]! + (1 - beta1) * g;
    v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
    h[i] = h[i]! - (lr * m[i]!) / (Math.sqrt(v[i]!) + 1e-8);
    mean += h[i]!;
  }
  mean /= n;
  for (let i = 0; i < n; i++) h[i] = h[i]! - mean;
}

/** What the solver does when ‖g − ν‖₂ stalls (see `onStall`). */
export interface StallRule {
  /** Steps without a new best ‖g − ν‖₂ that make a stall (pyOMT: 20–30). */
  patience: number;
  /** Multiply the learning rate by this at a stall (1: never; pyOMT has no decay). */
  lrDecay: number;
  /** Never scale the learning rate below this (a multiple of the initial one). */
  minLrScale: number;
  /** Double the batches at a stall while one cell's share is resolved more coarsely than this (see below). */
  resolution: number;
  /** Samples per batch M, the cells N, and the most batches allowed. */
  samples: number;
  cells: number;
  maxBatches: number;
}

/**
 * The schedule of the solve, after pyOMT's batch doubling (METHODS.md §5), with a learning-rate decay. Keep the best
 * ‖g − ν‖₂; after `patience` consecutive steps without reaching it (a stall):
 * - the learning rate is multiplied by `lrDecay` (down to `minLrScale`). The solver measures the cells on the same
 *   Sobol points every step, so g − ν is a deterministic, piecewise-constant function of h: a stall is Adam circling
 *   the optimum at a step size of about lr (its steps are ≈ lr·m/√v whatever the size of the gradient), never
 *   sampling noise; a smaller step is what lets the error fall further. Measured on 400 codes of the `manifold`
 *   autoencoder: a fixed lr ten times the default oscillates at max error ≈ 4 after 300 steps, and pyOMT's doubling
 *   alone (no decay) only made each step dearer (3.2 M samples per step).
 * - the batches double (unless that passes `maxBatches`) while the grain of the estimate, N / (batches·M) — one
 *   sample's share of a cell, in units of the cell's mass 1/N — is coarser than `resolution` (e.g. the tolerance / 4:
 *   a max error below the tolerance needs every cell's count within tolerance·M/N of M/N, so M/N ≥ 4/tolerance
 *   samples per cell). More points than that refine nothing the stopping rule can see, and cost a step each time.
 * Then the best is forgotten. Returns what changed.
 */
export function onStall(s: OtSolverState, norm: number, rule: StallRule): { stalled: boolean; doubled: boolean; decayed: boolean } {
  if (norm <= s.bestNorm) {
    s.bestNorm = norm;
    s.badSteps = 0;
    return { stalled: false, doubled: false, decayed: false };
  }
  s.badSteps++;
  if (s.badSteps < rule.patience) return { stalled: false, doubled: false, decayed: false };
  s.badSteps = 0;
  s.bestNorm = Infinity;
  let doubled = false;
  if (rule.cells / (s.batches * rule.samples) > rule.resolution && s.batches * 2 <= rule.maxBatches) {
    s.batches *= 2;
    doubled = true;
  }
  const next = Math.max(rule.minLrScale, s.lrScale * rule.lrDecay);
  const decayed = next < s.lrScale;
  s.lrScale = next;
  return { stalled: true, doubled, decayed };
}

/** The Monte-Carlo energy E(h) = mean_x max_i(⟨x, y_i⟩ + h_i) − Σ ν_i h_i from the mean of the maxima. */
export function otEnergy(meanMax: number, h: Float64Array, nu: Float64Array): number {
  let s = 0;
  for (let i = 0; i < h.length; i++) s += nu[i]! * h[i]!;
  return meanMax - s;
}

// ------------------------------------------------------------------------------------------------ closed forms

/**
 * Semi-discrete OT in one dimension, closed form, for any source with quantile function F⁻¹: targets y_1 < … < y_N
 * with masses ν_i. The optimal map is monotone (the quantile transport): cell i is [q_{i−1}, q_i] with
 * q_i = F⁻¹(Σ_{j≤i} ν_j), and the power weights solve ⟨q_i, y_i⟩ + h_i = ⟨q_i, y_{i+1}⟩ + h_{i+1}:
 * h_{i+1} = h_i − q_i (y_{i+1} − y_i), returned with mean 0. Errors: BAD_ARGUMENT unless the targets are strictly
 * increasing.
 */
export function quantileTransport1dFrom(y: ArrayLike<number>, nu: ArrayLike<number>, quantile: (p: number) => number): { boundaries: Float64Array; h: Float64Array } {
  const n = y.length;
  for (let i = 1; i < n; i++) if (!(y[i]! > y[i - 1]!)) throw new GeolensError('BAD_ARGUMENT', 'quantileTransport1d: the targets must be strictly increasing.');
  const q = new Float64Array(Math.max(0, n - 1));
  let cum = 0;
  for (let i = 0; i + 1 < n; i++) {
    cum += nu[i]!;
    q[i] = quantile(cum);
  }
  const h = new Float64Array(n);
  for (let i = 0; i + 1 < n; i++) h[i + 1] = h[i]! - q[i]! * (y[i + 1]! - y[i]!);
  const mean = h.reduce((s, v) => s + v, 0) / n;
  for (let i = 0; i < n; i++) h[i] = h[i]! - mean;
  return { boundaries: q, h };
}

/** The quantile transport (quantileTransport1dFrom) from the uniform source on [lo, hi]: q_i = lo + (hi − lo)·Σ_{j≤i} ν_j. */
export function quantileTransport1d(y: ArrayLike<number>, nu: ArrayLike<number>, lo: number, hi: number): { boundaries: Float64Array; h: Float64Array } {
  return quantileTransport1dFrom(y, nu, (p) => lo + (hi - lo) * p);
}

/**
 * The boundaries of the power cells of 1-D targets (sorted by y) under weights h: x_i with ⟨x_i, y_i⟩ + h_i =
 * ⟨x_i, y_{i+1}⟩ + h_{i+1} between consecutive targets, i.e. x_i = (h_i − h_{i+1}) / (y_{i+1} − y_i).
 */
export function powerBoundaries1d(y: ArrayLike<number>, h: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, y.length - 1));
  for (let i = 0; i + 1 < y.length; i++) out[i] = (h[i]! - h[i + 1]!) / (y[i + 1]! - y[i]!);
  return out;
}

// ------------------------------------------------------------------------------------------------ 2-D power diagram

/** A convex polygon as [x0, y0, x1, y1, …] (counter-clockwise). */
export type Polygon = number[];

/** Area of a simple polygon (shoelace formula; positive when counter-clockwise). */
export function polygonArea(p: Polygon): number {
  let a = 0;
  const m = p.length / 2;
  for (let i = 0; i < m; i++) {
    const j = (i + 1) % m;
    a += p[2 * i]! * p[2 * j + 1]! - p[2 * j]! * p[2 * i + 1]!;
  }
  return a / 2;
}

/** Clip a convex polygon to the half-plane a·x + b·y ≤ c (Sutherland–Hodgman). */
function clipHalfPlane(p: Polygon, a: number, b: number, c: number): Polygon {
  const out: Polygon = [];
  const m = p.length / 2;
  for (let i = 0; i < m; i++) {
    const x1 = p[2 * i]!;
    const y1 = p[2 * i + 1]!;
    const j = (i + 1) % m;
    const x2 = p[2 * j]!;
    const y2 = p[2 * j + 1]!;
    const f1 = a * x1 + b * y1 - c;
    const f2 = a * x2 + b * y2 - c;
    if (f1 <= 0) out.push(x1, y1);
    if ((f1 < 0 && f2 > 0) || (f1 > 0 && f2 < 0)) {
      const t = f1 / (f1 - f2);
      out.push(x1 + t * (x2 - x1), y1 + t * (y2 - y1));
    }
  }
  return out;
}

/**
 * The power cells W_i(h) ∩ box of 2-D targets exactly, as convex polygons: W_i = {x : ⟨x, y_j − y_i⟩ ≤ h_i − h_j ∀ j}
 * clipped to [lo, hi]. O(N²) half-plane clips (fine for the few thousand codes a plot shows). An empty cell is [].
 */
export function powerCells2d(y: ArrayLike<number>, h: ArrayLike<number>, lo: [number, number], hi: [number, number]): Polygon[] {
  const n = h.length;
  const cells: Polygon[] = [];
  for (let i = 0; i < n; i++) {
    let p: Polygon = [lo[0], lo[1], hi[0], lo[1], hi[0], hi[1], lo[0], hi[1]];
    const yi0 = y[2 * i]!;
    const yi1 = y[2 * i + 1]!;
    for (let j = 0; j < n && p.length > 0; j++) {
      if (j === i) continue;
      p = clipHalfPlane(p, y[2 * j]! - yi0, y[2 * j + 1]! - yi1, h[i]! - h[j]!);
    }
    cells.push(p.length >= 6 ? p : []);
  }
  return cells;
}

// ------------------------------------------------------------------------------------------------ generation

/**
 * The angle between the supporting hyperplanes of u_h over cells i and j: the normals (ŷ_i, −1) and (ŷ_j, −1), as
 * pyOMT's `gen_P` compares them (small angle: neighbouring codes whose segment stays near the data manifold).
 */
export function supportAngle(y: ArrayLike<number>, d: number, i: number, j: number): number {
  let dot = 1;
  let ni = 1;
  let nj = 1;
  for (let k = 0; k < d; k++) {
    const a = y[i * d + k]!;
    const b = y[j * d + k]!;
    dot += a * b;
    ni += a * a;
    nj += b * b;
  }
  return Math.acos(Math.min(1, dot / Math.sqrt(ni * nj)));
}

/** Total variation distance ½ Σ |p_c − q_c| between two distributions over the same classes. */
export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let c = 0; c < p.length; c++) s += Math.abs(p[c]! - q[c]!);
  return s / 2;
}

// ------------------------------------------------------------------------------------------------ pictures

/** A linear map of codes to the plane for the latent picture: x ↦ ((x − centre)·a, (x − centre)·b). */
export interface LatentProjection {
  /** 'codes': the codes are 2-D and drawn as they are; 'pca': their first two principal axes. */
  kind: 'codes' | 'pca';
  centre: Float64Array;
  axes: [Float64Array, Float64Array];
  /** Share of the codes' total variance along each axis ('pca'; NaN for 'codes'). */
  explained: [number, number];
}

/**
 * The plane a latent picture is drawn in: 2-D codes as they are (centre 0, unit axes), otherwise the first two
 * principal axes of the codes ([n, d], d ≥ 2) about their mean (eigenvectors of the d×d covariance, symmetricEigen).
 */
export function latentProjection(codes: ArrayLike<number>, n: number, d: number): LatentProjection {
  if (d < 2) throw new GeolensError('BAD_ARGUMENT', `latentProjection: the codes must have at least 2 dimensions (got ${d}).`);
  if (d === 2) return { kind: 'codes', centre: new Float64Array(2), axes: [Float64Array.of(1, 0), Float64Array.of(0, 1)], explained: [NaN, NaN] };
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k]! += codes[i * d + k]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const va = codes[i * d + a]! - mean[a]!;
      for (let b = 0; b < d; b++) cov[a * d + b]! += (va * (codes[i * d + b]! - mean[b]!)) / n;
    }
  }
  const eig = symmetricEigen(cov, d);
  let total = 0;
  for (let k = 0; k < d; k++) total += Math.max(0, eig.values[k]!);
  return {
    kind: 'pca',
    centre: mean,
    axes: [eig.vectors.slice(0, d), eig.vectors.slice(d, 2 * d)],
    explained: [eig.values[0]! / total, eig.values[1]! / total],
  };
}

/** Project rows [count, d] with a LatentProjection: [x0, y0, x1, y1, …]. */
export function projectCodes(p: LatentProjection, codes: ArrayLike<number>, count: number, d: number): Float64Array {
  const out = new Float64Array(2 * count);
  for (let i = 0; i < count; i++) {
    let x = 0;
    let y = 0;
    for (let k = 0; k < d; k++) {
      const v = codes[i * d + k]! - p.centre[k]!;
      x += v * p.axes[0][k]!;
      y += v * p.axes[1][k]!;
    }
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}
