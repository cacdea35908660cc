/**
 * Result schemas of the exact linear-regions probe (Lei, Luo, Yau & Gu, arXiv 1805.10451; METHODS.md §5). Plain JSON;
 * the tiling and the decision boundary are GeoJSON-like FeatureCollections in slice coordinates (s, t), so the report
 * and the playground draw them directly. Numbers are written with 12 significant digits.
 */

/** An exact integer that may exceed 2^53: its decimal digits, the number when exactly representable, and log10. */
export interface BigCount {
  exact: string;
  value: number | null;
  log10: number;
}

export interface RegionsDatasetMeta {
  spec: string;
  name: string;
  n: number;
  numClasses: number;
  sampleShape: number[];
}

/** A piecewise-linear layer of the network as the bounds count it. */
export interface RegionsLayerMeta {
  node: string;
  op: string;
  /** Output width (units of a rectifier, outputs of a MaxPool). */
  width: number;
  /** Hyperplanes deciding its pattern (units; per MaxPool output one per pair in its window). */
  hyperplanes: number;
}

/**
 * Upper bounds on the number of regions of the network restricted to the slice (input dimension `inputDim`: 2 for a
 * plane, 1 for a segment, the input's for the whole network). `lei` and `serra` are given for rectifier chains; a
 * count above any of them is a bug in geolens and stops the probe.
 */
export interface RegionBounds {
  inputDim: number;
  /** Rectifier widths n_1 … n_L (the output layer is affine and adds no region). */
  widths: number[];
  /** Lei et al. Π_{i=1}^{L} C(w_{i−1}, w_i), w_0 = inputDim. */
  lei: BigCount | null;
  /** The same product with the output layer's factor C(w_L, numClasses), as the formula is written in the paper. */
  leiWithOutput: BigCount | null;
  /** Serra, Tjandraatmadja & Ramalingam (2018), Theorem 7. */
  serra: BigCount | null;
  /** Π_l C(min(inputDim, w_{l−1}), H_l) over all piecewise-linear layers (rectifiers and MaxPool alike). */
  hyperplaneProduct: BigCount;
  notes: string[];
}

/** The slice the regions live on. */
export interface SliceMeta {
  kind: 'plane' | 'segment';
  /** 'input-plane': the input space itself (2-D inputs); 'points': through data points; 'explicit': as given. */
  how: 'input-plane' | 'points' | 'explicit';
  /** Dataset indices of the points the slice passes through (points), else null. */
  points: number[] | null;
  /** x(s, t) = origin + s·directions[0] + t·directions[1] (a segment: one direction). */
  origin: number[];
  directions: number[][];
  /** What the coordinates mean. */
  coordinates: string;
  /** [s0, s1, t0, t1] (plane) or [t0, t1] (segment). */
  extent: number[];
  /** Area (plane) or length (segment) of the slice in its coordinates. */
  measure: number;
  /** The data points the slice is built from, in slice coordinates. */
  anchors: { index: number; label: number; coords: number[] }[];
}

/** A region of a plane slice as a GeoJSON Feature. */
export interface RegionFeature {
  type: 'Feature';
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
  properties: {
    id: number;
    /** Activation pattern: per layer, rectifier bits as hex (unit 0 the high bit), MaxPool window positions; '.' between layers. */
    pattern: string;
    area: number;
    /** The class with the largest area in the region. */
    predicted: number;
    /** Classes predicted somewhere in the region (more than one where the decision boundary crosses it). */
    classes: number[];
    /** Logits on the region: per class [offset, ∂/∂s, ∂/∂t]. */
    affine: number[][];
    /** Where the boundary crosses the region: its class cells (polygon rings), else absent. */
    parts?: { predicted: number; coordinates: [number, number][] }[];
  };
}

export interface RegionsFeatureCollection {
  type: 'FeatureCollection';
  features: RegionFeature[];
}

/** A decision-boundary polyline as a GeoJSON Feature. */
export interface BoundaryFeature {
  type: 'Feature';
  geometry: { type: 'LineString'; coordinates: [number, number][] };
  properties: { classes: [number, number]; length: number };
}

export interface BoundaryFeatureCollection {
  type: 'FeatureCollection';
  features: BoundaryFeature[];
}

/** A region of a segment. */
export interface SegmentInterval {
  t0: number;
  t1: number;
  pattern: string;
  predicted: number;
  classes: number[];
  /** Logits: per class [offset, ∂/∂t]. */
  affine: number[][];
}

export interface DensityPartJson {
  measure: number;
  regions: number;
  density: number | null;
}

/** Region density within input distance `radius` of the data vs elsewhere on the slice (density.ts). */
export interface RegionDensityJson {
  radius: number;
  /** How the radius was chosen. */
  radiusRule: string;
  pointsReaching: number;
  near: DensityPartJson;
  far: DensityPartJson;
  ratio: number | null;
  definition: string;
}

/** Linear pieces of a network on a meshed manifold (a 2-D patch or a 1-D curve; manifold.ts). */
export interface ManifoldCount {
  shape: 'patch' | 'curve';
  latentExtent: number;
  resolution: number;
  /** Triangles (patch) or segments (curve) of the mesh. */
  meshCells: number;
  /** Connected linear pieces of the network on the meshed manifold. */
  pieces: number;
  /** Distinct activation patterns (regions of the network) the manifold meets. */
  patterns: number;
  /** Pieces counted inside the mesh cells before merging across their edges. */
  cellPieces: number;
}

/** Linear pieces a class sheet of the `manifold` dataset is cut into (manifold.ts). */
export interface ManifoldComplexityJson extends ManifoldCount {
  class: number;
  /** Bounds for the whole network (input dimension = the sheet's ambient dimension): `patterns` must be below them. */
  boundsAmbient: RegionBounds;
  /** Bounds for a flat slice of the same dimension as the mesh (2 for a patch, 1 for a curve), for comparison. */
  boundsFlat: RegionBounds;
  definition: string;
}

export interface RegionsLayerCount {
  node: string;
  op: string;
  /** Regions of the network truncated after this layer. */
  regions: number;
  /** The tightest bound given for that truncated network on the slice. */
  bound: BigCount;
  boundName: 'serra' | 'lei' | 'hyperplaneProduct';
}

export interface RegionsTolerances {
  /** A vertex is on a line when |value| ≤ onLineRelTol × the size of its terms. */
  onLineRelTol: number;
  /** Splits leaving a part below this fraction of the slice are not made. */
  minPieceFraction: number;
  /** How many such splits were not made. */
  suppressedSplits: number;
  /** Boundary end points closer than this are one vertex. */
  boundarySnap: number;
}

/** Check of the float64 affine maps against onnxruntime's forward pass at region interior points. */
export interface RegionsCheck {
  points: number;
  /** Largest |logit(float64 affine map) − logit(onnxruntime)| / (1 + |logit|). */
  maxRelativeLogitError: number;
  /** Fraction of the points where both predict the same class. */
  argmaxAgreement: number;
}

export interface RegionsResult {
  schemaVersion: number;
  probe: 'regions';
  geolensVersion: string;
  source: string;
  sourceKind: 'run' | 'onnx';
  dataset: RegionsDatasetMeta;
  model: { inputDim: number; numClasses: number; layers: RegionsLayerMeta[]; chain: boolean };
  method: string;
  slice: SliceMeta;
  tolerances: RegionsTolerances;
  /** Number of linear regions on the slice. */
  count: number;
  perLayer: RegionsLayerCount[];
  bounds: RegionBounds;
  /** Area (length) of the slice predicted as each class. */
  classMeasures: number[];
  /** Smallest, median and largest region area (length). */
  regionMeasure: { min: number; median: number; max: number };
  /** Plane slices: the tiling (null for a segment or when geometry is left out). */
  regions: RegionsFeatureCollection | null;
  /** Plane slices: the decision boundary as polylines (null for a segment or when geometry is left out). */
  boundary: BoundaryFeatureCollection | null;
  /** Total length of the decision boundary on a plane slice; its number of points on a segment. */
  boundaryLength: number;
  /** Segments: the regions in order of t (null for a plane). */
  intervals: SegmentInterval[] | null;
  /** Segments: where the predicted class changes. */
  boundaryPoints: { t: number; from: number; to: number }[] | null;
  /** Data points within the density radius of the slice, projected (for plots; at most 2000). */
  nearbyPoints: { coords: number[]; label: number; offset: number }[];
  density: RegionDensityJson | null;
  manifold: ManifoldComplexityJson[] | null;
  check: RegionsCheck | null;
  seconds: number;
  warnings: string[];
}

/** One checkpoint of `regions-over-training`. */
export interface RegionsEpoch {
  epoch: number;
  count: number;
  perLayer: number[];
  boundaryLength: number;
  classMeasures: number[];
  density: RegionDensityJson | null;
  /** The affine logits checked against onnxruntime at region interior points of this checkpoint. */
  check: RegionsCheck | null;
  seconds: number;
}

export interface RegionsOverTrainingResult {
  schemaVersion: number;
  probe: 'regions-over-training';
  geolensVersion: string;
  source: string;
  dataset: RegionsDatasetMeta;
  model: { inputDim: number; numClasses: number; layers: RegionsLayerMeta[]; chain: boolean };
  slice: SliceMeta;
  bounds: RegionBounds;
  epochs: RegionsEpoch[];
  warnings: string[];
}
