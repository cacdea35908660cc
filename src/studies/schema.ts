/** zod schema of analysis.json (the manifest of an analysis), checked against its type. */
import { z } from 'zod';
import { jsonNumber, resultKind } from '../probes/result.js';
import type { AnalysisResult } from './types.js';

/** Schema version of analysis.json. */
export const ANALYSIS_SCHEMA_VERSION = 1;

export const analysisResultSchema = z.object({
  schemaVersion: z.literal(ANALYSIS_SCHEMA_VERSION),
  probe: z.literal('analysis'),
  geolensVersion: z.string(),
  createdAt: z.string(),
  command: z.string().nullable(),
  model: z.object({
    source: z.string(),
    kind: z.enum(['run', 'onnx']),
    description: z.string(),
    inputShape: z.array(z.number().int()),
    numClasses: z.number().int(),
    parameters: z.number().int(),
    ops: z.record(z.string(), z.number().int()),
  }),
  training: z
    .object({ dataset: z.string(), epochs: z.number().int(), optimizer: z.string(), lr: z.number(), batchSize: z.number().int(), seed: z.number().int(), checkpoints: z.number().int() })
    .nullable(),
  data: z.object({
    spec: z.string().nullable(),
    name: z.string(),
    parts: z.enum(['run-split', 'one-dataset']),
    numClasses: z.number().int(),
    sampleShape: z.array(z.number().int()),
    train: z.number().int(),
    test: z.number().int(),
  }),
  accuracy: z.object({ train: jsonNumber.nullable(), test: jsonNumber.nullable() }),
  probes: z.array(
    z.object({
      name: z.string(),
      title: z.string(),
      status: z.enum(['ok', 'skipped', 'failed', 'interrupted']),
      reason: z.string().nullable(),
      seconds: z.number().nullable(),
      files: z.array(z.string()),
    }),
  ),
}) satisfies z.ZodType<AnalysisResult>;

export const ANALYSIS_RESULT = resultKind<AnalysisResult>('analysis', ANALYSIS_SCHEMA_VERSION, analysisResultSchema);
