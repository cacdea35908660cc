/** Law of data separation probe (He & Su, PNAS 2023): separation fuzziness per layer and its geometric decay. */
export { separationFuzziness, separationLaw, separationOverTraining, SEPARATION_VARIANT_DESCRIPTIONS } from './compute.js';
export type {
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
