/** Results of a generalisation study (plain JSON). */
import type { StudyGrid } from './grid.js';
import type { GranulatedKendall } from './kendall.js';

/** The magnitude of one run's trajectory under one distance. */
export interface TrajectoryMagnitude {
  /** The magnitude dimension: the maximum of the magnitude-dimension profile. */
  magnitudeDimension: number;
  /** The scale t where the profile peaks. */
  magnitudeDimensionScale: number;
  /** The convergence scale t_conv (|tX| = 0.95·n). */
  convergenceScale: number;
  /** Distinct points of the trajectory (weight vectors). */
  points: number;
}

/** One finished run of a study (written atomically as `runs/<key>/study-run.json`). */
export interface StudyRunRecord {
  schemaVersion: 1;
  probe: 'generalisation-run';
  key: string;
  hyperparameters: { lr: number; batchSize: number; seed: number };
  /** The run directory, relative to the study folder. */
  runDir: string;
  trainAccuracy: number;
  testAccuracy: number;
  trainLoss: number;
  testLoss: number;
  /** Generalisation gap in accuracy: train − held-out. */
  accuracyGap: number;
  /** Generalisation gap in loss: held-out − train. */
  lossGap: number;
  magnitude: { euclidean: TrajectoryMagnitude; loss: TrajectoryMagnitude };
  /** Wall-clock seconds of training and measuring. */
  seconds: number;
}

/** Kendall coefficients between one magnitude quantity and one gap over the study's runs. */
export interface StudyCorrelation {
  /** e.g. 'magnitude dimension (Euclidean)'. */
  measure: string;
  gap: 'accuracy gap' | 'loss gap';
  kendall: GranulatedKendall;
}

/** `generalisation.json`. */
export interface GeneralisationStudyResult {
  schemaVersion: 1;
  probe: 'generalisation';
  geolensVersion: string;
  grid: StudyGrid;
  runs: StudyRunRecord[];
  correlations: StudyCorrelation[];
  /** Kendall's τ-b (scipy.stats.kendalltau) and granulated coefficients of Jiang et al. 2020. */
  method: string;
  warnings: string[];
}
