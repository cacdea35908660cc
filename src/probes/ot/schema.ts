/** zod schema of the OT result (ot.json), checked against its type. */
import { z } from 'zod';
import { jsonNumber, resultKind } from '../result.js';
import type { OtClassDistribution, OtHistoryEntry, OtResult } from './types.js';

/** Schema version of ot.json. */
export const OT_SCHEMA_VERSION = 2;

const history = z.object({ step: z.number().int(), maxError: jsonNumber, norm: jsonNumber, samples: z.number().int(), energy: jsonNumber, emptyCells: z.number().int(), lr: z.number() }) satisfies z.ZodType<OtHistoryEntry>;
const classes = z.object({
  classifier: z.string(),
  samples: z.number().int(),
  generated: z.array(jsonNumber),
  data: z.array(jsonNumber),
  totalVariation: jsonNumber,
  reconstructionAccuracy: jsonNumber,
}) satisfies z.ZodType<OtClassDistribution>;

export const otResultSchema = z.object({
  schemaVersion: z.literal(OT_SCHEMA_VERSION),
  probe: z.literal('ot'),
  source: z.object({ path: z.string(), kind: z.literal('run') }),
  dataset: z.object({ name: z.string(), spec: z.string().nullable(), size: z.number().int() }),
  autoencoder: z.object({ inputShape: z.array(z.number().int()), bottleneck: z.number().int(), reconstructionError: jsonNumber }),
  method: z.string(),
  targets: z.object({ n: z.number().int(), distinct: z.number().int(), dimension: z.number().int(), centre: z.array(z.number()), scale: z.number() }),
  options: z.object({
    source: z.enum(['uniform', 'gaussian']),
    init: z.enum(['voronoi', 'zero']),
    samples: z.number().int(),
    maxSteps: z.number().int(),
    tolerance: z.number(),
    lr: z.number(),
    beta1: z.number(),
    beta2: z.number(),
    patience: z.number().int(),
    lrDecay: z.number(),
    minLrScale: z.number(),
    resolution: z.number(),
    maxSamples: z.number().int(),
    chunkRows: z.number().int(),
    seed: z.number().int(),
  }),
  solve: z.object({
    status: z.enum(['converged', 'max-steps', 'interrupted']),
    steps: z.number().int(),
    resumedFrom: z.number().int().nullable(),
    maxError: jsonNumber,
    norm: jsonNumber,
    emptyCells: z.number().int(),
    samples: z.number().int(),
    energy: jsonNumber,
    heldOutMaxError: jsonNumber,
    heldOutSamples: z.number().int(),
    seconds: z.number(),
    history: z.array(history),
  }),
  generation: z.object({
    count: z.number().int(),
    mode: z.enum(['cells', 'piecewise-linear']),
    distinct: z.number().int(),
    extension: z.object({ topK: z.number().int(), maxAngle: z.number(), weight: z.number(), candidatePairs: z.number().int(), keptPairs: z.number().int() }).nullable(),
    nearestCodeRatio: jsonNumber,
    classDistribution: classes.nullable(),
    images: z.object({ file: z.string(), columns: z.number().int(), valueRange: z.tuple([z.number(), z.number()]) }).nullable(),
  }),
  latent: z.object({
    projection: z.enum(['codes', 'pca']),
    explained: z.tuple([jsonNumber, jsonNumber]).nullable(),
    codes: z.array(z.object({ x: z.number(), y: z.number(), label: z.number().int() })),
    generated: z.array(z.object({ x: z.number(), y: z.number() })),
    cells: z.array(z.array(z.number())).nullable(),
  }),
  files: z.object({ potential: z.string(), convergence: z.string(), energy: z.string(), latent: z.string(), classes: z.string().nullable() }),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<OtResult>;

/** ot.json: read with `parseResult(OT_RESULT, json)` or `readResult(OT_RESULT, file)`. */
export const OT_RESULT = resultKind<OtResult>('ot', OT_SCHEMA_VERSION, otResultSchema);
