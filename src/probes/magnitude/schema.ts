/** zod schema of magnitude.json, checked against its TypeScript type; used by every reader. */
import { z } from 'zod';
import { jsonNumber, resultKind } from '../result.js';
import type { ConvergenceScale, MagnitudeCloud, MagnitudeResult, MagnitudeSolve } from './types.js';

/** Schema version of magnitude.json. */
export const MAGNITUDE_SCHEMA_VERSION = 1;

const solve = z.object({
  t: z.number(),
  magnitude: jsonNumber,
  residual: jsonNumber,
  regularization: z.number(),
  iterations: z.number().int().nullable(),
  converged: z.boolean(),
}) satisfies z.ZodType<MagnitudeSolve>;

const convergence = z.object({
  share: z.number(),
  target: z.number(),
  t: z.number(),
  magnitude: jsonNumber,
  bracket: z.tuple([z.number(), z.number()]),
  evaluations: z.number().int(),
  maxResidual: jsonNumber,
}) satisfies z.ZodType<ConvergenceScale>;

const cloud = z.object({
  kind: z.enum(['trajectory', 'representation', 'file', 'points']),
  n: z.number().int(),
  distinct: z.number().int(),
  dim: z.number().int(),
  distance: z.enum(['euclidean', 'loss']),
  description: z.string(),
  steps: z.array(z.number().int()).optional(),
  layer: z.object({ name: z.string(), tensor: z.string(), op: z.string() }).optional(),
  dataset: z
    .object({ name: z.string(), spec: z.string().nullable(), n: z.number().int(), split: z.enum(['train', 'test', 'all']).nullable(), seed: z.number().int() })
    .optional(),
}) satisfies z.ZodType<MagnitudeCloud>;

export const magnitudeResultSchema = z.object({
  schemaVersion: z.literal(MAGNITUDE_SCHEMA_VERSION),
  probe: z.literal('magnitude'),
  geolensVersion: z.string(),
  source: z.object({ path: z.string(), kind: z.enum(['run', 'onnx', 'file', 'points']) }),
  cloud,
  solver: z.enum(['cholesky', 'cg']),
  grid: z.enum(['linear', 'log']),
  method: z.string(),
  convergenceScale: convergence,
  scales: z.array(z.number()),
  magnitude: z.array(jsonNumber),
  solves: z.array(solve),
  dimensionProfile: z.object({ scales: z.array(z.number()), values: z.array(jsonNumber) }),
  magnitudeDimension: z.object({ value: jsonNumber, scale: jsonNumber }),
  maxResidual: jsonNumber,
  seconds: z.object({ distances: z.number(), solves: z.number() }),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<MagnitudeResult>;

/** `magnitude.json`. */
export const MAGNITUDE_RESULT = resultKind<MagnitudeResult>('magnitude', MAGNITUDE_SCHEMA_VERSION, magnitudeResultSchema);
