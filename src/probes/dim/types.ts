/**
 * Result schemas of the Data Information Matrix probe (Grementieri & Fioresi; Tron & Fioresi, arXiv 2409.07412).
 * All plain JSON (no typed arrays, NaN or Infinity).
 */
import type { FloatArray } from '../../tensor.js';

export interface DimSpectrumOptions {
  /** Also return the input-space eigenvectors v_k = Jᵀ A^{1/2} u_k / √λ_k of the non-zero eigenvalues (default false). */
  eigenvectors?: boolean;
  /**
   * Relative rank tolerance: λ_k ≤ rtol·λ_max counts as zero. Default 1e-12. The eigenvalues carry an absolute error
   * of about C·ε·λ_max (ε = 2.2e-16), so values below ~1e-13·λ_max are roundoff whatever rtol says.
   */
  rtol?: number;
  /** Progress callback, called with (points done, total points). */
  onProgress?: (done: number, total: number) => void;
}

/** Spectrum of D(x) = Jᵀ(diag p − ppᵀ)J at one point. */
export interface DimPointSpectrum {
  /** The top min(C − 1, d) eigenvalues of D(x), descending, clipped at 0 (the rest are exactly 0). */
  eigenvalues: number[];
  /** Numerical rank: number of eigenvalues > rtol·λ_max (≤ min(C − 1, d)). */
  rank: number;
  /** Tr D(x) = Tr(A J Jᵀ), computed directly (independent of the rank cut). */
  trace: number;
  /** With `eigenvectors: true`: `rank` orthonormal input-space eigenvectors (each of length d), in eigenvalue order. */
  eigenvectors?: number[][];
}

export interface DimSpectrum {
  schemaVersion: 1;
  numPoints: number;
  numClasses: number;
  inputDim: number;
  rtol: number;
  /** How the spectrum was computed, in words. */
  method: string;
  points: DimPointSpectrum[];
  warnings: string[];
}

/** Five-number summary (min, quartiles, max) and mean of a set of values. */
export interface QuantileSummary {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  mean: number;
}

/** Box summary of log10 λ_k over the points whose rank exceeds k. */
export interface SpectrumBox extends QuantileSummary {
  /** 0-based index of the eigenvalue (0 = largest). */
  k: number;
  /** Points contributing (rank > k). */
  count: number;
  /** Points left out because λ_k was below the rank tolerance. */
  excluded: number;
}

export interface DimSpectrumStats {
  schemaVersion: 1;
  quantity: string;
  quantileMethod: string;
  /** One box per k that has at least one contributing point, ascending k. */
  boxes: SpectrumBox[];
}

export interface SpectrumDistanceOptions {
  /** Compare only the top `topK` eigenvalues (default: all). */
  topK?: number;
}

export interface SpectrumDistance {
  schemaVersion: 1;
  /** The definition of the distance, in words. */
  definition: string;
  /** Mean over the compared k of W1; null when no k has eigenvalues on both sides. */
  distance: number | null;
  /** Per k: the 1-Wasserstein distance (null where either side has no eigenvalue above the tolerance) and sample sizes. */
  perK: { k: number; w1: number | null; countA: number; countB: number }[];
  /** Number of k that entered the mean. */
  numK: number;
}

export interface NamedSpectrum {
  name: string;
  spectrum: DimSpectrum | DimPointSpectrum[];
}

export interface DatasetDistanceMatrix {
  schemaVersion: 1;
  definition: string;
  names: string[];
  /** Symmetric, zero diagonal; null where the distance is undefined. */
  matrix: (number | null)[][];
}

/** What the model returns at a point: logits Jacobian J (C×d, row-major) and probabilities p (length C). */
export interface WalkEvaluation {
  J: FloatArray;
  p: FloatArray;
}

export type FoliationWalkMode = 'along' | 'across';

export interface FoliationWalkOptions {
  /**
   * `'along'`: each step is projected onto the image of D(x) (span of its non-zero eigenvectors, the data-leaf
   * directions); `'across'`: onto its kernel (the step minus its image component), along which p is locally constant.
   */
  mode: FoliationWalkMode;
  /** Euclidean length of every step (> 0). */
  stepSize: number;
  /** Number of steps (≥ 0). */
  steps: number;
  /** Initial heading (length d); default: a standard Gaussian vector drawn with `seed`. */
  direction?: FloatArray | number[];
  /** Seed of the default heading (default 0). */
  seed?: number;
  /** Rank tolerance for the image of D(x) (default as in `dimSpectrum`). */
  rtol?: number;
  /** Progress callback, called with (steps done, total steps). */
  onProgress?: (done: number, total: number) => void;
}

export interface FoliationWalk {
  schemaVersion: 1;
  mode: FoliationWalkMode;
  stepSize: number;
  stepsRequested: number;
  stepsTaken: number;
  /** Why the walk stopped before `steps`, or null. */
  stoppedEarly: string | null;
  /** Points visited, starting with `start` (stepsTaken + 1 rows of length d). */
  points: number[][];
  /** Probabilities at each point (normalised to sum 1). */
  probabilities: number[][];
  /** Numerical rank of D(x) at each point. */
  ranks: number[];
}
