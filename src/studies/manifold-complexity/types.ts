/** Results of the manifold-complexity study (plain JSON; see ./run.ts). */
import type { BigCount } from '../../probes/regions/types.js';

/** One fixed architecture of the sweep and its bounds. */
export interface ManifoldArchitecture {
  /** 'small', 'large', or the widths joined by '×'. */
  name: string;
  /** Hidden widths of the MLP (Linear–ReLU layers), e.g. [6]. */
  widths: number[];
  /** Trainable parameters. */
  parameters: number;
  /** The most linear pieces it can cut the closed convex curve into (`convexCurveBound`). */
  curveBound: BigCount;
  /** Lei et al.'s product bound Π C(w_{i−1}, w_i) on the curve's plane (input dimension 2). */
  lei: BigCount;
  /** Serra, Tjandraatmadja & Ramalingam (2018) Theorem 7 on the curve's plane (input dimension 2). */
  serra: BigCount;
}

/** One trained network: one architecture on the manifold with k class pairs. */
export interface ManifoldSweepPoint {
  /** Class pairs: the circle is cut into 2k arcs of alternating class. */
  k: number;
  architecture: string;
  /** The fewest linear pieces on the curve with which a network classifies every point of it correctly: k. */
  piecesNeeded: number;
  /** Connected linear pieces the trained network cuts the (meshed) curve into — exact. */
  pieces: number;
  /** Distinct activation patterns the curve meets. */
  patterns: number;
  /** Linear regions of the trained network on the square [−1.25, 1.25]² of the curve's plane — exact. */
  planeRegions: number;
  /** Predicted-class changes along the meshed curve. */
  classChanges: number;
  /** Accuracy on the training samples (eval mode). */
  trainAccuracy: number;
  /** Accuracy on held-out samples of the curve. */
  testAccuracy: number;
  /**
   * The best accuracy any classifier with this many pieces on the curve can have: min(1, 1/2 + pieces/(2k)) (with
   * uniform samples on the curve; see the method text).
   */
  accuracyCeiling: number;
  /** Training seconds. */
  seconds: number;
}

export interface ManifoldComplexityStudyResult {
  schemaVersion: 1;
  probe: 'manifold-complexity';
  geolensVersion: string;
  manifold: {
    kind: 'alternating-circle';
    description: string;
    /** Dimension of the input space the circle is embedded in (isometrically, in a seeded random plane). */
    ambientDim: number;
    radius: number;
    /** The k of the sweep. */
    ks: number[];
    trainSamples: number;
    testSamples: number;
    /** Vertices of the regular polygon the curve is meshed into for the exact piece count. */
    mesh: number;
  };
  training: { optimizer: 'adam'; lr: number; epochs: number; batchSize: number; seed: number };
  architectures: ManifoldArchitecture[];
  /** One point per (k, architecture), in the order of `ks` then `architectures`. */
  points: ManifoldSweepPoint[];
  method: string;
  warnings: string[];
}
