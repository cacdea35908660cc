/** Result schemas of the law-of-data-separation probe (He & Su, PNAS 2023). All plain JSON. */
import type { Tensor } from '../../tensor.js';

/**
 * Which class weighting defines the scatter matrices.
 * - `'definition'`: the paper's definition, SS_b = (1/n) Σ_k n_k (x̄_k − x̄)(x̄_k − x̄)ᵀ and
 *   SS_w = (1/n) Σ_i (x_i − x̄_{y_i})(x_i − x̄_{y_i})ᵀ.
 * - `'balanced'`: the authors' code (HornHehhf/Equi-Separation, `get_variation`): features centred by the global
 *   sample mean x̄, then every class weighted 1/K: SS_b = (1/K) Σ_k (x̄_k − x̄)(x̄_k − x̄)ᵀ,
 *   SS_w = (1/K) Σ_k (1/n_k) Σ_{i∈k} (x_i − x̄_k)(x_i − x̄_k)ᵀ. Identical to `'definition'` when all classes have
 *   the same size.
 */
export type SeparationVariant = 'definition' | 'balanced';

export interface SeparationOptions {
  variant: SeparationVariant;
  /**
   * Relative rank tolerance for SS_b⁺: eigenvalues of SS_b (equivalently of MᵀM) with λ ≤ rtol·λ_max count as zero.
   * Default 1e-10 (see `DEFAULT_RANK_RTOL`).
   */
  rtol?: number;
  /** Progress callback, called with (done, total) in units of feature rows processed. */
  onProgress?: (done: number, total: number) => void;
}

export interface SeparationFuzziness {
  schemaVersion: 1;
  variant: SeparationVariant;
  /** The formulas used, in words. */
  variantDescription: string;
  /** Separation fuzziness D = Tr(SS_w SS_b⁺). */
  D: number;
  /** ln D; null when D ≤ 0 (see warnings). */
  logD: number | null;
  /** Numerical rank of SS_b (≤ min(K − 1, p) in both variants, since Σ_k n_k (x̄_k − x̄) = 0). */
  rankBetween: number;
  /** Tr SS_w. */
  traceWithin: number;
  /** Tr SS_b. */
  traceBetween: number;
  numSamples: number;
  featureDim: number;
  numClasses: number;
  /** Samples per class, index = class label. */
  classCounts: number[];
  rtol: number;
  warnings: string[];
}

export interface SeparationLawOptions extends Omit<SeparationOptions, 'onProgress'> {
  /** The law is said to hold when Pearson r ≤ −this, i.e. D decays geometrically with depth (default 0.9). */
  lawThreshold?: number;
  /** Progress callback, called with (layers done, total layers). */
  onProgress?: (done: number, total: number) => void;
}

/** One layer's features; `features` has shape [n, ...] and is flattened to [n, p]. */
export interface LayerFeatures {
  name: string;
  features: Tensor;
}

export interface SeparationLayer {
  /** Layer index l used in the fit: the position in the input list (0 = the first entry, conventionally the input). */
  index: number;
  name: string;
  D: number;
  logD: number | null;
  /** ln D_l − (intercept + slope·l); null when the layer was left out of the fit. */
  residual: number | null;
  rankBetween: number;
}

export interface SeparationLawFit {
  /** Decay ratio per layer ρ = exp(slope) of the least-squares fit ln D_l = intercept + l·ln ρ. */
  rho: number;
  /** exp of the slope's two-sided 95% Student-t interval (n_layers − 2 dof); null with only 2 layers. */
  rhoCI95: [number, number] | null;
  slope: number;
  slopeStderr: number | null;
  intercept: number;
  /** Pearson r between l and ln D_l (near −1 when the law holds); null when ln D is constant (ρ = 1, r undefined). */
  pearsonR: number | null;
  /**
   * The law holds: pearsonR ≤ −lawThreshold (D decays geometrically with depth), at least 4 layers in the fit (2
   * degrees of freedom) and the 95% interval of ρ below 1. False when r is undefined or D grows.
   */
  lawHolds: boolean;
  lawThreshold: number;
  /** Number of layers in the fit (layers with D ≤ 0 are left out). */
  numLayersFitted: number;
}

export interface SeparationLaw {
  schemaVersion: 1;
  variant: SeparationVariant;
  variantDescription: string;
  rtol: number;
  layers: SeparationLayer[];
  /** null when fewer than 2 layers have D > 0. */
  fit: SeparationLawFit | null;
  warnings: string[];
}

export interface EpochFeatures {
  epoch: number;
  layers: LayerFeatures[];
}

export interface SeparationEpoch {
  epoch: number;
  /** D_l per layer, in layer order. */
  D: number[];
  rho: number | null;
  rhoCI95: [number, number] | null;
  pearsonR: number | null;
  lawHolds: boolean;
}

export interface SeparationOverTraining {
  schemaVersion: 1;
  variant: SeparationVariant;
  variantDescription: string;
  rtol: number;
  layerNames: string[];
  epochs: SeparationEpoch[];
  /** Warnings, each prefixed with its epoch. */
  warnings: string[];
}

/** One measured layer of a separation result: where its features came from. */
export interface SeparationLayerMeta {
  index: number;
  name: string;
  /** Tensor holding the activations ('input' tensor name at l = 0). */
  tensor: string;
  /** Producing op ('Input' at l = 0). */
  op: string;
  /** Features per sample p. */
  featureDim: number;
}

/** The data a separation result was measured on. */
export interface SeparationDatasetMeta {
  spec: string;
  name: string;
  /** Part of the run's own dataset; null for a --dataset spec. */
  split: 'train' | 'test' | 'all' | null;
  n: number;
  numClasses: number;
  sampleShape: number[];
  classCounts: number[];
  perClass: number | null;
  seed: number;
}

/** The result written to `separation.json`: the SeparationLaw plus where it came from. */
export interface SeparationResult extends Omit<SeparationLaw, 'layers'> {
  kind: 'separation';
  geolensVersion: string;
  source: string;
  sourceKind: 'run' | 'onnx';
  dataset: SeparationDatasetMeta;
  n: number;
  layerCounting: string;
  layers: (SeparationLayer & { tensor: string; op: string; featureDim: number; log10D: number | null })[];
}

/** The result written to `separation-over-training.json`. */
export interface SeparationOverTrainingResult extends SeparationOverTraining {
  kind: 'separation-over-training';
  geolensVersion: string;
  source: string;
  dataset: SeparationDatasetMeta;
  n: number;
  layerCounting: string;
  layers: SeparationLayerMeta[];
}
