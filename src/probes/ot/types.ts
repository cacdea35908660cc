/**
 * Result of the semi-discrete optimal transport probe in latent space (`ot.json`): plain JSON, versioned. NaN is
 * written as null (JSON) only where a field says so.
 */
import type { OtSource } from './compute.js';

/** One step of the energy minimisation (measured at h before that step's update). */
export interface OtHistoryEntry {
  step: number;
  /** max_i |μ(W_i) − ν_i| · N on the step's Monte-Carlo samples. */
  maxError: number;
  /** ‖g − ν‖₂. */
  norm: number;
  /** Monte-Carlo samples of the step (batches × samples). */
  samples: number;
  /** E(h) = mean max_i(⟨x, ŷ_i⟩ + h_i) − Σ ν_i h_i on the step's samples (normalised units). */
  energy: number;
  /** Cells that received no sample. */
  emptyCells: number;
  /** Adam's learning rate of the step's update. */
  lr: number;
}

/** Class distribution of generated samples (by a classifier trained on the same data) against the data's. */
export interface OtClassDistribution {
  /** The classifier (its path or source). */
  classifier: string;
  /** Generated samples classified. */
  samples: number;
  /** Share of each class among the generated samples and among the data (the labels of the encoded samples). */
  generated: number[];
  data: number[];
  /** ½ Σ_c |generated_c − data_c|. */
  totalVariation: number;
  /** The classifier's accuracy on the decoded reconstructions of the encoded data (how much to trust the labels). */
  reconstructionAccuracy: number;
}

export interface OtResult {
  schemaVersion: number;
  probe: 'ot';
  /** The autoencoder run. */
  source: { path: string; kind: 'run' };
  dataset: { name: string; spec: string | null; size: number };
  autoencoder: { inputShape: number[]; bottleneck: number; reconstructionError: number };
  method: string;
  /** The target measure: the codes of the encoded samples. */
  targets: {
    n: number;
    /** Distinct codes (duplicates merged, each with the summed mass). */
    distinct: number;
    dimension: number;
    /** Normalisation ŷ = (y − centre) / scale (the codes' bounding box to [−½, ½]^d). */
    centre: number[];
    scale: number;
  };
  options: {
    source: OtSource;
    init: 'voronoi' | 'zero';
    samples: number;
    maxSteps: number;
    tolerance: number;
    lr: number;
    beta1: number;
    beta2: number;
    patience: number;
    lrDecay: number;
    minLrScale: number;
    resolution: number;
    maxSamples: number;
    chunkRows: number;
    seed: number;
  };
  solve: {
    /** 'converged' (max error < tolerance), 'max-steps', or 'interrupted' (resume from the checkpoint). */
    status: 'converged' | 'max-steps' | 'interrupted';
    steps: number;
    /** The step the solve resumed from (null: started at h = 0). */
    resumedFrom: number | null;
    /** At the final h, on the final step's samples. */
    maxError: number;
    norm: number;
    emptyCells: number;
    samples: number;
    energy: number;
    /** At the final h on as many fresh samples (the next Sobol points): the error not fitted to the solver's samples. */
    heldOutMaxError: number;
    heldOutSamples: number;
    seconds: number;
    history: OtHistoryEntry[];
  };
  generation: {
    count: number;
    /** 'cells': ∇u_h(x) = y_i (a training code); 'piecewise-linear': pyOMT's interpolation between neighbouring cells. */
    mode: 'cells' | 'piecewise-linear';
    /** Distinct training codes among the generated ones (cells mode) or distinct pairs used (piecewise-linear). */
    distinct: number;
    extension: { topK: number; maxAngle: number; weight: number; candidatePairs: number; keptPairs: number } | null;
    /** Median distance of a generated code to its nearest training code, over the median nearest-neighbour distance among training codes. */
    nearestCodeRatio: number;
    classDistribution: OtClassDistribution | null;
    /** Image data: the grid of decoded generated samples. */
    images: { file: string; columns: number; valueRange: [number, number] } | null;
  };
  /**
   * The latent picture: codes and generated codes in a plane — the codes themselves when they are 2-D, else their
   * first two principal axes — rounded to 4 significant digits. At most 1,000 codes (a seeded subset) are kept.
   */
  latent: {
    projection: 'codes' | 'pca';
    /** Share of the codes' variance on each axis ('pca'; null for 'codes'). */
    explained: [number, number] | null;
    /** Codes: x, y and the class label of the encoded sample. */
    codes: { x: number; y: number; label: number }[];
    /** Generated codes (the picture's): x, y. */
    generated: { x: number; y: number }[];
    /** 2-D codes: the power cells W_i(h) clipped to the codes' bounding box, one per target (an empty cell: []), as closed polygons [x0, y0, x1, y1, …] in code units (null otherwise, or above 2,000 cells). */
    cells: number[][] | null;
  };
  /** Files written with the result: the potential h (safetensors) and pictures. */
  files: { potential: string; convergence: string; energy: string; latent: string; classes: string | null };
  warnings: string[];
}
