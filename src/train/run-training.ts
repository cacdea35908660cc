/**
 * Training into a run directory as one library call (Node: it writes the run directory through `./node.ts`):
 * checkpoints every k epochs, metrics.jsonl, the recorded trajectory, run.json status, model.onnx at the end, and
 * bit-identical resumption from the last checkpoint. The CLI (`geolens train`), `geolens analyze`'s default run and
 * multi-run studies all call `trainRun`.
 */
import { splitForRun } from './run-split.js';
import type { Dataset } from '../data/types.js';
import type { Engine } from '../engine/engine.js';
import { buildModel, type ModelConfig } from '../models/index.js';
import { VERSION } from '../version.js';
import { RUN_SCHEMA_VERSION, type RunConfig } from './config.js';
import { trainLoop, type EpochMetrics, type StepProgress } from './loop.js';
import { RunDir } from './node.js';
import type { OptimizerName } from './optimizers.js';
import { parseSchedule } from './schedule.js';
import { Trainer, type TrainerState } from './trainer.js';
import { TrajectoryRecorder } from './trajectory.js';

export interface TrainRunOptions {
  /** Continue from the run's last checkpoint (bit-identical to an uninterrupted run). */
  resume?: boolean;
  /** Progress lines (the resume note, one line per epoch). */
  onLine?(text: string): void;
  /** Once the trainer is ready, before the first step (numParams: trainable parameters). */
  onStart?(info: { numParams: number; startEpoch: number }): void;
  /** After every optimisation step. */
  onStep?(p: StepProgress): void;
  /** After every epoch (metrics already appended to metrics.jsonl). */
  onEpoch?(m: EpochMetrics): void;
  /** Polled between steps: when true, training stops at the next batch boundary (the last checkpoint stays valid). */
  shouldStop?(): boolean;
}

export interface TrainRunResult {
  outcome: 'complete' | 'interrupted';
  /** Epochs with a checkpoint at the end (the last one is where an interrupted run resumes). */
  checkpoints: number[];
  steps: number;
  /** Optimisation steps taken in this call (0 when a resumed run was already complete). */
  stepsRun: number;
  /** Wall-clock seconds of the training loop. */
  seconds: number;
  /** Metrics of the last completed epoch. */
  last?: EpochMetrics;
  numParams: number;
  trajectory: boolean;
}

/** What a training run is: the settings `geolens train` takes as flags (defaults as there). */
export interface RunSettings {
  /** Dataset spec (as `--dataset`), loaded by the caller as `data`. */
  datasetSpec: string;
  model: ModelConfig;
  optimizer: OptimizerName;
  lr: number;
  /** Momentum coefficient (momentum optimizer only; default 0.9). */
  momentum?: number;
  weightDecay?: number;
  /** `constant` (default), `cosine`, `step:<every>:<gamma>`, `multistep:<e1,e2>:<gamma>`. */
  lrSchedule?: string;
  epochs: number;
  batchSize: number;
  /** One seed for the split, initialisation and shuffling. */
  seed: number;
  recordEvery?: number;
  recordLast?: number;
  checkpointEvery?: number;
  /** Held-out share (default 0.2). */
  testFraction?: number;
  /** Use only the first `limit` samples. */
  limit?: number;
}

/**
 * The `config.json` of a new run with these settings on `data` (split sizes filled in). Errors: BAD_ARGUMENT for a bad
 * learning-rate schedule.
 */
export function makeRunConfig(s: RunSettings, data: Dataset, createdAt = new Date().toISOString()): RunConfig {
  parseSchedule(s.lrSchedule ?? 'constant', s.epochs);
  const config: RunConfig = {
    schemaVersion: RUN_SCHEMA_VERSION,
    geolensVersion: VERSION,
    createdAt,
    dataset: { spec: s.datasetSpec, name: data.name, numClasses: data.numClasses, sampleShape: data.sampleShape, train: 0, test: 0, splitSeed: s.seed, ...(data.classNames ? { classNames: data.classNames } : {}), ...(data.notes?.length ? { notes: data.notes } : {}) },
    model: s.model,
    train: {
      optimizer: s.optimizer,
      lr: s.lr,
      ...(s.optimizer === 'momentum' ? { momentum: s.momentum ?? 0.9 } : {}),
      weightDecay: s.weightDecay ?? 0,
      lrSchedule: s.lrSchedule ?? 'constant',
      epochs: s.epochs,
      batchSize: s.batchSize,
      seed: s.seed,
      recordEvery: s.recordEvery ?? 0,
      recordLast: s.recordLast ?? 0,
      checkpointEvery: s.checkpointEvery ?? 1,
    },
  };
  if (s.limit !== undefined) config.dataset.limit = s.limit;
  config.dataset.testFraction = s.testFraction ?? 0.2;
  const split = splitForRun(data, config);
  config.dataset.train = split.train.y.length;
  config.dataset.test = split.test.y.length;
  return config;
}

/**
 * Train the model of `run`'s config on `data` (the full dataset of config.dataset.spec; the run's seeded split is
 * taken here). Writes checkpoint 0 and the initial trajectory point on a fresh run. Errors: those of the trainer and
 * the run directory; on an error the run's status becomes 'failed' with the message.
 */
export async function trainRun(engine: Engine, run: RunDir, config: RunConfig, data: Dataset, options: TrainRunOptions = {}): Promise<TrainRunResult> {
  const { train, test } = splitForRun(data, config);
  const def = buildModel(config.model);
  const t = config.train;
  const recorder = new TrajectoryRecorder({ every: t.recordEvery, last: t.recordLast });
  let startEpoch = 0;
  let initial: TrainerState | undefined;
  if (options.resume) {
    const epochs = await run.checkpointEpochs();
    const lastEpoch = epochs.length ? epochs[epochs.length - 1]! : undefined;
    if (lastEpoch !== undefined) {
      initial = await run.loadCheckpoint(lastEpoch, def);
      startEpoch = lastEpoch;
      await run.truncateMetrics(lastEpoch);
      recorder.load((await run.loadTrajectory()).filter((s) => s.step <= initial!.step));
      options.onLine?.(`resuming ${run.dir} from epoch ${lastEpoch} (step ${initial.step})`);
    }
  }
  const trainer = await Trainer.create(engine, def, { optimizer: t.optimizer as OptimizerName, lr: t.lr, momentum: t.momentum, weightDecay: t.weightDecay, batchSize: t.batchSize, seed: t.seed }, initial);
  if (startEpoch === 0) {
    await run.saveCheckpoint(0, trainer.snapshot());
    recorder.offer(0, trainer.params);
  }
  const numParams = def.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  options.onStart?.({ numParams, startEpoch });
  await run.setStatus({ state: 'running', epochsDone: startEpoch, step: trainer.stepCount });
  const t0 = Date.now();
  const startStep = trainer.stepCount;
  let stopped: boolean;
  try {
    ({ stopped } = await trainLoop(trainer, { train, test }, {
      epochs: t.epochs,
      batchSize: t.batchSize,
      seed: t.seed,
      baseLr: t.lr,
      schedule: parseSchedule(t.lrSchedule, t.epochs),
      startEpoch,
      recorder,
      shouldStop: () => options.shouldStop?.() === true,
      ...(options.onStep ? { onStep: options.onStep } : {}),
      onEpoch: async (m) => {
        await run.appendMetrics(m);
        if (m.epoch % t.checkpointEvery === 0 || m.epoch === t.epochs) {
          // trajectory first: a crash between the two writes leaves a trajectory ahead of the checkpoint, which
          // resume trims (step ≤ checkpoint step); the other order would leave a silent gap
          if (recorder.enabled) await run.saveTrajectory(recorder.snapshots());
          await run.saveCheckpoint(m.epoch, trainer.snapshot());
          await run.setStatus({ state: 'running', epochsDone: m.epoch, step: m.step });
        }
        options.onEpoch?.(m);
      },
    }));
  } catch (e) {
    await run.setStatus({ state: 'failed', epochsDone: run.metricsHistory.length, step: trainer.stepCount, message: (e as Error).message });
    throw e;
  }
  const seconds = (Date.now() - t0) / 1000;
  const last = run.metricsHistory[run.metricsHistory.length - 1];
  const base = { steps: trainer.stepCount, stepsRun: trainer.stepCount - startStep, seconds, numParams, trajectory: recorder.enabled, ...(last ? { last } : {}) };
  if (stopped) {
    const checkpoints = await run.checkpointEpochs();
    await run.setStatus({ state: 'interrupted', epochsDone: checkpoints[checkpoints.length - 1] ?? 0, step: trainer.stepCount });
    return { outcome: 'interrupted', checkpoints, ...base };
  }
  await run.saveFinal(def, trainer.params, trainer.buffers);
  if (recorder.enabled) await run.saveTrajectory(recorder.snapshots());
  await run.setStatus({ state: 'complete', epochsDone: t.epochs, step: trainer.stepCount });
  return { outcome: 'complete', checkpoints: await run.checkpointEpochs(), ...base };
}
