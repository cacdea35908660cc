/** zod schema of the metric-topology result (`topology.json`), checked against its TypeScript type. */
import { z } from 'zod';
import { jsonNumber, resultKind } from '../result.js';
import type { TopologyChecks, TopologyDistances, TopologyResult } from './types.js';

/** Schema version of topology.json. */
export const TOPOLOGY_SCHEMA_VERSION = 1;

const reading = z.enum(['correctness', 'disagreement']);
const matrix = z.array(z.array(jsonNumber));
const int = z.number().int();

const checks = z.object({
  symmetry: z.object({ maxAsymmetry: jsonNumber, maxDiagonal: jsonNumber, ok: z.boolean() }),
  triangle: z.object({ triples: int, violations: int, maxViolation: jsonNumber, worst: z.tuple([int, int, int]).nullable(), ok: z.boolean() }),
  accuracyBound: z.object({ pairs: int, violations: int, maxViolation: jsonNumber, ok: z.boolean() }),
  tolerance: z.number(),
}) satisfies z.ZodType<TopologyChecks>;

const distances = z.object({
  reading,
  definition: z.string(),
  distance: matrix,
  lower: matrix,
  upper: matrix,
  checks,
}) satisfies z.ZodType<TopologyDistances>;

export const topologyResultSchema = z.object({
  schemaVersion: z.literal(TOPOLOGY_SCHEMA_VERSION),
  probe: z.literal('topology'),
  geolensVersion: z.string(),
  reading,
  confidence: z.number(),
  delta: z.number(),
  m: int,
  halfWidth: jsonNumber,
  simultaneousHalfWidth: jsonNumber,
  tieEpsilon: z.number(),
  definitions: z.object({ argmax: z.string(), tie: z.string(), hoeffding: z.string(), classes: z.string(), mds: z.string() }),
  dataset: z.object({
    name: z.string(),
    spec: z.string().nullable(),
    split: z.enum(['train', 'test', 'all']).nullable(),
    size: int,
    numClasses: int,
    sampleShape: z.array(int),
    classCounts: z.array(int),
    seed: int,
  }),
  models: z.array(
    z.object({
      index: int,
      name: z.string(),
      source: z.string(),
      epoch: int.nullable(),
      numClasses: int,
      accuracy: jsonNumber,
      accuracyInterval: z.tuple([jsonNumber, jsonNumber]),
      tieShare: jsonNumber,
      numParams: int.nullable(),
    }),
  ),
  correctness: distances,
  disagreement: distances,
  readingOrder: z.object({ violations: int, ok: z.boolean() }),
  classes: z.object({
    classOf: z.array(int),
    list: z.array(z.object({ id: int, members: z.array(int), diameter: jsonNumber })),
    exactClassOf: z.array(int),
    numExactClasses: int,
  }),
  mds: z.object({
    coordinates: z.array(z.tuple([jsonNumber, jsonNumber])),
    eigenvalues: z.array(jsonNumber),
    explained: jsonNumber.nullable(),
    negativeShare: jsonNumber,
    numPoints: int,
  }),
  parameterDistance: z.object({
    definition: z.string(),
    distance: matrix.nullable(),
    reason: z.string().nullable(),
    numParams: int.nullable(),
    pearson: jsonNumber.nullable(),
    spearman: jsonNumber.nullable(),
  }),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<TopologyResult>;

/** `topology.json`. */
export const TOPOLOGY_RESULT = resultKind<TopologyResult>('topology', TOPOLOGY_SCHEMA_VERSION, topologyResultSchema);
