/** zod schemas of the linear-regions results, checked against their TypeScript types; used by every reader. */
import { z } from 'zod';
import { jsonNumber, resultKind } from '../result.js';
import type {
  BigCount,
  BoundaryFeatureCollection,
  ManifoldComplexityJson,
  RegionBounds,
  RegionDensityJson,
  RegionsDatasetMeta,
  RegionsFeatureCollection,
  RegionsOverTrainingResult,
  RegionsResult,
  SliceMeta,
} from './types.js';

/** Schema version of regions.json and regions-over-training.json. */
export const REGIONS_SCHEMA_VERSION = 1;

const bigCount = z.object({ exact: z.string().regex(/^\d+$/), value: z.number().int().nullable(), log10: jsonNumber }) satisfies z.ZodType<BigCount>;

const bounds = z.object({
  inputDim: z.number().int(),
  widths: z.array(z.number().int()),
  lei: bigCount.nullable(),
  leiWithOutput: bigCount.nullable(),
  serra: bigCount.nullable(),
  hyperplaneProduct: bigCount,
  notes: z.array(z.string()),
}) satisfies z.ZodType<RegionBounds>;

const dataset = z.object({ spec: z.string(), name: z.string(), n: z.number().int(), numClasses: z.number().int(), sampleShape: z.array(z.number().int()) }) satisfies z.ZodType<RegionsDatasetMeta>;

const model = z.object({
  inputDim: z.number().int(),
  numClasses: z.number().int(),
  layers: z.array(z.object({ node: z.string(), op: z.string(), width: z.number().int(), hyperplanes: z.number().int() })),
  chain: z.boolean(),
});

const slice = z.object({
  kind: z.enum(['plane', 'segment']),
  how: z.enum(['input-plane', 'points', 'explicit']),
  points: z.array(z.number().int()).nullable(),
  origin: z.array(z.number()),
  directions: z.array(z.array(z.number())),
  coordinates: z.string(),
  extent: z.array(z.number()),
  measure: z.number(),
  anchors: z.array(z.object({ index: z.number().int(), label: z.number().int(), coords: z.array(z.number()) })),
}) satisfies z.ZodType<SliceMeta>;

const point = z.tuple([z.number(), z.number()]);

const regions = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      geometry: z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(point)) }),
      properties: z.object({
        id: z.number().int(),
        pattern: z.string(),
        area: z.number(),
        predicted: z.number().int(),
        classes: z.array(z.number().int()),
        affine: z.array(z.array(z.number())),
        parts: z.array(z.object({ predicted: z.number().int(), coordinates: z.array(point) })).optional(),
      }),
    }),
  ),
}) satisfies z.ZodType<RegionsFeatureCollection>;

const boundary = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      geometry: z.object({ type: z.literal('LineString'), coordinates: z.array(point) }),
      properties: z.object({ classes: z.tuple([z.number().int(), z.number().int()]), length: z.number() }),
    }),
  ),
}) satisfies z.ZodType<BoundaryFeatureCollection>;

const check = z.object({ points: z.number().int(), maxRelativeLogitError: z.number(), argmaxAgreement: z.number() }).nullable();

const densityPart = z.object({ measure: z.number(), regions: z.number(), density: jsonNumber.nullable() });
const density = z.object({
  radius: z.number(),
  radiusRule: z.string(),
  pointsReaching: z.number().int(),
  near: densityPart,
  far: densityPart,
  ratio: jsonNumber.nullable(),
  definition: z.string(),
}) satisfies z.ZodType<RegionDensityJson>;

const manifold = z.object({
  class: z.number().int(),
  shape: z.enum(['patch', 'curve']),
  latentExtent: z.number(),
  resolution: z.number().int(),
  meshCells: z.number().int(),
  pieces: z.number().int(),
  patterns: z.number().int(),
  cellPieces: z.number().int(),
  boundsAmbient: bounds,
  boundsFlat: bounds,
  definition: z.string(),
}) satisfies z.ZodType<ManifoldComplexityJson>;

export const regionsResultSchema = z.object({
  schemaVersion: z.literal(REGIONS_SCHEMA_VERSION),
  probe: z.literal('regions'),
  geolensVersion: z.string(),
  source: z.string(),
  sourceKind: z.enum(['run', 'onnx']),
  dataset,
  model,
  method: z.string(),
  slice,
  tolerances: z.object({ onLineRelTol: z.number(), minPieceFraction: z.number(), suppressedSplits: z.number().int(), boundarySnap: z.number() }),
  count: z.number().int(),
  perLayer: z.array(z.object({ node: z.string(), op: z.string(), regions: z.number().int(), bound: bigCount, boundName: z.enum(['serra', 'lei', 'hyperplaneProduct']) })),
  bounds,
  classMeasures: z.array(z.number()),
  regionMeasure: z.object({ min: z.number(), median: z.number(), max: z.number() }),
  regions: regions.nullable(),
  boundary: boundary.nullable(),
  boundaryLength: z.number(),
  intervals: z
    .array(z.object({ t0: z.number(), t1: z.number(), pattern: z.string(), predicted: z.number().int(), classes: z.array(z.number().int()), affine: z.array(z.array(z.number())) }))
    .nullable(),
  boundaryPoints: z.array(z.object({ t: z.number(), from: z.number().int(), to: z.number().int() })).nullable(),
  nearbyPoints: z.array(z.object({ coords: z.array(z.number()), label: z.number().int(), offset: z.number() })),
  density: density.nullable(),
  manifold: z.array(manifold).nullable(),
  check,
  seconds: z.number(),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<RegionsResult>;

export const regionsOverTrainingSchema = z.object({
  schemaVersion: z.literal(REGIONS_SCHEMA_VERSION),
  probe: z.literal('regions-over-training'),
  geolensVersion: z.string(),
  source: z.string(),
  dataset,
  model,
  slice,
  bounds,
  epochs: z.array(
    z.object({
      epoch: z.number().int(),
      count: z.number().int(),
      perLayer: z.array(z.number().int()),
      boundaryLength: z.number(),
      classMeasures: z.array(z.number()),
      density: density.nullable(),
      check,
      seconds: z.number(),
    }),
  ),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<RegionsOverTrainingResult>;

/** `regions.json`. */
export const REGIONS_RESULT = resultKind<RegionsResult>('regions', REGIONS_SCHEMA_VERSION, regionsResultSchema);
/** `regions-over-training.json`. */
export const REGIONS_OVER_TRAINING_RESULT = resultKind<RegionsOverTrainingResult>('regions-over-training', REGIONS_SCHEMA_VERSION, regionsOverTrainingSchema);
