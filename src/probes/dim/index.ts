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
export type {
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
