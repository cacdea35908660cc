/**
 * The grid of a generalisation study: one dataset and architecture, training runs over learning rates × batch sizes
 * × seeds, each recording the last steps of its trajectory (Andreeva et al. 2023, METHODS.md §3). Parsed from flags or
 * from a JSON/YAML file; each run is keyed by a hash of its settings, so an interrupted study resumes without redoing
 * finished runs.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { GeolensError } from '../../errors.js';
import type { RunSettings } from '../../train/run-training.js';
import { hashBytes } from '../../util/hash.js';

const positive = z.number().positive();

/** The grid file's schema (JSON or YAML). */
export const studyGridSchema = z.object({
  /** Dataset spec, as `geolens train --dataset`. */
  dataset: z.string().default('manifold'),
  /** MLP hidden widths. */
  widths: z.array(z.number().int().positive()).min(1).default([64, 64]),
  batchNorm: z.boolean().default(false),
  optimizer: z.enum(['sgd', 'momentum', 'adam']).default('sgd'),
  weightDecay: z.number().nonnegative().default(0),
  epochs: z.number().int().positive().default(20),
  lr: z.array(positive).min(1).default([0.01, 0.03, 0.1]),
  batchSize: z.array(z.number().int().positive()).min(1).default([32, 128]),
  seed: z.array(z.number().int().nonnegative()).min(1).default([1, 2]),
  testFraction: z.number().min(0.05).max(0.9).default(0.2),
  limit: z.number().int().min(10).optional(),
  /** The trajectory: weights of the last N optimisation steps. */
  recordLast: z.number().int().min(3).default(200),
  /** Data samples of the loss pseudometric ρ_S (a seeded subset of the training part). */
  lossSamples: z.number().int().positive().default(500),
})
  // a misspelt key (batchsize for batchSize) is an error, not a silent default
  .strict();

export type StudyGrid = z.output<typeof studyGridSchema>;
export type StudyGridInput = z.input<typeof studyGridSchema>;

/** One run of the grid: its hyperparameters, its settings and its key (hash of the settings). */
export interface StudyRunSpec {
  key: string;
  hyperparameters: { lr: number; batchSize: number; seed: number };
  settings: Omit<RunSettings, 'model'> & { widths: number[]; batchNorm: boolean };
}

/** Validate a grid (JSON object from flags or a file); errors name the field. */
export function parseStudyGrid(value: unknown, source = 'grid'): StudyGrid {
  const r = studyGridSchema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new GeolensError('BAD_ARGUMENT', `${source}: not a valid study grid: ${issues.join('; ')}.`);
  }
  return r.data;
}

/** Parse a grid file's text: YAML (a superset of JSON) or JSON. */
export function parseStudyGridText(text: string, source: string): StudyGrid {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new GeolensError('BAD_FILE', `${source}: not YAML or JSON (${(e as Error).message}).`);
  }
  return parseStudyGrid(value ?? {}, source);
}

/** The runs of a grid, in a fixed order (lr, then batch size, then seed). Keys are unique per distinct settings. */
export function expandGrid(g: StudyGrid): StudyRunSpec[] {
  const out: StudyRunSpec[] = [];
  for (const lr of g.lr) {
    for (const batchSize of g.batchSize) {
      for (const seed of g.seed) {
        const settings: StudyRunSpec['settings'] = {
          datasetSpec: g.dataset,
          widths: g.widths,
          batchNorm: g.batchNorm,
          optimizer: g.optimizer,
          lr,
          weightDecay: g.weightDecay,
          epochs: g.epochs,
          batchSize,
          seed,
          recordLast: g.recordLast,
          checkpointEvery: g.epochs,
          testFraction: g.testFraction,
          ...(g.limit !== undefined ? { limit: g.limit } : {}),
        };
        const key = `lr${lr}-bs${batchSize}-s${seed}-${hashBytes(new TextEncoder().encode(JSON.stringify(settings))).slice(0, 8)}`;
        out.push({ key, hyperparameters: { lr, batchSize, seed }, settings });
      }
    }
  }
  if (new Set(out.map((r) => r.key)).size !== out.length) throw new GeolensError('BAD_ARGUMENT', 'study grid: two runs have the same settings; list each learning rate, batch size and seed once.');
  return out;
}
