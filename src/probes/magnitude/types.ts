/** Result types of the magnitude probe (plain JSON: no typed arrays; NaN only where documented). */

/** How the weighting is solved: exact Cholesky factorisation, or conjugate gradient warm-started from scale to scale. */
export type MagnitudeSolver = 'cholesky' | 'cg';
/** Spacing of the evaluation scales on [0, t_conv]. */
export type MagnitudeGrid = 'linear' | 'log';
/** Distance between points: Euclidean, or the loss pseudometric ρ_S (trajectories only). */
export type MagnitudeDistance = 'euclidean' | 'loss';
/** Where the point cloud came from. */
export type MagnitudeCloudKind = 'trajectory' | 'representation' | 'file' | 'points';

/** One solve of Z w = 1 at scale t > 0. */
export interface MagnitudeSolve {
  t: number;
  /** |tX| = Σ w_i. */
  magnitude: number;
  /** ‖Z w − 1‖₂ with the unregularised Z. */
  residual: number;
  /** λ of the regulariser Z + λI used for this solve (0: none). */
  regularization: number;
  /** Conjugate-gradient iterations (null for Cholesky). */
  iterations: number | null;
  /** Cholesky: the factorisation succeeded; CG: the tolerance was met. */
  converged: boolean;
}

/** The convergence scale t_conv: |t_conv X| = share·n, found by bracketing from t = 10 and a root finder. */
export interface ConvergenceScale {
  share: number;
  /** share·n (n: the number of distinct points). */
  target: number;
  t: number;
  /** |tX| at the returned t. */
  magnitude: number;
  /** The bracket [lo, hi] the root finder started from. */
  bracket: [number, number];
  /** Magnitude evaluations spent (bracketing and root finding). */
  evaluations: number;
  /** The largest ‖Zw − 1‖₂ of those evaluations. */
  maxResidual: number;
}

export interface MagnitudeCloud {
  kind: MagnitudeCloudKind;
  /** Points given. */
  n: number;
  /** Distinct points (the metric space whose magnitude is measured). */
  distinct: number;
  /** Coordinates per point (parameters, features or columns; for the loss pseudometric: the data samples). */
  dim: number;
  distance: MagnitudeDistance;
  /** What the points are, in words. */
  description: string;
  /** trajectory: the recorded training steps used, in order. */
  steps?: number[];
  /** representation: the layer. */
  layer?: { name: string; tensor: string; op: string };
  /** representation, or trajectory with the loss pseudometric: the data. */
  dataset?: { name: string; spec: string | null; n: number; split: 'train' | 'test' | 'all' | null; seed: number };
}

/** `magnitude.json`. */
export interface MagnitudeResult {
  schemaVersion: number;
  probe: 'magnitude';
  geolensVersion: string;
  source: { path: string; kind: 'run' | 'onnx' | 'file' | 'points' };
  cloud: MagnitudeCloud;
  solver: MagnitudeSolver;
  grid: MagnitudeGrid;
  /** How the magnitude is computed, in words (definition, scales, solver, regulariser). */
  method: string;
  convergenceScale: ConvergenceScale;
  /** The magnitude function t ↦ |tX| on the grid (scales[0] = 0, magnitude[0] = 1 by the one-point property). */
  scales: number[];
  magnitude: number[];
  /** The solve at every positive scale of the grid, in order. */
  solves: MagnitudeSolve[];
  /** Slope of log|tX| against log t at the log-midpoints of consecutive positive scales. */
  dimensionProfile: { scales: number[]; values: number[] };
  /** The profile's maximum and where it is reached. */
  magnitudeDimension: { value: number; scale: number };
  /** The largest ‖Zw − 1‖₂ of the grid's solves. */
  maxResidual: number;
  /** Seconds spent on distances and on solves (incl. the convergence-scale search). */
  seconds: { distances: number; solves: number };
  warnings: string[];
}
