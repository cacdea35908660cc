/** Result schema of the metric-topology probe (Wu, Huang, Li, Liu 2025; METHODS.md §4). All plain JSON. */

/**
 * Which distance between classifiers (METHODS.md §4; the paper does not fix the formula):
 * - `'correctness'` (default): d = E|1[f_w(x) = y] − 1[f_w′(x) = y]| — networks right on the same points are equal;
 * - `'disagreement'`: d = P[argmax f_w(x) ≠ argmax f_w′(x)] — networks predicting the same labels are equal.
 */
export type TopologyReading = 'correctness' | 'disagreement';

/** One network of the comparison. */
export interface TopologyModelInfo {
  index: number;
  name: string;
  /** Where it came from (a file or run directory, with the checkpoint). */
  source: string;
  /** Checkpoint epoch when it is a checkpoint of a run, else null. */
  epoch: number | null;
  numClasses: number;
  /** Share of the m points predicted correctly. */
  accuracy: number;
  /** Hoeffding interval of the accuracy at the stated confidence. */
  accuracyInterval: [number, number];
  /** Share of the m points whose top-2 softmax probabilities are within ε (the non-unique-label set). */
  tieShare: number;
  /** Float parameters (initializer entries) when the parameter distance could be computed, else null. */
  numParams: number | null;
}

/** The checks of one distance matrix (see `metricChecks`). */
export interface TopologyChecks {
  symmetry: { maxAsymmetry: number; maxDiagonal: number; ok: boolean };
  triangle: { triples: number; violations: number; maxViolation: number; worst: [number, number, number] | null; ok: boolean };
  accuracyBound: { pairs: number; violations: number; maxViolation: number; ok: boolean };
  tolerance: number;
}

/** The distance matrix of one reading with its intervals and checks (n×n, rows = networks). */
export interface TopologyDistances {
  reading: TopologyReading;
  definition: string;
  /** Estimates d̂_ij in [0, 1]. */
  distance: number[][];
  /** Hoeffding interval bounds max(0, d̂ − h) and min(1, d̂ + h). */
  lower: number[][];
  upper: number[][];
  checks: TopologyChecks;
}

export interface TopologyClass {
  id: number;
  /** Network indices, ascending. */
  members: number[];
  /** Largest distance between two members (single linkage can chain networks farther apart than h). */
  diameter: number;
}

/** The result written to `topology.json`. */
export interface TopologyResult {
  schemaVersion: 1;
  probe: 'topology';
  geolensVersion: string;
  /** The reading that defines the classes, the embedding and the plots (both matrices are always given). */
  reading: TopologyReading;
  /** Confidence 1 − δ of every interval. */
  confidence: number;
  delta: number;
  /** Number of labelled points the estimates use. */
  m: number;
  /** Hoeffding half-width h = √(ln(2/δ)/(2m)) of each estimate. */
  halfWidth: number;
  /** Half-width for all n(n−1)/2 pairs at once (Bonferroni), √(ln(n(n−1)/δ)/(2m)); equal to halfWidth for n ≤ 2. */
  simultaneousHalfWidth: number;
  tieEpsilon: number;
  definitions: {
    argmax: string;
    tie: string;
    hoeffding: string;
    classes: string;
    mds: string;
  };
  dataset: {
    name: string;
    /** The dataset spec, or null when the data came as a Dataset object. */
    spec: string | null;
    /** Part of a run's own dataset, or null. */
    split: 'train' | 'test' | 'all' | null;
    /** Samples in the data given. */
    size: number;
    numClasses: number;
    sampleShape: number[];
    /** Samples per class among the m points used. */
    classCounts: number[];
    /** Seed of the subset of m points (when m < size). */
    seed: number;
  };
  models: TopologyModelInfo[];
  correctness: TopologyDistances;
  disagreement: TopologyDistances;
  /** Pairs where the correctness distance exceeds the disagreement distance (0 on one set of points: a check). */
  readingOrder: { violations: number; ok: boolean };
  classes: {
    /** Class of each network (single linkage on d̂ ≤ h in the chosen reading). */
    classOf: number[];
    list: TopologyClass[];
    /** Class of each network under d̂ = 0 exactly. */
    exactClassOf: number[];
    numExactClasses: number;
  };
  mds: {
    /** [x, y] of each network (the coordinates of its exact class). */
    coordinates: [number, number][];
    /** Eigenvalues of B for the exact-class points, descending. */
    eigenvalues: number[];
    /** Share of the positive eigenvalue mass on the two drawn axes; null when all points coincide. */
    explained: number | null;
    negativeShare: number;
    numPoints: number;
  };
  parameterDistance: {
    definition: string;
    /** n×n Euclidean distances, or null when the models' parameters do not match (see reason). */
    distance: number[][] | null;
    reason: string | null;
    numParams: number | null;
    /** Correlations between the upper-triangle entries of the chosen reading's d̂ and the parameter distance. */
    pearson: number | null;
    spearman: number | null;
  };
  warnings: string[];
}
