/** Law of data separation probe (He & Su, PNAS 2023): separation fuzziness per layer and its geometric decay. */
export { separationFuzziness, separationLaw, separationOverTraining, SEPARATION_VARIANT_DESCRIPTIONS } from './compute.js';
export { runSeparation, runSeparationOverTraining, layerCounting, type SeparationRunOptions, type Checkpoints } from './run.js';
export { SEPARATION_RESULT, SEPARATION_OVER_TRAINING_RESULT, SEPARATION_SCHEMA_VERSION, separationResultSchema, separationOverTrainingSchema } from './schema.js';
export { separationVerdict, type SeparationVerdict, type SeparationVerdictKind } from './verdict.js';
export type {
  SeparationResult,
  SeparationOverTrainingResult,
  SeparationLayerMeta,
  SeparationDatasetMeta,
  SeparationVariant,
  SeparationOptions,
  SeparationFuzziness,
  SeparationLawOptions,
  LayerFeatures,
  SeparationLayer,
  SeparationLawFit,
  SeparationLaw,
  EpochFeatures,
  SeparationEpoch,
  SeparationOverTraining,
} from './types.js';
