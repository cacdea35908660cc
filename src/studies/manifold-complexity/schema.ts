/** zod schema of manifold-complexity.json, checked against its type. */
import { z } from 'zod';
import type { BigCount } from '../../probes/regions/types.js';
import { jsonNumber, resultKind } from '../../probes/result.js';
import type { ManifoldArchitecture, ManifoldComplexityStudyResult, ManifoldSweepPoint } from './types.js';

export const MANIFOLD_COMPLEXITY_SCHEMA_VERSION = 1;

const bigCount = z.object({ exact: z.string().regex(/^\d+$/), value: z.number().int().nullable(), log10: jsonNumber }) satisfies z.ZodType<BigCount, unknown>;

const architecture = z.object({
  name: z.string(),
  widths: z.array(z.number().int().positive()),
  parameters: z.number().int(),
  curveBound: bigCount,
  lei: bigCount,
  serra: bigCount,
}) satisfies z.ZodType<ManifoldArchitecture, unknown>;

const point = z.object({
  k: z.number().int().positive(),
  architecture: z.string(),
  piecesNeeded: z.number().int(),
  pieces: z.number().int(),
  patterns: z.number().int(),
  planeRegions: z.number().int(),
  classChanges: z.number().int(),
  trainAccuracy: jsonNumber,
  testAccuracy: jsonNumber,
  accuracyCeiling: jsonNumber,
  seconds: z.number(),
}) satisfies z.ZodType<ManifoldSweepPoint, unknown>;

const schema = z.object({
  schemaVersion: z.literal(MANIFOLD_COMPLEXITY_SCHEMA_VERSION),
  probe: z.literal('manifold-complexity'),
  geolensVersion: z.string(),
  manifold: z.object({
    kind: z.literal('alternating-circle'),
    description: z.string(),
    ambientDim: z.number().int(),
    radius: z.number(),
    ks: z.array(z.number().int().positive()),
    trainSamples: z.number().int(),
    testSamples: z.number().int(),
    mesh: z.number().int(),
  }),
  training: z.object({ optimizer: z.literal('adam'), lr: z.number(), epochs: z.number().int(), batchSize: z.number().int(), seed: z.number().int() }),
  architectures: z.array(architecture),
  points: z.array(point),
  method: z.string(),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<ManifoldComplexityStudyResult, unknown>;

export const MANIFOLD_COMPLEXITY_RESULT = resultKind<ManifoldComplexityStudyResult>('manifold-complexity', MANIFOLD_COMPLEXITY_SCHEMA_VERSION, schema as unknown as z.ZodType<ManifoldComplexityStudyResult>);
