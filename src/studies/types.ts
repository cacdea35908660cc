/**
 * An analysis: every probe that applies, run on one model and its data (`analyze`), with one registry entry per probe
 * (`AnalysisProbe`, registered in ./probes/index.ts) and a manifest (`AnalysisResult`, analysis.json) that says what
 * was measured on what, which probes ran, and why the others were skipped.
 */
import type { Dataset } from '../data/types.js';
import type { Engine } from '../engine/engine.js';
import type { ProbeProgress } from '../measure/progress.js';
import type { ProbeTarget } from '../measure/target.js';

/** The data an analysis measures. */
export interface AnalysisData {
  /** Training data (the law of data separation is about them). */
  train: Dataset;
  /** Held-out data (DIM spectra and walks); the same object as `train` when there is one dataset. */
  test: Dataset;
  /** The dataset spec (as `geolens train --dataset`), null when unknown. */
  spec: string | null;
  /** 'run-split': the train / held-out parts of a run's dataset; 'one-dataset': one dataset for every probe. */
  parts: 'run-split' | 'one-dataset';
  /** Seed of subsets, walk headings and noise (default 0). */
  seed: number;
}

/** A grid of image frames a probe wants written as a PNG (rows of frames; see imageGridPng in the report room). */
export interface ImageGrid {
  frames: Float64Array[][];
  imageShape: number[];
  valueRange: [number, number];
  /** Integer upscaling of each pixel. */
  scale: number;
}

/** What one probe of an analysis produced. */
export interface ProbeOutput {
  /** Result objects by file base name (`results/<name>.json`), each with its schemaVersion. */
  results: Record<string, unknown>;
  /** Pictures by file name (`results/<file>`), e.g. 'dim-walks.png'. */
  images?: Record<string, ImageGrid>;
}

/**
 * Options of one probe in an analysis, by key (e.g. { n: 128 }); checked against the entry's `options` specs when it
 * declares them (src/studies/options.ts).
 */
export type ProbeOptions = Record<string, unknown>;

/** One option of a probe in an analysis: its type, range or choices, default (in words) and meaning. */
export interface ProbeOptionSpec {
  type: 'integer' | 'number' | 'boolean' | 'string' | 'choice';
  help: string;
  /** The default, as shown in --help (e.g. '256', 'all points', 'the last hidden layer'). */
  default: string;
  min?: number;
  max?: number;
  /** The bound itself is excluded (e.g. a confidence in (0, 1)). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** For 'choice'. */
  choices?: readonly string[];
}

/**
 * One probe as the analysis runs it. `applies` says whether it can run on this model and data (true, or the reason
 * it cannot, shown in the report); `run` is the probe's one library call with the analysis' defaults.
 */
export interface AnalysisProbe {
  /** The probe's name: the CLI's `--probes` name, the report section's `probe`. */
  name: string;
  title: string;
  /** Every result file (base name) the probe may write; stale ones are removed when it runs again. */
  files: readonly string[];
  /** Every other file (e.g. 'dim-walks.png') the probe may write. */
  assets?: readonly string[];
  /** The probe's main options (camelCase keys, as `run` reads them); `geolens analyze --set <probe>.<key>=<value>`. */
  options?: Readonly<Record<string, ProbeOptionSpec>>;
  /**
   * The kind of model the probe measures (default 'classifier'). `analyze` skips it on the other kind with a plain
   * reason, before asking `applies`.
   */
  needs?: 'classifier' | 'autoencoder';
  applies(target: ProbeTarget, data: AnalysisData): true | string;
  run(engine: Engine, target: ProbeTarget, data: AnalysisData, options: ProbeOptions, onProgress: ProbeProgress): Promise<ProbeOutput>;
}

/** What happened to one probe. */
export interface AnalysisProbeRecord {
  name: string;
  title: string;
  status: 'ok' | 'skipped' | 'failed' | 'interrupted';
  /** Why it was skipped, how it failed, or where it was interrupted; null when it ran. */
  reason: string | null;
  /** Wall-clock seconds of the run; null when skipped. */
  seconds: number | null;
  /** Files written under results/. */
  files: string[];
}

/** analysis.json: the manifest of one analysis. */
export interface AnalysisResult {
  schemaVersion: 1;
  probe: 'analysis';
  geolensVersion: string;
  /** ISO 8601 time the analysis started. */
  createdAt: string;
  /** How it was started (e.g. 'geolens analyze runs/x'); null from the library. */
  command: string | null;
  model: {
    /** Absolute path of the run directory or .onnx file. */
    source: string;
    kind: 'run' | 'onnx';
    /** e.g. 'MLP 32 → 64 → 64 → 64 → 5, ReLU'. */
    description: string;
    inputShape: number[];
    numClasses: number;
    parameters: number;
    /** Ops of the graph and their counts. */
    ops: Record<string, number>;
  };
  /** A run's training set-up; null for an .onnx file. */
  training: { dataset: string; epochs: number; optimizer: string; lr: number; batchSize: number; seed: number; checkpoints: number } | null;
  data: {
    spec: string | null;
    name: string;
    parts: 'run-split' | 'one-dataset';
    numClasses: number;
    sampleShape: number[];
    train: number;
    test: number;
  };
  /** Accuracy of the model on the train and held-out data (fractions); train is null with one dataset. */
  accuracy: { train: number | null; test: number | null };
  probes: AnalysisProbeRecord[];
}

/** Progress of an analysis: the plan, then start / progress / end of each probe that runs. */
export type AnalysisEvent =
  | { type: 'plan'; probes: { name: string; title: string; runs: boolean; reason: string | null }[] }
  | { type: 'start'; probe: string }
  | { type: 'progress'; probe: string; stage: string; done: number; total: number; detail?: string }
  | { type: 'end'; probe: string; status: 'ok' | 'failed' | 'interrupted'; seconds: number; reason: string | null };

export type AnalysisProgress = (event: AnalysisEvent) => void;

/** Everything an analysis produced: the manifest and each probe's output (results not yet written). */
export interface Analysis {
  manifest: AnalysisResult;
  outputs: Record<string, ProbeOutput>;
}
