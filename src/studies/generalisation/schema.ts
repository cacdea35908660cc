/** zod schemas of the study files, checked against their types. */
import { z } from 'zod';
import { jsonNumber, resultKind } from '../../probes/result.js';
import { studyGridSchema } from './grid.js';
import type { GeneralisationStudyResult, StudyRunRecord, TrajectoryMagnitude } from './types.js';

export const STUDY_SCHEMA_VERSION = 1;

const magnitude = z.object({ magnitudeDimension: jsonNumber, magnitudeDimensionScale: jsonNumber, convergenceScale: jsonNumber, points: z.number().int() }) satisfies z.ZodType<TrajectoryMagnitude>;
const hyperparameters = z.object({ lr: z.number(), batchSize: z.number().int(), seed: z.number().int() });

export const studyRunRecordSchema = z.object({
  schemaVersion: z.literal(STUDY_SCHEMA_VERSION),
  probe: z.literal('generalisation-run'),
  key: z.string(),
  hyperparameters,
  runDir: z.string(),
  trainAccuracy: jsonNumber,
  testAccuracy: jsonNumber,
  trainLoss: jsonNumber,
  testLoss: jsonNumber,
  accuracyGap: jsonNumber,
  lossGap: jsonNumber,
  magnitude: z.object({ euclidean: magnitude, loss: magnitude }),
  seconds: z.number(),
}) satisfies z.ZodType<StudyRunRecord>;

const kendall = z.object({
  overall: jsonNumber,
  perAxis: z.record(z.string(), z.object({ psi: jsonNumber, groups: z.number().int() })),
  average: jsonNumber,
});

export const generalisationStudySchema = z.object({
  schemaVersion: z.literal(STUDY_SCHEMA_VERSION),
  probe: z.literal('generalisation'),
  geolensVersion: z.string(),
  grid: studyGridSchema,
  runs: z.array(studyRunRecordSchema),
  correlations: z.array(z.object({ measure: z.string(), gap: z.enum(['accuracy gap', 'loss gap']), kendall })),
  method: z.string(),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<GeneralisationStudyResult, unknown>;

export const STUDY_RUN_RECORD = resultKind<StudyRunRecord>('generalisation-run', STUDY_SCHEMA_VERSION, studyRunRecordSchema);
export const GENERALISATION_STUDY_RESULT = resultKind<GeneralisationStudyResult>('generalisation', STUDY_SCHEMA_VERSION, generalisationStudySchema as unknown as z.ZodType<GeneralisationStudyResult>);
