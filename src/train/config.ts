/** What a run directory's config.json and run.json hold (browser-safe types; the files are read in ./node.ts). */
import type { ModelConfig } from '../models/types.js';

export const RUN_SCHEMA_VERSION = 1;

export interface RunConfig {
  schemaVersion: number;
  geolensVersion: string;
  createdAt: string;
  dataset: {
    spec: string;
    name: string;
    numClasses: number;
    sampleShape: number[];
    /** Samples in the training / held-out parts. */
    train: number;
    test: number;
    splitSeed: number;
    testFraction?: number;
    /** Only the first `limit` samples were used. */
    limit?: number;
    /** The original label of each class, when the labels were mapped to classes (strings, 1..K, …). */
    classNames?: string[];
    /** What loading did to the data (label mapping, dropped columns, layout), as the loader said it. */
    notes?: string[];
  };
  model: ModelConfig;
  train: {
    optimizer: string;
    lr: number;
    momentum?: number;
    weightDecay: number;
    lrSchedule: string;
    epochs: number;
    batchSize: number;
    seed: number;
    recordEvery: number;
    recordLast: number;
    checkpointEvery: number;
  };
}

export interface RunStatus {
  state: 'running' | 'complete' | 'interrupted' | 'failed';
  epochsDone: number;
  step: number;
  updatedAt: string;
  message?: string;
}
