/**
 * One onnxruntime session per training step: forward, the model's loss (softmax cross-entropy for classifiers, the
 * mean squared reconstruction error for autoencoders), backward, weight decay and the optimizer update all run in a
 * single graph that geolens builds and differentiates itself.
 * Parameters, optimizer state and BatchNorm buffers live in JS between steps (plain Float32Arrays), so a
 * checkpoint is a copy of them and a resumed run continues bit-identically.
 */
import { addGradients } from '../autodiff/grad.js';
import type { CompiledGraph, Engine, RunTensor } from '../engine/engine.js';
import { GeolensError } from '../errors.js';
import { BN_MOMENTUM, initWeights, meanSquaredError, modelOutputShape, type ForwardResult, type ModelDef, type Weights } from '../models/index.js';
import { GraphBuilder } from '../onnx/builder.js';
import { DataType } from '../onnx/proto.js';
import { tensorToProto } from '../onnx/tensors.js';
import type { Tensor } from '../tensor.js';
import { numel } from '../tensor.js';
import { buildOptimizerUpdate, buildSgdUpdateFromScaledGrad, optimizerSlots, type OptimizerOptions } from './optimizers.js';

export interface TrainerOptions extends OptimizerOptions {
  /** Learning rate at step 0 (schedules pass the current one to `step`). */
  lr: number;
  batchSize: number;
  seed: number;
}

/** Everything needed to continue training exactly where it stopped. */
export interface TrainerState {
  step: number;
  params: Weights;
  buffers: Weights;
  /** Optimizer slots by `${param}.${slot}` (e.g. `fc1.weight.m`). */
  optimizer: Weights;
}

export interface StepResult {
  loss: number;
  /** Classifiers: correct predictions in the batch (before the update); absent for autoencoders. */
  correct?: number;
  size: number;
}

const X = 'x';
const Y = 'y_onehot';
const LR = 'lr';
const LOSS = 'loss';
const LOGITS = 'logits';

/** Mean softmax cross-entropy −Σ y⊙log_softmax(z) / Σ y (the denominator is the batch size for one-hot y). */
export function softmaxCrossEntropy(b: GraphBuilder, logits: string, yOneHot: string): string {
  return crossEntropyParts(b, logits, yOneHot).loss;
}

/** The loss and the tensors its closed-form gradient reuses: log_softmax(z) [N, C] and the count Σ y (a scalar). */
function crossEntropyParts(b: GraphBuilder, logits: string, yOneHot: string): { loss: string; logSoftmax: string; count: string } {
  const ls = b.op('LogSoftmax', [logits], { axis: -1 });
  const total = b.op('ReduceSum', [b.mul(yOneHot, ls)], { keepdims: 0 });
  const count = b.op('ReduceSum', [yOneHot], { keepdims: 0 });
  return { loss: b.neg(b.div(total, count)), logSoftmax: ls, count };
}

/**
 * The step graph: inputs x, y_onehot (classifiers only), lr, params, optimizer slots, buffers; outputs loss, logits
 * (classifiers only), updates. The loss is the model's (`def.loss`): softmax cross-entropy against y_onehot, or the
 * mean squared error between the output and x. The backward pass starts at the logits with the closed form
 * (softmax(z)·Σ_c y − y) / Σy (any non-negative y: one-hot, label-smoothed, soft labels). With plain SGD and `foldLr` (the default) the backward pass is seeded
 * with −lr, so each update is p + ∂(−lr·L)/∂p, one Add that onnxruntime fuses into the weight gradient's Gemm
 * (`foldLr = false` builds the unfused p − lr·∂L/∂p, kept for A/B benchmarks).
 */
export function buildTrainStep(def: ModelDef, opts: OptimizerOptions, foldLr = true): GraphBuilder {
  return trainStepGraph(def, opts, foldLr).b;
}

/** The step graph and the batch statistics it outputs (as `${buffer}:batch`). */
function trainStepGraph(def: ModelDef, opts: OptimizerOptions, foldLr = true): { b: GraphBuilder; batchStats: ForwardResult['batchStats'] } {
  const b = new GraphBuilder('train_step');
  const reconstruction = def.loss === 'mean-squared-error';
  const x = b.input(X, ['N', ...def.config.inputShape]);
  const y = reconstruction ? undefined : b.input(Y, ['N', ...modelOutputShape(def.config)]);
  const lr = b.input(LR, []);
  for (const p of def.params) b.input(p.name, p.shape);
  for (const s of def.buffers) b.input(s.name, s.shape);
  const slots = optimizerSlots(opts);
  for (const p of def.params) for (const s of slots) b.input(`${p.name}.${s}`, p.shape);
  const scalars = opts.optimizer === 'adam' ? [b.input('adam_c1', []), b.input('adam_c2', [])] : [];
  const fwd = def.forward(b, x, (n) => n, 'train');
  const ce = y === undefined ? undefined : crossEntropyParts(b, fwd.logits, y);
  const loss = ce === undefined ? meanSquaredError(b, fwd.logits, x) : ce.loss;
  b.namedOutput(LOSS, loss, []);
  if (y !== undefined) b.namedOutput(LOGITS, fwd.logits, ['N', ...modelOutputShape(def.config)]);
  // plain SGD: seed the backward pass with −lr so each update is one Add (fused into the weight gradient's Gemm)
  const sgdFolded = foldLr && opts.optimizer === 'sgd';
  // bias gradients as ones·G (a GEMV) rather than ReduceSum over the batch axis
  const ones = b.op('ConstantOfShape', [b.op('Slice', [b.shape(x), b.constInt64([0]), b.constInt64([1])])], { value: tensorToProto('value', [1], b.floatType === DataType.DOUBLE ? Float64Array.of(1) : Float32Array.of(1), b.floatType) });
  const batchOnes = { ones, dim: 'N' };
  const wrt = def.params.map((p) => p.name);
  // cross-entropy: start the backward pass at the logits with the closed form ∂L/∂z = (softmax(z)·Σ_c y − y) / Σy
  // (a few nodes instead of the generic chain's 10); folded SGD seeds −lr·∂L/∂z = (y − softmax(z)·Σ_c y)·(lr / Σy)
  let grads: Map<string, string>;
  if (ce === undefined || y === undefined) {
    grads = addGradients(b, loss, wrt, { ...(sgdFolded ? { seed: b.neg(lr) } : {}), batchOnes });
  } else {
    const p = b.mul(b.op('Exp', [ce.logSoftmax]), b.reduceSum(y, [-1], true));
    const seed = sgdFolded ? b.mul(b.sub(y, p), b.div(lr, ce.count)) : b.div(b.sub(p, y), ce.count);
    grads = addGradients(b, fwd.logits, wrt, { seed, batchOnes });
  }
  for (const p of def.params) {
    if (sgdFolded) {
      b.namedOutput(`${p.name}:new`, buildSgdUpdateFromScaledGrad(b, opts, { param: p.name, grad: grads.get(p.name)!, lr }), p.shape);
      continue;
    }
    const upd = buildOptimizerUpdate(b, opts, { param: p.name, grad: grads.get(p.name)!, lr, slots: Object.fromEntries(slots.map((s) => [s, `${p.name}.${s}`])), adamScalars: scalars });
    b.namedOutput(`${p.name}:new`, upd.param, p.shape);
    for (const s of slots) b.namedOutput(`${p.name}.${s}:new`, upd.slots[s]!, p.shape);
  }
  for (const st of fwd.batchStats) b.namedOutput(`${st.buffer}:batch`, st.value);
  return { b, batchStats: fwd.batchStats };
}

/** Eval-mode forward graph with weights as inputs (one session serves every checkpoint); output `logits` is the model's output (an autoencoder's reconstruction). */
export function buildEvalGraph(def: ModelDef, layerOutputs = false): GraphBuilder {
  const b = new GraphBuilder('eval');
  const x = b.input(X, ['N', ...def.config.inputShape]);
  for (const p of def.params) b.input(p.name, p.shape);
  for (const s of def.buffers) b.input(s.name, s.shape);
  const fwd = def.forward(b, x, (n) => n, 'eval');
  b.namedOutput(LOGITS, fwd.logits, ['N', ...modelOutputShape(def.config)]);
  if (layerOutputs) for (const l of fwd.layers) if (l.name !== 'logits') b.namedOutput(`layer:${l.name}`, l.tensor);
  return b;
}

export function oneHot(y: Int32Array, numClasses: number): Float32Array {
  const out = new Float32Array(y.length * numClasses);
  for (let i = 0; i < y.length; i++) {
    const c = y[i]!;
    if (c < 0 || c >= numClasses) throw new GeolensError('BAD_ARGUMENT', `label ${c} at row ${i} is outside 0..${numClasses - 1}.`);
    out[i * numClasses + c] = 1;
  }
  return out;
}

/** Number of rows whose argmax equals the label. */
export function countCorrect(logits: ArrayLike<number>, y: Int32Array, numClasses: number): number {
  let correct = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (logits[i * numClasses + c]! > logits[i * numClasses + best]!) best = c;
    if (best === y[i]) correct++;
  }
  return correct;
}

function copyWeights(w: Weights): Weights {
  const out: Weights = {};
  for (const [k, v] of Object.entries(w)) out[k] = { data: v.data.slice(), shape: [...v.shape] };
  return out;
}

export class Trainer {
  /**
   * The smallest batch a step accepts: 2 when some BatchNorm sees one value per channel per sample (PyTorch refuses
   * to train BatchNorm on a single value per channel: its variance is 0 and the output constant), else 1.
   */
  readonly minBatchSize: number;
  // Per-step bookkeeping, computed once: [state name, step-graph output] (and values per channel per sample).
  private readonly paramUpdates: [string, string][];
  private readonly slotUpdates: [string, string][];
  private readonly statUpdates: [string, string, number][];

  private constructor(
    readonly def: ModelDef,
    readonly opts: TrainerOptions,
    private readonly stepGraph: CompiledGraph,
    private readonly evalGraph: CompiledGraph,
    private state: TrainerState,
    batchStats: ForwardResult['batchStats'],
  ) {
    this.minBatchSize = batchStats.some((st) => st.variancePerSample !== undefined && st.variancePerSample < 2) ? 2 : 1;
    this.paramUpdates = Object.keys(state.params).map((k) => [k, `${k}:new`]);
    this.slotUpdates = Object.keys(state.optimizer).map((k) => [k, `${k}:new`]);
    this.statUpdates = batchStats.map((st) => [st.buffer, `${st.buffer}:batch`, st.variancePerSample ?? 0]);
  }

  /** Compile the step and eval graphs; start from `initial` (a checkpoint) or from seeded initial weights. */
  static async create(engine: Engine, def: ModelDef, opts: TrainerOptions, initial?: TrainerState): Promise<Trainer> {
    const step = trainStepGraph(def, opts);
    const stepGraph = await engine.load(step.b);
    const evalGraph = await engine.load(buildEvalGraph(def));
    let state = initial;
    if (!state) {
      const { params, buffers } = initWeights(def, opts.seed);
      const optimizer: Weights = {};
      for (const p of def.params) for (const s of optimizerSlots(opts)) optimizer[`${p.name}.${s}`] = { data: new Float32Array(numel(p.shape)), shape: [...p.shape] };
      state = { step: 0, params, buffers, optimizer };
    }
    return new Trainer(def, opts, stepGraph, evalGraph, copyState(state), step.batchStats);
  }

  /** Optimisation steps taken so far. */
  get stepCount(): number {
    return this.state.step;
  }

  /** A deep copy of the current state (for checkpoints and trajectories). */
  snapshot(): TrainerState {
    return copyState(this.state);
  }

  /** Current parameters (live references: copy before keeping them). */
  get params(): Weights {
    return this.state.params;
  }
  get buffers(): Weights {
    return this.state.buffers;
  }

  /**
   * One optimisation step on a batch: x [n, ...inputShape] row-major, y labels [n] (an autoencoder ignores the labels
   * and learns to reconstruct x; its batch size comes from x). Returns the batch loss.
   */
  async trainStep(x: Float32Array, y: Int32Array, lr = this.opts.lr): Promise<StepResult> {
    const reconstruction = this.def.loss === 'mean-squared-error';
    const d = numel(this.def.config.inputShape);
    const n = reconstruction ? x.length / d : y.length;
    const C = modelOutputShape(this.def.config)[0]!;
    if (!Number.isInteger(n) || x.length !== n * d) {
      throw new GeolensError('BAD_SHAPE', `trainStep: x has ${x.length} values, expected ${reconstruction ? 'a multiple of' : `${n} ×`} [${this.def.config.inputShape.join(', ')}].`);
    }
    if (n < this.minBatchSize) {
      throw new GeolensError('BAD_ARGUMENT', n === 0 ? 'trainStep: the batch is empty.' : `trainStep: a batch of ${n} sample; BatchNorm needs at least ${this.minBatchSize} samples per batch in training.`);
    }
    const feeds: Record<string, RunTensor> = reconstruction
      ? { [X]: { data: x, shape: [n, ...this.def.config.inputShape] }, [LR]: { data: Float32Array.of(lr), shape: [] } }
      : {
          [X]: { data: x, shape: [n, ...this.def.config.inputShape] },
          [Y]: { data: oneHot(y, C), shape: [n, C] },
          [LR]: { data: Float32Array.of(lr), shape: [] },
        };
    const s = this.state;
    for (const k in s.params) feeds[k] = s.params[k]!;
    for (const k in s.buffers) feeds[k] = s.buffers[k]!;
    for (const k in s.optimizer) feeds[k] = s.optimizer[k]!;
    if (this.opts.optimizer === 'adam') {
      const t = s.step + 1;
      const { beta1, beta2 } = adamBetas(this.opts);
      feeds.adam_c1 = { data: Float32Array.of(1 / (1 - beta1 ** t)), shape: [] };
      feeds.adam_c2 = { data: Float32Array.of(1 / (1 - beta2 ** t)), shape: [] };
    }
    const out = await this.stepGraph.run(feeds);
    const loss = Number(out[LOSS]!.data[0]);
    if (!Number.isFinite(loss)) {
      throw new GeolensError('BAD_ARGUMENT', `training diverged at step ${s.step + 1} (loss ${loss}); lower --lr (now ${lr}).`);
    }
    const correct = reconstruction ? undefined : countCorrect(out[LOGITS]!.data as Float32Array, y, C);
    for (const [k, o] of this.paramUpdates) s.params[k] = { data: out[o]!.data as Float32Array, shape: s.params[k]!.shape };
    for (const [k, o] of this.slotUpdates) s.optimizer[k] = { data: out[o]!.data as Float32Array, shape: s.optimizer[k]!.shape };
    // BatchNorm running statistics (PyTorch convention: unbiased batch variance over the m values per channel, momentum 0.1)
    for (const [k, o, perSample] of this.statUpdates) {
      const m = n * perSample;
      const unbias = m > 1 ? m / (m - 1) : 1;
      const cur = s.buffers[k]!.data.slice();
      const bd = out[o]!.data as Float32Array;
      for (let i = 0; i < cur.length; i++) cur[i] = (1 - BN_MOMENTUM) * cur[i]! + BN_MOMENTUM * bd[i]! * unbias;
      s.buffers[k] = { data: cur, shape: s.buffers[k]!.shape };
    }
    s.step++;
    return correct === undefined ? { loss, size: n } : { loss, correct, size: n };
  }

  /** One step at the base learning rate; returns the batch loss. */
  async step(x: Float32Array, y: Int32Array): Promise<number> {
    return (await this.trainStep(x, y)).loss;
  }

  /** Eval-mode logits for x [n, ...inputShape], in batches (an autoencoder's reconstructions, [n, ...inputShape] flat). */
  async logits(x: Tensor<Float32Array>, batchSize = 1024, weights: { params: Weights; buffers: Weights } = this.state): Promise<Float32Array> {
    const feeds: Record<string, RunTensor> = { [X]: x };
    for (const [k, v] of Object.entries(weights.params)) feeds[k] = v;
    for (const [k, v] of Object.entries(weights.buffers)) feeds[k] = v;
    const out = await this.evalGraph.runBatched(feeds, [X], batchSize, [LOGITS]);
    return out[LOGITS]!.data as Float32Array;
  }

  /**
   * Mean squared reconstruction error of an autoencoder on x (eval mode): the mean over all values of (x̂ − x)²,
   * accumulated in float64. Errors: BAD_MODEL for a classifier (use `evaluate`).
   */
  async reconstructionError(x: Tensor<Float32Array>, batchSize = 1024): Promise<number> {
    if (this.def.loss !== 'mean-squared-error') throw new GeolensError('BAD_MODEL', `reconstructionError: the ${this.def.config.kind} is a classifier; use evaluate().`);
    const r = await this.logits(x, batchSize);
    let s = 0;
    for (let i = 0; i < r.length; i++) s += (r[i]! - x.data[i]!) ** 2;
    return r.length ? s / r.length : 0;
  }

  /** Mean cross-entropy and accuracy on a labelled set (eval mode). Errors: BAD_MODEL for an autoencoder (use `reconstructionError`). */
  async evaluate(x: Tensor<Float32Array>, y: Int32Array, batchSize = 1024): Promise<{ loss: number; accuracy: number }> {
    if (this.def.loss === 'mean-squared-error') throw new GeolensError('BAD_MODEL', 'evaluate: an autoencoder has no classes; use reconstructionError().');
    const z = await this.logits(x, batchSize);
    const C = modelOutputShape(this.def.config)[0]!;
    let loss = 0;
    for (let i = 0; i < y.length; i++) {
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, z[i * C + c]!);
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(z[i * C + c]! - max);
      loss += Math.log(s) + max - z[i * C + y[i]!]!;
    }
    return { loss: loss / Math.max(1, y.length), accuracy: countCorrect(z, y, C) / Math.max(1, y.length) };
  }
}

function copyState(s: TrainerState): TrainerState {
  return { step: s.step, params: copyWeights(s.params), buffers: copyWeights(s.buffers), optimizer: copyWeights(s.optimizer) };
}

export function adamBetas(o: OptimizerOptions): { beta1: number; beta2: number } {
  return { beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999 };
}
