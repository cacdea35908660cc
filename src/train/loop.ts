/**
 * The training loop: seeded per-epoch shuffling, minibatch steps, evaluation, trajectory recording.
 * Pure with respect to I/O: persistence (checkpoints, metrics.jsonl) happens in the `onEpoch` hook.
 * Epoch e's batch order depends only on (seed, e), so a run resumed from an epoch checkpoint is bit-identical
 * to an uninterrupted one.
 */
import { GeolensError } from '../errors.js';
import { minibatchOrder } from '../data/split.js';
import { gatherRows, type Tensor } from '../tensor.js';
import { Rng } from '../util/random.js';
import { lrAt, type LrSchedule } from './schedule.js';
import type { Trainer } from './trainer.js';
import type { TrajectoryRecorder } from './trajectory.js';

export interface LabelledSet {
  x: Tensor<Float32Array>;
  y: Int32Array;
}

export interface EpochMetrics {
  /** Completed epochs (1-based). */
  epoch: number;
  step: number;
  lr: number;
  /** Mean loss over the epoch's batches: cross-entropy for classifiers, the mean squared reconstruction error for autoencoders. */
  trainLoss: number;
  /** Classifiers: accuracy on the training batches during the epoch (before each update); absent for autoencoders. */
  trainAccuracy?: number;
  /** Held-out loss (eval mode): cross-entropy, or an autoencoder's mean squared reconstruction error. */
  testLoss?: number;
  testAccuracy?: number;
  seconds: number;
}

export interface StepProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  step: number;
  loss: number;
}

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  baseLr: number;
  schedule: LrSchedule;
  /** Epochs already completed (resume). */
  startEpoch?: number;
  /** Drop the last incomplete batch (default true: BatchNorm needs > 1 sample). */
  dropLast?: boolean;
  recorder?: TrajectoryRecorder;
  onStep?(p: StepProgress): void;
  onEpoch?(m: EpochMetrics): Promise<void> | void;
  /** Polled between steps (Ctrl-C). When true the loop returns at the next batch boundary. */
  shouldStop?(): boolean;
  /** Clock for `seconds` (injectable for tests). */
  now?(): number;
}

/** Seed of epoch e's shuffle. */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
}

export async function trainLoop(trainer: Trainer, data: { train: LabelledSet; test?: LabelledSet }, o: LoopOptions): Promise<{ stopped: boolean; epochsDone: number; history: EpochMetrics[] }> {
  const now = o.now ?? (() => Date.now());
  const n = data.train.y.length;
  const dropLast = o.dropLast ?? true;
  const batches = dropLast && n >= o.batchSize ? Math.floor(n / o.batchSize) : Math.ceil(n / o.batchSize);
  if (n === 0) throw new GeolensError('BAD_ARGUMENT', 'trainLoop: the training set is empty.');
  const smallest = Math.min(o.batchSize, n - (batches - 1) * o.batchSize);
  if (smallest < trainer.minBatchSize) {
    throw new GeolensError(
      'BAD_ARGUMENT',
      `trainLoop: ${n} training samples in batches of ${o.batchSize} leave a batch of ${smallest}; BatchNorm needs at least ${trainer.minBatchSize} samples per batch (${dropLast ? 'use more samples' : 'keep dropLast on, or choose another batch size'}).`,
    );
  }
  const history: EpochMetrics[] = [];
  for (let epoch = o.startEpoch ?? 0; epoch < o.epochs; epoch++) {
    const t0 = now();
    const lr = lrAt(o.baseLr, o.schedule, epoch);
    // a set smaller than one batch is a single batch even with dropLast
    const order = minibatchOrder(n, o.batchSize, new Rng(epochSeed(o.seed, epoch)), { dropLast: dropLast && n >= o.batchSize });
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let bi = 0; bi < batches; bi++) {
      if (o.shouldStop?.()) return { stopped: true, epochsDone: epoch, history };
      const batch = order[bi]!;
      const m = batch.length;
      const xb = gatherRows(data.train.x, batch).data;
      const yb = batch.map((r) => data.train.y[r]!);
      const res = await trainer.trainStep(xb, yb, lr);
      lossSum += res.loss * m;
      correct += res.correct ?? 0;
      seen += m;
      o.recorder?.offer(trainer.stepCount, trainer.params);
      o.onStep?.({ epoch: epoch + 1, epochs: o.epochs, batch: bi + 1, batches, step: trainer.stepCount, loss: res.loss });
    }
    const reconstruction = trainer.def.loss === 'mean-squared-error';
    const metrics: EpochMetrics = reconstruction
      ? { epoch: epoch + 1, step: trainer.stepCount, lr, trainLoss: lossSum / Math.max(1, seen), seconds: 0 }
      : { epoch: epoch + 1, step: trainer.stepCount, lr, trainLoss: lossSum / Math.max(1, seen), trainAccuracy: correct / Math.max(1, seen), seconds: 0 };
    if (reconstruction && data.test && data.test.y.length > 0) metrics.testLoss = await trainer.reconstructionError(data.test.x);
    else if (data.test && data.test.y.length > 0) {
      const ev = await trainer.evaluate(data.test.x, data.test.y);
      metrics.testLoss = ev.loss;
      metrics.testAccuracy = ev.accuracy;
    }
    metrics.seconds = (now() - t0) / 1000;
    history.push(metrics);
    await o.onEpoch?.(metrics);
  }
  return { stopped: false, epochsDone: o.epochs, history };
}
