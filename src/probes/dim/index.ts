/** Data Information Matrix probe: per-point spectra of D(x), spectrum statistics and distances, foliation walks. */
export { dimSpectrum, dimSpectrumFromGram, dataInformationMatrix, DIM_DEFAULT_RTOL, DIM_METHOD } from './compute.js';
export {
  dimSpectrumStats,
  spectrumDistance,
  datasetDistanceMatrix,
  wasserstein1,
  sortedQuantile,
  SPECTRUM_DISTANCE_DEFINITION,
  QUANTILE_METHOD,
} from './distance.js';
export { foliationWalk } from './walk.js';
export { runDim, measureSpectrum, pickPoints, RESAMPLE, type DimRun, type DimRunOptions, type DimCompareItem, type DimWalkFrames, type MeasuredSpectrum } from './run.js';
export { batchedEvaluator } from './evaluator.js';
export { DIM_RESULT, DIM_WALKS_RESULT, DIM_DISTANCES_RESULT, DIM_SCHEMA_VERSION, dimResultSchema, dimWalksResultSchema, dimDistancesResultSchema } from './schema.js';
export type {
  DimResult,
  DimWalksResult,
  DimDistancesResult,
  DimPointRecord,
  WalkRecord,
  WalkSummary,
  QuantileSummary,
  DimSpectrumOptions,
  DimPointSpectrum,
  DimSpectrum,
  SpectrumBox,
  DimSpectrumStats,
  SpectrumDistanceOptions,
  SpectrumDistance,
  NamedSpectrum,
  DatasetDistanceMatrix,
  WalkEvaluation,
  FoliationWalkMode,
  FoliationWalkOptions,
  FoliationWalk,
} from './types.js';
