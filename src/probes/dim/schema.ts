/** zod schemas of the DIM results (dim.json, dim-walks.json, dim-distances.json), checked against their types. */
import { z } from 'zod';
import { jsonNumber, resultKind } from '../result.js';
import type { DatasetDistanceMatrix, DimDistancesResult, DimResult, DimSpectrumStats, DimWalksResult, QuantileSummary, WalkRecord, WalkSummary } from './types.js';

/** Schema version of the DIM result files. */
export const DIM_SCHEMA_VERSION = 1;

const source = z.object({ path: z.string(), kind: z.enum(['run', 'onnx']) });
const quantileFields = { min: jsonNumber, q1: jsonNumber, median: jsonNumber, q3: jsonNumber, max: jsonNumber, mean: jsonNumber };
const quantiles = z.object(quantileFields) satisfies z.ZodType<QuantileSummary>;
const stats = z.object({
  schemaVersion: z.literal(1),
  quantity: z.string(),
  quantileMethod: z.string(),
  boxes: z.array(z.object({ ...quantileFields, k: z.number().int(), count: z.number().int(), excluded: z.number().int() })),
}) satisfies z.ZodType<DimSpectrumStats>;
const mode = z.enum(['along', 'across']);

export const dimResultSchema = z.object({
  schemaVersion: z.literal(DIM_SCHEMA_VERSION),
  probe: z.literal('dim'),
  source,
  dataset: z.object({ name: z.string(), spec: z.string().nullable(), size: z.number().int(), seed: z.number().int() }),
  model: z.object({ numClasses: z.number().int(), inputShape: z.array(z.number().int()), inputDim: z.number().int() }),
  n: z.number().int(),
  method: z.string(),
  rtol: z.number(),
  accuracy: jsonNumber,
  points: z.array(
    z.object({ index: z.number().int(), label: z.number().int(), predicted: z.number().int(), confidence: jsonNumber, eigenvalues: z.array(jsonNumber), rank: z.number().int(), trace: jsonNumber }),
  ),
  stats,
  rankDistribution: z.object({ maxRank: z.number().int(), counts: z.array(z.number().int()) }),
  trace: quantiles,
  warnings: z.array(z.string()),
}) satisfies z.ZodType<DimResult>;

const walkRecord = z.object({
  start: z.number().int(),
  label: z.number().int().nullable(),
  mode,
  sign: z.union([z.literal(1), z.literal(-1)]),
  stepsTaken: z.number().int(),
  stoppedEarly: z.string().nullable(),
  predicted: z.array(z.number().int()),
  confidence: z.array(jsonNumber),
  startClassProbability: z.array(jsonNumber),
  ranks: z.array(z.number().int()),
  distance: z.array(jsonNumber),
  points: z.array(z.array(jsonNumber)).optional(),
  maxProbabilityChange: jsonNumber,
  classChanged: z.boolean(),
}) satisfies z.ZodType<WalkRecord>;

const walkSummary = z.object({
  walks: z.number().int(),
  medianMaxProbabilityChange: jsonNumber,
  maxMaxProbabilityChange: jsonNumber,
  fractionClassChanged: jsonNumber,
  medianLength: jsonNumber,
}) satisfies z.ZodType<WalkSummary>;
const summaries = z.object({ along: walkSummary.optional(), across: walkSummary.optional() });

export const dimWalksResultSchema = z.object({
  schemaVersion: z.literal(DIM_SCHEMA_VERSION),
  probe: z.literal('dim-walks'),
  source,
  dataset: z.string(),
  method: z.string(),
  stepSize: z.number(),
  steps: z.number().int(),
  rtol: z.number(),
  walks: z.array(walkRecord),
  summary: summaries,
  field: z
    .object({
      grid: z.number().int(),
      stepSize: z.number(),
      stepsPerSide: z.number().int(),
      summary: summaries,
      lines: z.array(z.object({ mode, points: z.array(z.array(jsonNumber)) })),
      data: z.object({ points: z.array(z.array(jsonNumber)), labels: z.array(z.number().int()) }).optional(),
    })
    .optional(),
  images: z.object({ file: z.string(), frameEvery: z.number().int(), scale: z.number(), valueRange: z.tuple([z.number(), z.number()]) }).optional(),
}) satisfies z.ZodType<DimWalksResult>;

const distanceMatrix = z.object({
  schemaVersion: z.literal(1),
  definition: z.string(),
  names: z.array(z.string()),
  matrix: z.array(z.array(z.number().nullable())),
}) satisfies z.ZodType<DatasetDistanceMatrix>;

export const dimDistancesResultSchema = z.object({
  schemaVersion: z.literal(DIM_SCHEMA_VERSION),
  probe: z.literal('dim-distances'),
  source,
  n: z.number().int(),
  definition: z.string(),
  datasets: z.array(
    z.object({
      name: z.string(),
      spec: z.string(),
      kind: z.enum(['base', 'transform', 'dataset']),
      n: z.number().int(),
      accuracy: jsonNumber,
      meanConfidence: jsonNumber,
      stats,
      rankDistribution: z.array(z.number().int()),
    }),
  ),
  matrix: distanceMatrix,
}) satisfies z.ZodType<DimDistancesResult>;

/** `dim.json`. */
export const DIM_RESULT = resultKind<DimResult>('dim', DIM_SCHEMA_VERSION, dimResultSchema);
/** `dim-walks.json`. */
export const DIM_WALKS_RESULT = resultKind<DimWalksResult>('dim-walks', DIM_SCHEMA_VERSION, dimWalksResultSchema);
/** `dim-distances.json`. */
export const DIM_DISTANCES_RESULT = resultKind<DimDistancesResult>('dim-distances', DIM_SCHEMA_VERSION, dimDistancesResultSchema);
