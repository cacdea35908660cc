/** The seeded train/held-out split of a run (the same at training, on resume and for probes). */
import { selectSamples, splitDataset } from '../data/split.js';
import type { Dataset } from '../data/types.js';
import type { RunConfig } from './config.js';

/** The run's seeded train/held-out split (the same on resume and for probes). */
export function splitForRun(ds: Dataset, config: RunConfig): { train: Dataset; test: Dataset } {
  const limit = config.dataset.limit;
  if (limit !== undefined && limit < ds.y.length) ds = selectSamples(ds, Array.from({ length: limit }, (_, i) => i));
  const testFraction = config.dataset.testFraction ?? 0.2;
  if (testFraction === 0) return { train: ds, test: selectSamples(ds, []) };
  return splitDataset(ds, { test: testFraction, seed: config.dataset.splitSeed });
}
