/** zod schemas of the separation results, checked against their TypeScript types; used by every reader. */
import { z } from 'zod';
import { jsonNumber, resultKind } from '../result.js';
import type { SeparationDatasetMeta, SeparationOverTrainingResult, SeparationResult } from './types.js';

const variant = z.enum(['definition', 'balanced']);
const ci = z.tuple([jsonNumber, jsonNumber]).nullable();

const dataset = z.object({
  spec: z.string(),
  name: z.string(),
  split: z.enum(['train', 'test', 'all']).nullable(),
  n: z.number().int(),
  numClasses: z.number().int(),
  sampleShape: z.array(z.number().int()),
  classCounts: z.array(z.number().int()),
  perClass: z.number().int().nullable(),
  seed: z.number().int(),
}) satisfies z.ZodType<SeparationDatasetMeta>;

const fit = z.object({
  rho: jsonNumber,
  rhoCI95: ci,
  slope: jsonNumber,
  slopeStderr: jsonNumber.nullable(),
  intercept: jsonNumber,
  pearsonR: jsonNumber.nullable(),
  lawHolds: z.boolean(),
  lawThreshold: z.number(),
  numLayersFitted: z.number().int(),
});

/** Schema version of separation.json and separation-over-training.json. */
export const SEPARATION_SCHEMA_VERSION = 1;

/** Fields shared by both result files: provenance, the class weighting and the data. */
const common = {
  schemaVersion: z.literal(SEPARATION_SCHEMA_VERSION),
  geolensVersion: z.string(),
  source: z.string(),
  variant,
  variantDescription: z.string(),
  rtol: z.number(),
  dataset,
  n: z.number().int(),
  layerCounting: z.string(),
};
const layerMeta = { index: z.number().int(), name: z.string(), tensor: z.string(), op: z.string(), featureDim: z.number().int() };

export const separationResultSchema = z.object({
  ...common,
  kind: z.literal('separation'),
  sourceKind: z.enum(['run', 'onnx']),
  layers: z.array(z.object({ ...layerMeta, D: jsonNumber, logD: jsonNumber.nullable(), residual: jsonNumber.nullable(), rankBetween: z.number().int(), log10D: jsonNumber.nullable() })),
  fit: fit.nullable(),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<SeparationResult>;

export const separationOverTrainingSchema = z.object({
  ...common,
  kind: z.literal('separation-over-training'),
  layerNames: z.array(z.string()),
  layers: z.array(z.object(layerMeta)),
  epochs: z.array(
    z.object({
      epoch: z.number().int(),
      D: z.array(jsonNumber),
      rho: jsonNumber.nullable(),
      rhoCI95: ci,
      pearsonR: jsonNumber.nullable(),
      lawHolds: z.boolean(),
    }),
  ),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<SeparationOverTrainingResult>;

/** `separation.json`. */
export const SEPARATION_RESULT = resultKind<SeparationResult>('separation', SEPARATION_SCHEMA_VERSION, separationResultSchema);
/** `separation-over-training.json`. */
export const SEPARATION_OVER_TRAINING_RESULT = resultKind<SeparationOverTrainingResult>('separation-over-training', SEPARATION_SCHEMA_VERSION, separationOverTrainingSchema);
