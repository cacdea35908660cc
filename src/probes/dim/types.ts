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

// ------------------------------------------------------------------------------------------------ results (files)

/** One measured point of `dim.json`. */
export interface DimPointRecord {
  /** Index of the point in the measured dataset. */
  index: number;
  label: number;
  predicted: number;
  /** Largest softmax probability. */
  confidence: number;
  /** Top min(C − 1, d) eigenvalues of D(x), descending. */
  eigenvalues: number[];
  rank: number;
  trace: number;
}

export interface DimResult {
  schemaVersion: 1;
  probe: 'dim';
  source: { path: string; kind: 'run' | 'onnx' };
  dataset: { name: string; spec: string | null; size: number; seed: number };
  model: { numClasses: number; inputShape: number[]; inputDim: number };
  n: number;
  method: string;
  rtol: number;
  accuracy: number;
  points: DimPointRecord[];
  stats: DimSpectrumStats;
  rankDistribution: { maxRank: number; counts: number[] };
  trace: QuantileSummary;
  warnings: string[];
}

export interface WalkRecord {
  /** Index of the start point among the measured points (-1 for leaf-field walks). */
  start: number;
  label: number | null;
  mode: FoliationWalkMode;
  /** +1 or −1: the walk's initial heading is sign·h. */
  sign: 1 | -1;
  stepsTaken: number;
  stoppedEarly: string | null;
  predicted: number[];
  confidence: number[];
  /** Probability of the class predicted at the start, along the walk. */
  startClassProbability: number[];
  ranks: number[];
  /** Euclidean distance from the start, along the walk. */
  distance: number[];
  /** The visited points (flattened; left out for image inputs with d > 64, whose walks go to dim-walks.png). */
  points?: number[][];
  /** max_t |p_c(t) − p_c(0)|, c the class predicted at the start. */
  maxProbabilityChange: number;
  classChanged: boolean;
}

export interface WalkSummary {
  walks: number;
  medianMaxProbabilityChange: number;
  maxMaxProbabilityChange: number;
  fractionClassChanged: number;
  medianLength: number;
}

export interface DimWalksResult {
  schemaVersion: 1;
  probe: 'dim-walks';
  source: { path: string; kind: 'run' | 'onnx' };
  dataset: string;
  method: string;
  stepSize: number;
  steps: number;
  rtol: number;
  walks: WalkRecord[];
  summary: Partial<Record<FoliationWalkMode, WalkSummary>>;
  /** 2-D inputs: the leaf field of dim-foliation.svg (streamlines through a grid of start points). */
  field?: {
    grid: number;
    stepSize: number;
    stepsPerSide: number;
    summary: Partial<Record<FoliationWalkMode, WalkSummary>>;
    lines: { mode: FoliationWalkMode; points: number[][] }[];
    /** The measured data points the field is drawn over ([x₁, x₂], 6 significant digits) and their labels. */
    data?: { points: number[][]; labels: number[] };
  };
  /** Image inputs: the PNG strip of the walks (rows: walks in order; columns: every `frameEvery` steps). */
  images?: { file: string; frameEvery: number; scale: number; valueRange: [number, number] };
}

export interface DimDistancesResult {
  schemaVersion: 1;
  probe: 'dim-distances';
  source: { path: string; kind: 'run' | 'onnx' };
  n: number;
  definition: string;
  datasets: { name: string; spec: string; kind: 'base' | 'transform' | 'dataset'; n: number; accuracy: number; meanConfidence: number; stats: DimSpectrumStats; rankDistribution: number[] }[];
  matrix: DatasetDistanceMatrix;
}
