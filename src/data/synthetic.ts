import { GeolensError } from '../errors.js';
import { Rng } from '../util/random.js';
import type { Dataset } from './types.js';

/** Options shared by every generator. */
export interface SyntheticBaseOptions {
  /** Number of samples (default 1000 for the 2-D toys, 2000 for `curvedManifoldMixture`). */
  n?: number;
  /** Standard deviation of the isotropic Gaussian noise added to every coordinate. */
  noise?: number;
  /** Seed of the generator (default 0). The same options give bit-identical data. */
  seed?: number;
}

export interface TwoMoonsOptions extends SyntheticBaseOptions {}

export interface SpiralsOptions extends SyntheticBaseOptions {
  /** Number of spiral arms = classes (default 3). */
  classes?: number;
  /** Turns of each arm (default 1). */
  turns?: number;
}

export interface ConcentricCirclesOptions extends SyntheticBaseOptions {
  /** Number of rings = classes (default 2). `rings` is an alias. */
  classes?: number;
  rings?: number;
}

export interface CurvedManifoldOptions extends SyntheticBaseOptions {
  /** Number of classes C (default 5). */
  classes?: number;
  /** Intrinsic dimension k of each class manifold (default 2). */
  intrinsicDim?: number;
  /** Ambient dimension d of the samples (default 32). */
  ambientDim?: number;
  /**
   * Dimension m of the shared linear subspace of R^d that holds all class manifolds before noise
   * (default `min(ambientDim, 2·intrinsicDim + 2)`). Small m makes the classes overlap in the input.
   */
  subspaceDim?: number;
  /** Amplitude of the sine bends relative to the unit latent scale (default 3). 0 gives flat k-planes. */
  curvature?: number;
  /** Angular frequency of the sine bends in latent units (default 1.25). */
  frequency?: number;
  /** Distance of every class centre from the overall mean (default 1; larger = more linearly separable). */
  separation?: number;
}

/** Options accepted by {@link syntheticByName}: the union of all generators' options. */
export type SyntheticOptions = SpiralsOptions & ConcentricCirclesOptions & CurvedManifoldOptions;

/** Names accepted by {@link syntheticByName}. */
export const SYNTHETIC_NAMES = ['moons', 'spirals', 'circles', 'manifold'] as const;
export type SyntheticName = (typeof SYNTHETIC_NAMES)[number];

function checkInt(what: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new GeolensError('BAD_ARGUMENT', `${what} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

function checkNonNeg(what: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new GeolensError('BAD_ARGUMENT', `${what} must be a finite number ≥ 0, got ${v}`);
  return v;
}

/** Class of each of n samples: balanced (sizes differ by at most one), then shuffled with `rng`. */
function balancedLabels(n: number, classes: number, rng: Rng): Int32Array {
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = i % classes;
  const perm = rng.permutation(n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = y[perm[i]!]!;
  return out;
}

function describe(name: string, opts: Record<string, number>): string {
  return `synthetic:${name}(${Object.entries(opts).map(([k, v]) => `${k}=${v}`).join(', ')})`;
}

/**
 * Two interleaving half circles (as scikit-learn's `make_moons`): class 0 on the upper unit half circle centred at
 * (0, 0), class 1 on the lower one centred at (1, 0.5); positions along each arc are uniform at random, then Gaussian
 * noise of std `noise` (default 0.1) is added. Defaults: n = 1000, seed 0.
 */
export function twoMoons(options: TwoMoonsOptions = {}): Dataset {
  const n = checkInt('twoMoons: n', options.n ?? 1000, 2);
  const noise = checkNonNeg('twoMoons: noise', options.noise ?? 0.1);
  const seed = options.seed ?? 0;
  const rng = new Rng(seed);
  const y = balancedLabels(n, 2, rng);
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = Math.PI * rng.uniform();
    const a = y[i] === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const b = y[i] === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    x[2 * i] = a + noise * rng.normal();
    x[2 * i + 1] = b + noise * rng.normal();
  }
  return {
    name: 'moons',
    x: { data: x, shape: [n, 2] },
    y,
    numClasses: 2,
    sampleShape: [2],
    source: describe('moons', { n, noise, seed }),
  };
}

/**
 * C interleaved Archimedean spiral arms in the plane: arm c is r = t, θ = 2π·turns·t + 2πc/C for t uniform in
 * [0.1, 1], plus Gaussian noise of std `noise` (default 0.05). Defaults: n = 1000, classes 3, turns 1, seed 0.
 * Not linearly separable; the difficulty grows with `turns`.
 */
export function spirals(options: SpiralsOptions = {}): Dataset {
  const n = checkInt('spirals: n', options.n ?? 1000, 2);
  const classes = checkInt('spirals: classes', options.classes ?? 3, 2, 1000);
  const turns = checkNonNeg('spirals: turns', options.turns ?? 1);
  const noise = checkNonNeg('spirals: noise', options.noise ?? 0.05);
  const seed = options.seed ?? 0;
  const rng = new Rng(seed);
  const y = balancedLabels(n, classes, rng);
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = 0.1 + 0.9 * rng.uniform();
    const th = 2 * Math.PI * turns * t + (2 * Math.PI * y[i]!) / classes;
    x[2 * i] = t * Math.cos(th) + noise * rng.normal();
    x[2 * i + 1] = t * Math.sin(th) + noise * rng.normal();
  }
  return {
    name: 'spirals',
    x: { data: x, shape: [n, 2] },
    y,
    numClasses: classes,
    sampleShape: [2],
    source: describe('spirals', { n, classes, turns, noise, seed }),
  };
}

/**
 * C concentric circles in the plane: class c lies on the circle of radius (c + 1)/C around the origin, angle uniform,
 * plus Gaussian noise of std `noise` (default 0.05). Defaults: n = 1000, classes (rings) 2, seed 0. All class means
 * coincide, so a linear classifier is at chance level.
 */
export function concentricCircles(options: ConcentricCirclesOptions = {}): Dataset {
  const n = checkInt('concentricCircles: n', options.n ?? 1000, 2);
  const classes = checkInt('concentricCircles: classes', options.classes ?? options.rings ?? 2, 2, 1000);
  const noise = checkNonNeg('concentricCircles: noise', options.noise ?? 0.05);
  const seed = options.seed ?? 0;
  const rng = new Rng(seed);
  const y = balancedLabels(n, classes, rng);
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const r = (y[i]! + 1) / classes;
    const th = 2 * Math.PI * rng.uniform();
    x[2 * i] = r * Math.cos(th) + noise * rng.normal();
    x[2 * i + 1] = r * Math.sin(th) + noise * rng.normal();
  }
  return {
    name: 'circles',
    x: { data: x, shape: [n, 2] },
    y,
    numClasses: classes,
    sampleShape: [2],
    source: describe('circles', { n, classes, noise, seed }),
  };
}

/** m×k matrix (row-major) with orthonormal columns, from Gram–Schmidt on Gaussian columns. */
function randomOrthonormal(rng: Rng, m: number, k: number): Float64Array {
  const q = new Float64Array(m * k);
  for (let j = 0; j < k; j++) {
    for (;;) {
      const v = new Float64Array(m);
      for (let i = 0; i < m; i++) v[i] = rng.normal();
      for (let pass = 0; pass < 2; pass++) {
        for (let l = 0; l < j; l++) {
          let dot = 0;
          for (let i = 0; i < m; i++) dot += v[i]! * q[i * k + l]!;
          for (let i = 0; i < m; i++) v[i]! -= dot * q[i * k + l]!;
        }
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += v[i]! * v[i]!;
      norm = Math.sqrt(norm);
      if (norm < 1e-6) continue;
      for (let i = 0; i < m; i++) q[i * k + j] = v[i]! / norm;
      break;
    }
  }
  return q;
}

/** A random unit vector of R^m orthogonal to the columns of the m×k orthonormal U. */
function normalUnit(rng: Rng, U: Float64Array, m: number, k: number): Float64Array {
  const v = new Float64Array(m);
  for (;;) {
    for (let i = 0; i < m; i++) v[i] = rng.normal();
    for (let l = 0; l < k; l++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += v[i]! * U[i * k + l]!;
      for (let i = 0; i < m; i++) v[i]! -= dot * U[i * k + l]!;
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += v[i]! * v[i]!;
    nrm = Math.sqrt(nrm);
    if (nrm > 1e-6) return v.map((a) => a / nrm);
  }
}

/**
 * The embedded default dataset: a C-class mixture in which each class lies near its own curved k-dimensional
 * manifold, all manifolds sharing one m-dimensional linear subspace of R^d, so that the classes overlap in the input.
 *
 * Construction (all draws from one `Rng(seed)`, in this order):
 * 1. A random d×m matrix R with orthonormal columns: the shared subspace, randomly rotated into R^d.
 * 2. Class centres μ_c ∈ R^m: the vertices of a regular simplex centred at 0, each at distance `separation` from 0
 *    (all pairs equidistant), rotated by a random m×(C−1) orthonormal frame (when m < C − 1: μ_c ~ N(0, separation²/m·I)).
 * 3. For each class c: a random m×k orthonormal frame U_c (the tangent plane at the centre) and m sine bends
 *    j = 1..m, each with a random unit direction v_cj ∈ R^m normal to U_c (none when m = k), a random unit wave
 *    vector w_cj ∈ R^k and a phase φ_cj ~ U[0, 2π).
 * 4. Labels are balanced (class sizes differ by at most one) and shuffled. Sample i of class c draws a latent
 *    z ~ N(0, I_k) and is
 *
 *      x = R · f_c(z) + noise · ε,   ε ~ N(0, I_d),
 *      f_c(z) = μ_c + U_c z + (curvature/√m) · Σ_j v_cj · (sin(frequency · w_cj·z + φ_cj) − sin(φ_cj)·e^(−frequency²/2)).
 *
 *    The subtracted constant is the mean of the sine under z ~ N(0, I), so E[x | c] = R μ_c exactly and
 *    `separation` alone sets how far apart the class means are.
 *
 * Each f_c is a smooth embedding of R^k (a graph over its tangent plane, bent in the normal directions on a length
 * scale 1/frequency, comparable to the latent spread), so each class is a curved sheet: PCA of a small neighbourhood
 * finds ≈ k dominant directions, while PCA of the whole class needs more. All C sheets share the m-dimensional
 * subspace (m = 2k + 2 by default, small next to d) and their means are close relative to their extent, so the
 * classes' convex hulls overlap and a linear classifier stays well below 100%, while a small ReLU MLP separates them
 * (two generic k-sheets in R^m with m > 2k do not intersect, so the Bayes error is small: noise and near passes).
 *
 * Defaults: n = 2000, classes = 5, intrinsicDim = 2, ambientDim = 32, subspaceDim = 6, curvature = 3,
 * frequency = 1.25, separation = 1, noise = 0.01, seed = 0. Output: float32 `x` of shape [n, d], labels 0..C-1.
 * Coordinates have standard deviations of roughly 0.2–0.9; standardize before training.
 *
 * Measured with the defaults (seeds 0–3, 75/25 split, standardized inputs; reference code in float64 JS):
 * softmax regression 62–72% held-out accuracy; 5-nearest-neighbours 98–99%; a ReLU MLP 64-64-64 (Adam 3e-3,
 * batch 64, 20 epochs) 97–99%, with the separation fuzziness D = Tr(SS_w SS_b⁺) on the training set falling at every
 * layer (seed 0: input 12.8 → 7.6 → 4.6 → 2.2). Per class, PCA of 20-point neighbourhoods puts ≥ 95% of the variance
 * in k = 2 directions (median over anchors), while PCA of the whole class puts 61–93% there and usually needs 3–4
 * components for 90%.
 */
export function curvedManifoldMixture(options: CurvedManifoldOptions = {}): Dataset {
  const n = checkInt('curvedManifoldMixture: n', options.n ?? 2000, 2);
  const { rng, sheets, resolved } = manifoldSheets(options);
  const { classes, intrinsicDim: k, ambientDim: d, noise } = resolved;
  const y = balancedLabels(n, classes, rng);
  const x = new Float32Array(n * d);
  const z = new Float64Array(k);
  const point = new Float64Array(d);
  for (let s = 0; s < n; s++) {
    const c = y[s]!;
    for (let l = 0; l < k; l++) z[l] = rng.normal();
    sheets.at(c, z, point);
    const off = s * d;
    for (let r = 0; r < d; r++) x[off + r] = point[r]! + noise * rng.normal();
  }
  return {
    name: 'manifold',
    x: { data: x, shape: [n, d] },
    y,
    numClasses: classes,
    sampleShape: [d],
    source: describe('manifold', { n, ...resolved, seed: options.seed ?? 0 }),
  };
}

/** The noise-free class sheets of {@link curvedManifoldMixture}: x = R·f_c(z) for a latent z ∈ R^k. */
export interface ManifoldSheets {
  classes: number;
  /** Intrinsic dimension k (latent z ∈ R^k). */
  intrinsicDim: number;
  /** Ambient dimension d of the points. */
  ambientDim: number;
  /** Write R·f_c(z) (length d) into `out` and return it. */
  at(c: number, z: ArrayLike<number>, out?: Float64Array): Float64Array;
}

/**
 * The class sheets of `curvedManifoldMixture(options)` as maps z ↦ R·f_c(z) (the samples without noise; step 4 of
 * its construction), with the generator after the draws of steps 1–3 (labels and samples come next). The same
 * options give the same sheets as the dataset's.
 */
export function manifoldSheets(options: CurvedManifoldOptions = {}): {
  rng: Rng;
  sheets: ManifoldSheets;
  resolved: { classes: number; intrinsicDim: number; ambientDim: number; subspaceDim: number; curvature: number; frequency: number; separation: number; noise: number };
} {
  const classes = checkInt('curvedManifoldMixture: classes', options.classes ?? 5, 2, 10000);
  const k = checkInt('curvedManifoldMixture: intrinsicDim', options.intrinsicDim ?? 2, 1, 1000);
  const d = checkInt('curvedManifoldMixture: ambientDim', options.ambientDim ?? 32, k, 100000);
  const m = checkInt('curvedManifoldMixture: subspaceDim', options.subspaceDim ?? Math.min(d, 2 * k + 2), k, d);
  const curvature = checkNonNeg('curvedManifoldMixture: curvature', options.curvature ?? 3);
  const frequency = checkNonNeg('curvedManifoldMixture: frequency', options.frequency ?? 1.25);
  const separation = checkNonNeg('curvedManifoldMixture: separation', options.separation ?? 1);
  const noise = checkNonNeg('curvedManifoldMixture: noise', options.noise ?? 0.01);
  const seed = options.seed ?? 0;
  const rng = new Rng(seed);

  const R = randomOrthonormal(rng, d, m); // d×m
  const centres: Float64Array[] = [];
  const frames: Float64Array[] = []; // m×k each
  const bendDir: Float64Array[][] = []; // [c][j] ∈ R^m
  const waveVec: Float64Array[][] = []; // [c][j] ∈ R^k
  const phase: number[][] = [];
  // Class centres: a regular simplex (every centre at distance `separation` from the mean, all pairs equidistant),
  // randomly rotated into the subspace; Gaussian centres when the subspace is too small to hold the simplex.
  const simplex = m >= classes - 1;
  const B = simplex ? randomOrthonormal(rng, m, classes - 1) : undefined; // m×(C-1)
  for (let c = 0; c < classes; c++) {
    const mu = new Float64Array(m);
    if (B) {
      // Helmert coordinates of e_c - 1/C, scaled to norm `separation`.
      const coord = new Float64Array(classes - 1);
      for (let j = 1; j < classes; j++) coord[j - 1] = (c < j ? 1 : c === j ? -j : 0) / Math.sqrt(j * (j + 1));
      const scale = separation * Math.sqrt(classes / (classes - 1));
      for (let i = 0; i < m; i++) {
        let acc = 0;
        for (let j = 0; j < classes - 1; j++) acc += B[i * (classes - 1) + j]! * coord[j]!;
        mu[i] = scale * acc;
      }
    } else {
      for (let i = 0; i < m; i++) mu[i] = (separation / Math.sqrt(m)) * rng.normal();
    }
    centres.push(mu);
    frames.push(randomOrthonormal(rng, m, k));
    const dirs: Float64Array[] = [];
    const waves: Float64Array[] = [];
    const ph: number[] = [];
    for (let j = 0; j < m; j++) {
      // with m = k the sheet fills the subspace and has no normal direction to bend into
      dirs.push(m > k ? normalUnit(rng, frames[c]!, m, k) : new Float64Array(m));
      waves.push(randomOrthonormal(rng, k, 1));
      ph.push(2 * Math.PI * rng.uniform());
    }
    bendDir.push(dirs);
    waveVec.push(waves);
    phase.push(ph);
  }

  const f = new Float64Array(m);
  const amp = curvature / Math.sqrt(m);
  // E[sin(a·z + φ)] = sin(φ)·exp(-|a|²/2) for z ~ N(0, I): subtracted so that each class mean is exactly R·μ_c.
  const damp = Math.exp((-frequency * frequency) / 2);
  const at = (c: number, z: ArrayLike<number>, out = new Float64Array(d)): Float64Array => {
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new GeolensError('BAD_ARGUMENT', `manifold sheet: class ${c} is outside 0..${classes - 1}`);
    const U = frames[c]!;
    f.set(centres[c]!);
    for (let i = 0; i < m; i++) {
      let acc = 0;
      for (let l = 0; l < k; l++) acc += U[i * k + l]! * z[l]!;
      f[i]! += acc;
    }
    for (let j = 0; j < m; j++) {
      const w = waveVec[c]![j]!;
      let arg = phase[c]![j]!;
      for (let l = 0; l < k; l++) arg += frequency * w[l]! * z[l]!;
      const a = amp * (Math.sin(arg) - Math.sin(phase[c]![j]!) * damp);
      const v = bendDir[c]![j]!;
      for (let i = 0; i < m; i++) f[i]! += a * v[i]!;
    }
    for (let r = 0; r < d; r++) {
      let acc = 0;
      for (let i = 0; i < m; i++) acc += R[r * m + i]! * f[i]!;
      out[r] = acc;
    }
    return out;
  };
  return {
    rng,
    sheets: { classes, intrinsicDim: k, ambientDim: d, at },
    resolved: { classes, intrinsicDim: k, ambientDim: d, subspaceDim: m, curvature, frequency, separation, noise },
  };
}

/**
 * The generator options written in a synthetic dataset's `source` (`synthetic:<name>(key=value, …)`, as the
 * generators write it), or null when `source` is not such a string (e.g. after a transform, which appends to it).
 */
export function syntheticOptionsOf(source: string | undefined): { name: string; options: Record<string, number> } | null {
  const m = /^synthetic:(\w+)\(([^()]*)\)$/.exec(source ?? '');
  if (!m) return null;
  const options: Record<string, number> = {};
  for (const part of m[2]!.split(',')) {
    const kv = /^\s*(\w+)=(-?[\d.e+-]+)\s*$/.exec(part);
    if (!kv) return null;
    options[kv[1]!] = Number(kv[2]);
  }
  return { name: m[1]!, options };
}

/**
 * A synthetic dataset by name: `moons` ({@link twoMoons}), `spirals` ({@link spirals}), `circles`
 * ({@link concentricCircles}) or `manifold` ({@link curvedManifoldMixture}, the default dataset of geolens).
 * Options a generator does not use are ignored.
 */
export function syntheticByName(name: string, options: SyntheticOptions = {}): Dataset {
  switch (name) {
    case 'moons':
      if (options.classes !== undefined && options.classes !== 2) {
        throw new GeolensError('BAD_ARGUMENT', `'moons' has exactly 2 classes, got classes=${options.classes}`);
      }
      return twoMoons(options);
    case 'spirals':
      return spirals(options);
    case 'circles':
      return concentricCircles(options);
    case 'manifold':
      return curvedManifoldMixture(options);
    default:
      throw new GeolensError(
        'BAD_ARGUMENT',
        `unknown synthetic dataset '${name}': use one of ${SYNTHETIC_NAMES.map((s) => `'${s}'`).join(', ')}`,
      );
  }
}
