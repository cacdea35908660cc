/**
 * Running semi-discrete optimal transport in the latent space of an autoencoder (AE-OT; METHODS.md §5):
 * encode the data to codes y_i, find the Brenier potential u_h(x) = max_i(⟨x, y_i⟩ + h_i) from a source measure to
 * the empirical measure of the codes by pyOMT's quasi-Monte-Carlo Adam descent on the convex energy, then generate:
 * sample the source, map through ∇u_h (optionally pyOMT's piecewise-linear extension), decode.
 *
 * The inner step — the argmax of ⟨x, y_i⟩ + h_i over N targets for M samples — is one onnxruntime graph
 * (MatMul + Add + ArgMax, float32), run in chunks of rows; the cell histogram is a JavaScript count over the
 * returned indices (measured in bench/ot.ts against an in-graph OneHot + ReduceSum, which writes an M×N one-hot).
 */
import erfinv from '@stdlib/math-base-special-erfinv';
import type { Dataset } from '../../data/types.js';
import { valueRange } from '../../data/shifts.js';
import { selectSamples } from '../../data/split.js';
import type { CompiledGraph, Engine, RunTensor } from '../../engine/engine.js';
import { GeolensError } from '../../errors.js';
import type { ProbeProgress } from '../../measure/progress.js';
import { autoencoderGraphs, AUTOENCODER_IO, type AutoencoderDef, type Weights } from '../../models/index.js';
import { GraphBuilder } from '../../onnx/builder.js';
import type { ImportedModel } from '../../onnx/import.js';
import { DataType } from '../../onnx/proto.js';
import { numel, type Tensor } from '../../tensor.js';
import { hashBytes } from '../../util/hash.js';
import { Rng } from '../../util/random.js';
import {
  adamStep,
  cellMeasureError,
  findDuplicateCodes,
  initialSolverState,
  latentProjection,
  powerCells2d,
  projectCodes,
  normaliseTargets,
  otEnergy,
  sourceSamples,
  supportAngle,
  totalVariation,
  onStall,
  type CellMeasureError,
  type NormalisedTargets,
  type OtSolverState,
  type OtSource,
} from './compute.js';
import { OT_SCHEMA_VERSION } from './schema.js';
import { SobolSequence } from './sobol.js';
import type { OtClassDistribution, OtHistoryEntry, OtResult } from './types.js';

/** Φ⁻¹, the standard normal quantile (through @stdlib's erfinv). */
export const inverseNormal = (p: number): number => Math.SQRT2 * erfinv(2 * p - 1);

// ------------------------------------------------------------------------------------------------ graphs

/**
 * The assignment graph: x [M, d] (source samples), yt [d, N] (targets, transposed), h [N] → cell [M] (int32), the
 * argmax over i of ⟨x, y_i⟩ + h_i (ties: the lowest i). Float32.
 */
export function otAssignGraph(d: number): GraphBuilder {
  const b = new GraphBuilder('ot_assign');
  const x = b.input('x', ['M', d]);
  const yt = b.input('yt', [d, 'N']);
  const h = b.input('h', ['N']);
  const scores = b.add(b.matmul(x, yt), h);
  b.namedOutput('cell', b.op('Cast', [b.op('ArgMax', [scores], { axis: 1, keepdims: 0 })], { to: DataType.INT32 }), ['M'], DataType.INT32);
  return b;
}

/** The top-k graph: like the assignment graph, but the k best cells per sample ([M, k] int64, best first). */
export function otTopKGraph(d: number, k: number): GraphBuilder {
  const b = new GraphBuilder('ot_topk');
  const x = b.input('x', ['M', d]);
  const yt = b.input('yt', [d, 'N']);
  const h = b.input('h', ['N']);
  const scores = b.add(b.matmul(x, yt), h);
  const [, idx] = b.node('TopK', [scores, b.constInt64([k])], { axis: 1, largest: 1, sorted: 1 }, 2);
  b.namedOutput('cells', idx!, ['M', k], DataType.INT64);
  return b;
}

/** Rows per chunk: about 2^21 scores ([rows, N] float32, 8 MiB) per run, between 64 and 4096 rows. */
export function defaultChunkRows(n: number): number {
  return Math.max(64, Math.min(4096, Math.round(2 ** 21 / n)));
}

/** Targets transposed to [d, N] float32 (the right operand of the MatMul). */
export function transposeTargets(y: Float32Array, n: number, d: number): Float32Array {
  const t = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) t[k * n + i] = y[i * d + k]!;
  return t;
}

// ------------------------------------------------------------------------------------------------ samples

/** Quasi-random source samples: Sobol points 0, 1, 2, … mapped to the source, cached between steps up to a budget. */
class SourceSampler {
  private readonly sobol: SobolSequence;
  private cache = new Float32Array(0);
  private cached = 0;
  private readonly u: Float64Array;
  private readonly scratch: Float32Array;
  constructor(
    private readonly kind: OtSource,
    private readonly t: NormalisedTargets,
    private readonly rows: number,
    private readonly cacheBytes: number,
  ) {
    this.sobol = new SobolSequence(t.d);
    this.u = new Float64Array(rows * t.d);
    this.scratch = new Float32Array(rows * t.d);
  }

  /** Make points [0, total) cached when they fit the budget. */
  reserve(total: number): void {
    const d = this.t.d;
    if (total <= this.cached || total * d * 4 > this.cacheBytes) return;
    const next = new Float32Array(total * d);
    next.set(this.cache.subarray(0, this.cached * d));
    for (let s = this.cached; s < total; s += this.rows) {
      const c = Math.min(this.rows, total - s);
      this.generate(s, c, next.subarray(s * d, (s + c) * d));
    }
    this.cache = next;
    this.cached = total;
  }

  private generate(start: number, count: number, out: Float32Array): void {
    const u = this.u.subarray(0, count * this.t.d);
    this.sobol.fill(start, count, u);
    sourceSamples(this.kind, this.t, u, out, inverseNormal);
  }

  /** Source samples [start, start + count) (count ≤ rows), valid until the next call. */
  chunk(start: number, count: number): Float32Array {
    const d = this.t.d;
    if (start + count <= this.cached) return this.cache.subarray(start * d, (start + count) * d);
    const out = this.scratch.subarray(0, count * d);
    this.generate(start, count, out);
    return out;
  }
}

/**
 * Assign source samples [start, start + total) to cells: per-cell counts and the mean of max_i(⟨x, ŷ_i⟩ + h_i)
 * (from the argmax, in float64).
 */
async function assignCells(
  session: CompiledGraph,
  sampler: SourceSampler,
  t: NormalisedTargets,
  yt: Float32Array,
  h: Float64Array,
  start: number,
  total: number,
  rows: number,
): Promise<{ counts: Int32Array; meanMax: number }> {
  const { n, d, y } = t;
  const counts = new Int32Array(n);
  const hf: RunTensor = { data: Float32Array.from(h), shape: [n] };
  const ytT: RunTensor = { data: yt, shape: [d, n] };
  let sumMax = 0;
  for (let s = start; s < start + total; s += rows) {
    const c = Math.min(rows, start + total - s);
    const x = sampler.chunk(s, c);
    const out = await session.run({ x: { data: x, shape: [c, d] }, yt: ytT, h: hf }, ['cell']);
    const cell = out.cell!.data as Int32Array;
    for (let r = 0; r < c; r++) {
      const i = cell[r]!;
      counts[i]!++;
      let v = h[i]!;
      for (let k = 0; k < d; k++) v += x[r * d + k]! * y[i * d + k]!;
      sumMax += v;
    }
  }
  return { counts, meanMax: sumMax / total };
}

// ------------------------------------------------------------------------------------------------ solver

/** What a checkpoint holds: the solver state, the history so far, and what it was solved for. */
export interface OtCheckpoint {
  state: OtSolverState;
  history: OtHistoryEntry[];
  /** Hash of the normalised targets and masses (a resume must see the same codes). */
  targetsHash: string;
  source: OtSource;
  samples: number;
  /** Seconds spent in the solve so far. */
  seconds: number;
}

/**
 * The default Adam learning rate on h: min(0.02, 0.5·N^(−2/d)). In the unit cube the power weights of neighbouring
 * cells differ by about (code spacing)² ≈ N^(−2/d), so pyOMT's fixed 0.1 — tuned for many targets in a
 * high-dimensional latent space — makes every step jump across many cells in low dimensions. The rate starts high
 * and halves at every stall (`onStall`). Measured (400 codes, decay 0.5 at stalls of 20 steps, 200,000 samples):
 * 2-D codes of the `manifold` autoencoder with lr = (0.125, 1.25, 5)·10⁻³ reach max error 0.9 (300 steps) / 0.01
 * (326 steps) / 1.0 (400 steps), and without the decay 1.25·10⁻³ oscillates at ≈ 4; 8-D codes of an MNIST
 * autoencoder reach 0.01 in 207 steps with lr 0.02, but with 0.1 stay at 1.0 after 1000 (16 cells emptied by the first
 * large steps cannot refill once the rate has decayed).
 */
export function defaultLearningRate(n: number, d: number): number {
  return Math.min(0.02, 0.5 * n ** (-2 / d));
}

export interface OtSolveOptions {
  /** Source measure (default 'uniform' on the codes' bounding box). */
  source?: OtSource;
  /**
   * Initial h (default 'voronoi': h_i = −|ŷ_i|²/2, so the cells start as the Voronoi cells of the targets, the usual
   * start of semi-discrete OT solvers; 'zero': h = 0 as pyOMT, where only the extreme codes have cells at first).
   */
  init?: 'voronoi' | 'zero';
  /** Monte-Carlo samples per batch, M (default 100,000); a step uses batches × M consecutive Sobol points. */
  samples?: number;
  /** Steps (updates of h) at most, resumed steps included (default 1000). */
  maxSteps?: number;
  /** Stop when max_i |μ(W_i) − ν_i| · N < tolerance (default 1e-2, pyOMT's). */
  tolerance?: number;
  /** Adam on h (pyOMT: β 0.9 / 0.999, no bias correction; lr default `defaultLearningRate` = 0.05·N^(−2/d) instead of pyOMT's 0.1). */
  lr?: number;
  beta1?: number;
  beta2?: number;
  /** A stall is this many steps without a new best ‖g − ν‖₂ (default 20, pyOMT's doubling patience). */
  patience?: number;
  /** At a stall the learning rate is multiplied by this (default 0.5; 1: pyOMT's constant rate). See `onStall`. */
  lrDecay?: number;
  /** The learning rate never falls below lr · minLrScale (default 2^−12). */
  minLrScale?: number;
  /**
   * At a stall the samples per step double while N / samples (one sample's share of a cell, relative to its mass) is
   * above this (default tolerance / 4, i.e. until there are 4 / tolerance samples per cell), up to maxSamples.
   */
  resolution?: number;
  /** Never use more than this many samples per step (default 2^24). */
  maxSamples?: number;
  /** Rows per onnxruntime run (default: about 2^21 scores per run). */
  chunkRows?: number;
  /** Keep the source samples between steps up to this many bytes (default 512 MiB; beyond, they are regenerated). */
  cacheBytes?: number;
  /** Call onCheckpoint every k steps (default 10), and when the solve ends. */
  checkpointEvery?: number;
  onCheckpoint?: (c: OtCheckpoint) => Promise<void> | void;
  /** Continue from a checkpoint of the same targets. */
  resume?: OtCheckpoint;
  /** Polled between steps (Ctrl-C): when true the solve stops with status 'interrupted' after a checkpoint. */
  shouldStop?: () => boolean;
  /** Merge exactly repeated codes into one target with their summed mass (default false: refuse them). */
  mergeDuplicates?: boolean;
}

/** A solved (or stopped) semi-discrete transport problem. */
export interface OtSolution {
  /** The distinct targets, normalised (ŷ = (y − centre) / scale). */
  targets: NormalisedTargets;
  /** For each input code, its target index (duplicates share one). */
  targetOf: Int32Array;
  /** The index of the input code each target came from. */
  targetCodes: Int32Array;
  /** Target masses ν (the share of codes equal to each target). */
  nu: Float64Array;
  state: OtSolverState;
  history: OtHistoryEntry[];
  status: 'converged' | 'max-steps' | 'interrupted';
  resumedFrom: number | null;
  /** At the final h on the last step's samples, and on as many fresh samples (the next Sobol points). */
  final: CellMeasureError & { samples: number; energy: number };
  heldOut: CellMeasureError & { samples: number };
  seconds: number;
  options: Required<Omit<OtSolveOptions, 'onCheckpoint' | 'resume' | 'shouldStop'>>;
}

function checkOptions(o: OtSolveOptions, n: number, d: number): OtSolution['options'] {
  const r = {
    source: o.source ?? 'uniform',
    init: o.init ?? 'voronoi',
    samples: o.samples ?? 100_000,
    maxSteps: o.maxSteps ?? 1000,
    tolerance: o.tolerance ?? 1e-2,
    lr: o.lr ?? defaultLearningRate(n, d),
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    patience: o.patience ?? 20,
    lrDecay: o.lrDecay ?? 0.5,
    minLrScale: o.minLrScale ?? 2 ** -12,
    resolution: o.resolution ?? (o.tolerance ?? 1e-2) / 4,
    maxSamples: o.maxSamples ?? 2 ** 24,
    chunkRows: o.chunkRows ?? defaultChunkRows(n),
    cacheBytes: o.cacheBytes ?? 2 ** 29,
    checkpointEvery: o.checkpointEvery ?? 10,
    mergeDuplicates: o.mergeDuplicates ?? false,
  };
  const bad = (m: string): never => {
    throw new GeolensError('BAD_ARGUMENT', `ot: ${m}`);
  };
  if (r.source !== 'uniform' && r.source !== 'gaussian') bad(`source must be 'uniform' or 'gaussian' (got '${String(r.source)}').`);
  if (r.init !== 'voronoi' && r.init !== 'zero') bad(`init must be 'voronoi' or 'zero' (got '${String(r.init)}').`);
  for (const [k, v] of [['samples', r.samples], ['maxSteps', r.maxSteps], ['patience', r.patience], ['chunkRows', r.chunkRows], ['checkpointEvery', r.checkpointEvery]] as const) {
    if (!Number.isInteger(v) || v < (k === 'maxSteps' ? 0 : 1)) bad(`${k} must be a positive integer (got ${v}).`);
  }
  if (r.maxSamples < r.samples) bad(`maxSamples (${r.maxSamples}) is below samples (${r.samples}).`);
  if (r.samples + r.maxSamples > 2 ** 32) bad('samples and maxSamples must stay below 2^31 each (the Sobol sequence has 2^32 points).');
  if (!(r.tolerance > 0)) bad(`tolerance must be > 0 (got ${r.tolerance}).`);
  if (!(r.lrDecay > 0 && r.lrDecay <= 1) || !(r.minLrScale > 0 && r.minLrScale <= 1)) bad(`lrDecay and minLrScale must be in (0, 1] (got ${r.lrDecay}, ${r.minLrScale}).`);
  if (!(r.resolution > 0)) bad(`resolution must be > 0 (got ${r.resolution}).`);
  if (!(r.lr > 0) || !(r.beta1 >= 0 && r.beta1 < 1) || !(r.beta2 >= 0 && r.beta2 < 1)) bad('Adam needs lr > 0 and β1, β2 in [0, 1).');
  return r;
}

/**
 * Solve the semi-discrete OT problem from the source measure to the empirical measure of `codes` ([n, d], each of
 * mass 1/n) by pyOMT's algorithm (METHODS.md §5): every step assigns the first batches × M Sobol points (the same
 * points every step, as pyOMT resets its Sobol engine) to their power cells on onnxruntime, takes an Adam step on
 * h with g − ν, re-centres h to mean 0, stops when max_i |g_i − ν_i| · N < tolerance (checked before the update,
 * so the returned h is the one measured), and doubles the batches after `patience` steps without a new best
 * ‖g − ν‖₂. Progress stage 'transport' (detail: the current max error). Errors: BAD_ARGUMENT (repeated codes
 * without mergeDuplicates, all codes equal, bad options, a checkpoint of other codes), BAD_SHAPE, ENGINE.
 */
export async function solveSemiDiscreteOt(engine: Engine, codes: Tensor, options: OtSolveOptions = {}, onProgress?: ProbeProgress): Promise<OtSolution> {
  if (codes.shape.length !== 2) throw new GeolensError('BAD_SHAPE', `ot: codes must be [n, d], got [${codes.shape.join(', ')}].`);
  const [n0, d] = codes.shape as [number, number];
  const raw = Float32Array.from(codes.data);
  const dup = findDuplicateCodes(raw, n0, d);
  if (dup.repeated > 0 && !options.mergeDuplicates) {
    const ex = dup.groups.slice(0, 3).map((g) => `{${g.slice(0, 4).join(', ')}${g.length > 4 ? ', …' : ''}}`).join(', ');
    throw new GeolensError(
      'BAD_ARGUMENT',
      `ot: ${dup.repeated} of the ${n0} codes repeat another code exactly (${dup.distinct} distinct; e.g. the codes ${ex}); a repeated target has one power cell for all its copies, so its mass can never be matched. ` +
        'Merge them into one target with the summed mass (--merge-duplicates / mergeDuplicates: true), or retrain the autoencoder (duplicate codes usually mean a collapsed code or duplicate samples).',
      { repeated: dup.repeated, distinct: dup.distinct },
    );
  }
  // distinct targets, each with its share of the codes
  const targetCodes: number[] = [];
  const targetOf = new Int32Array(n0);
  const indexOfFirst = new Map<number, number>();
  for (let i = 0; i < n0; i++) {
    const f = dup.firstOf[i]!;
    let t = indexOfFirst.get(f);
    if (t === undefined) {
      t = targetCodes.length;
      indexOfFirst.set(f, t);
      targetCodes.push(f);
    }
    targetOf[i] = t;
  }
  const n = targetCodes.length;
  const distinct = new Float32Array(n * d);
  targetCodes.forEach((c, t) => distinct.set(raw.subarray(c * d, (c + 1) * d), t * d));
  const nu = new Float64Array(n);
  for (let i = 0; i < n0; i++) nu[targetOf[i]!]! += 1 / n0;
  const o = checkOptions(options, n, d);
  const t = normaliseTargets(distinct, n, d);
  const yt = transposeTargets(t.y, n, d);
  const hashInput = new Uint8Array(t.y.byteLength + nu.byteLength);
  hashInput.set(new Uint8Array(t.y.buffer, t.y.byteOffset, t.y.byteLength));
  hashInput.set(new Uint8Array(nu.buffer), t.y.byteLength);
  const targetsHash = hashBytes(hashInput);

  let state = initialSolverState(n);
  if (o.init === 'voronoi') {
    // h_i = −|ŷ_i|²/2: the power cells start as the Voronoi cells of the targets (argmax ⟨x, ŷ_i⟩ − |ŷ_i|²/2 = argmin |x − ŷ_i|)
    for (let i = 0; i < n; i++) {
      let s2 = 0;
      for (let k = 0; k < d; k++) s2 += t.y[i * d + k]! ** 2;
      state.h[i] = -s2 / 2;
    }
    const mean = state.h.reduce((a, b) => a + b, 0) / n;
    for (let i = 0; i < n; i++) state.h[i] = state.h[i]! - mean;
  }
  let history: OtHistoryEntry[] = [];
  let secondsBefore = 0;
  let resumedFrom: number | null = null;
  if (options.resume) {
    const r = options.resume;
    if (r.targetsHash !== targetsHash || r.state.h.length !== n) {
      throw new GeolensError('BAD_ARGUMENT', `ot: the checkpoint was written for other codes (${r.state.h.length} targets, hash ${r.targetsHash}; now ${n}, ${targetsHash}): the autoencoder, the data or the target subset changed. Delete the checkpoint or run without --resume.`);
    }
    if (r.source !== o.source || r.samples !== o.samples) {
      throw new GeolensError('BAD_ARGUMENT', `ot: the checkpoint was solved with source '${r.source}' and ${r.samples} samples per batch, not '${o.source}' and ${o.samples}; resume with the same --source and --samples, or start afresh.`);
    }
    state = { ...r.state, lrScale: r.state.lrScale ?? 1, h: Float64Array.from(r.state.h), m: Float64Array.from(r.state.m), v: Float64Array.from(r.state.v) };
    history = [...r.history];
    secondsBefore = r.seconds;
    resumedFrom = r.state.step;
  }

  const session = await engine.load(otAssignGraph(d));
  const sampler = new SourceSampler(o.source, t, o.chunkRows, o.cacheBytes);
  const maxBatches = Math.max(1, Math.floor(o.maxSamples / o.samples));
  // a resumed solve may have doubled beyond a lower maxSamples given now
  state.batches = Math.min(state.batches, maxBatches);
  const t0 = Date.now();
  const checkpoint = (): OtCheckpoint => ({ state: { ...state, h: state.h.slice(), m: state.m.slice(), v: state.v.slice() }, history: [...history], targetsHash, source: o.source, samples: o.samples, seconds: secondsBefore + (Date.now() - t0) / 1000 });
  let status: OtSolution['status'] = 'max-steps';
  let last: (CellMeasureError & { samples: number; energy: number }) | undefined;
  for (;;) {
    const total = state.batches * o.samples;
    sampler.reserve(total);
    const { counts, meanMax } = await assignCells(session, sampler, t, yt, state.h, 0, total, o.chunkRows);
    const err = cellMeasureError(counts, total, nu);
    const energy = otEnergy(meanMax, state.h, nu);
    last = { ...err, samples: total, energy };
    history.push({ step: state.step, maxError: err.maxError, norm: err.norm, samples: total, energy, emptyCells: err.emptyCells, lr: o.lr * state.lrScale });
    onProgress?.('transport', state.step, o.maxSteps, `max error ${err.maxError.toPrecision(3)}, ${total.toLocaleString('en-US')} samples`);
    if (err.maxError < o.tolerance) {
      status = 'converged';
      break;
    }
    if (state.step >= o.maxSteps) break;
    if (options.shouldStop?.()) {
      status = 'interrupted';
      break;
    }
    adamStep(state, err.diff, o.lr * state.lrScale, o.beta1, o.beta2);
    state.step++;
    onStall(state, err.norm, { patience: o.patience, lrDecay: o.lrDecay, minLrScale: o.minLrScale, resolution: o.resolution, samples: o.samples, cells: n, maxBatches });
    if (options.onCheckpoint && state.step % o.checkpointEvery === 0) await options.onCheckpoint(checkpoint());
  }
  if (options.onCheckpoint) await options.onCheckpoint(checkpoint());
  const seconds = secondsBefore + (Date.now() - t0) / 1000;
  // the error on fresh samples: the next batches × M Sobol points
  const fresh = state.batches * o.samples;
  const held = await assignCells(session, sampler, t, yt, state.h, fresh, fresh, o.chunkRows);
  const heldOut = { ...cellMeasureError(held.counts, fresh, nu), samples: fresh };
  return { targets: t, targetOf, targetCodes: Int32Array.from(targetCodes), nu, state, history, status, resumedFrom, final: last!, heldOut, seconds, options: o };
}

/**
 * The cell measures and the energy of a solution's targets at any h, on the Sobol points [start, start + count) of
 * its source (the solver's own samples for start 0 and count = batches × samples). For checks and held-out errors.
 */
export async function evaluatePotential(engine: Engine, sol: OtSolution, h: Float64Array, start: number, count: number): Promise<CellMeasureError & { energy: number; counts: Int32Array }> {
  const { n, d } = sol.targets;
  if (h.length !== n) throw new GeolensError('BAD_SHAPE', `evaluatePotential: h has ${h.length} values for ${n} targets.`);
  const session = await engine.load(otAssignGraph(d));
  const sampler = new SourceSampler(sol.options.source, sol.targets, sol.options.chunkRows, 0);
  const r = await assignCells(session, sampler, sol.targets, transposeTargets(sol.targets.y, n, d), h, start, count, sol.options.chunkRows);
  return { ...cellMeasureError(r.counts, count, sol.nu), energy: otEnergy(r.meanMax, h, sol.nu), counts: r.counts };
}

// ------------------------------------------------------------------------------------------------ generation

export interface OtGenerateOptions {
  /** Codes to generate. */
  count: number;
  /** 'cells' (∇u_h: a training code per sample) or 'piecewise-linear' (pyOMT's extension between neighbouring cells). */
  mode?: 'cells' | 'piecewise-linear';
  /** Piecewise-linear: cells per sample whose pairs with the best cell are candidates (default 4). */
  topK?: number;
  /** Piecewise-linear: largest angle between the supporting planes of a pair, radians (default: the median candidate angle). */
  maxAngle?: number;
  /** Piecewise-linear: the generated code is (1 − w)·y_best + w·y_other (default 0.5). */
  weight?: number;
  /** Seed of the (pseudo-random) source samples. */
  seed?: number;
}

export interface OtGenerated {
  /** Generated codes in the autoencoder's units, row-major [count, d]. */
  codes: Float32Array;
  mode: 'cells' | 'piecewise-linear';
  /** Distinct training codes (cells) or distinct pairs (piecewise-linear) used. */
  distinct: number;
  extension: OtResult['generation']['extension'];
}

/** Pseudo-random source samples (seeded), normalised units. */
function randomSource(sol: OtSolution, count: number, seed: number): Float32Array {
  const d = sol.targets.d;
  const u = new Rng(seed).fillUniform(new Float64Array(count * d), 0, 1);
  return sourceSamples(sol.options.source, sol.targets, u, new Float32Array(count * d), inverseNormal);
}

/**
 * Generate codes from a solution: samples of the source (seeded pseudo-random numbers, not the solver's Sobol points)
 * mapped by ∇u_h. 'cells' returns the target code of each sample's cell (every generated code is a training code).
 * 'piecewise-linear' follows pyOMT's `gen_P` (AE-OT): for each sample the top-k cells by ⟨x, ŷ_i⟩ + h_i; the pairs
 * (best cell, j-th cell) whose supporting planes (ŷ, −1) meet at an angle ≤ maxAngle (neighbouring cells whose
 * segment stays near the data, not across a gap of the support) are kept, de-duplicated and shuffled, and each
 * gives (1 − w)·y_best + w·y_other; pairs are reused when there are fewer than `count`. Codes are in the autoencoder's
 * units (`codes` = the codes given to the solver).
 */
export async function generateCodes(engine: Engine, sol: OtSolution, codes: Float32Array, o: OtGenerateOptions): Promise<OtGenerated> {
  const { d, n } = sol.targets;
  const mode = o.mode ?? 'cells';
  const seed = o.seed ?? 0;
  const code = (target: number): Float32Array => codes.subarray(sol.targetCodes[target]! * d, (sol.targetCodes[target]! + 1) * d);
  const yt: RunTensor = { data: transposeTargets(sol.targets.y, n, d), shape: [d, n] };
  const h: RunTensor = { data: Float32Array.from(sol.state.h), shape: [n] };
  const out = new Float32Array(o.count * d);
  if (mode === 'cells') {
    const x = randomSource(sol, o.count, seed);
    const session = await engine.load(otAssignGraph(d));
    const cells = (await session.runBatched({ x: { data: x, shape: [o.count, d] }, yt, h }, ['x'], sol.options.chunkRows, ['cell'])).cell!.data as Int32Array;
    for (let i = 0; i < o.count; i++) out.set(code(cells[i]!), i * d);
    return { codes: out, mode, distinct: new Set(cells).size, extension: null };
  }
  const k = Math.min(o.topK ?? 4, n);
  if (k < 2) throw new GeolensError('BAD_ARGUMENT', 'ot: the piecewise-linear extension needs at least 2 targets and topK ≥ 2.');
  const w = o.weight ?? 0.5;
  if (!(w >= 0 && w <= 1)) throw new GeolensError('BAD_ARGUMENT', `ot: the extension weight must be in [0, 1] (got ${w}).`);
  const S = Math.max(64, 8 * o.count);
  const x = randomSource(sol, S, seed);
  const session = await engine.load(otTopKGraph(d, k));
  const top = (await session.runBatched({ x: { data: x, shape: [S, d] }, yt, h }, ['x'], sol.options.chunkRows, ['cells'])).cells!.data as BigInt64Array;
  const pairs: [number, number, number][] = [];
  for (let s = 0; s < S; s++) {
    const a = Number(top[s * k]!);
    for (let j = 1; j < k; j++) {
      const b = Number(top[s * k + j]!);
      pairs.push([a, b, supportAngle(sol.targets.y, d, a, b)]);
    }
  }
  const angles = Float64Array.from(pairs, (p) => p[2]).sort();
  const maxAngle = o.maxAngle ?? angles[Math.floor((angles.length - 1) / 2)]!;
  const seen = new Set<string>();
  const kept: [number, number][] = [];
  for (const [a, b, ang] of pairs) {
    if (ang > maxAngle) continue;
    const key = `${a},${b}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push([a, b]);
  }
  if (!kept.length) throw new GeolensError('BAD_ARGUMENT', `ot: no neighbouring pair has a support angle ≤ ${maxAngle}; raise maxAngle (--max-angle).`);
  const order = new Rng(seed + 1).permutation(kept.length);
  for (let i = 0; i < o.count; i++) {
    const [a, b] = kept[order[i % kept.length]!]!;
    const ya = code(a);
    const yb = code(b);
    for (let q = 0; q < d; q++) out[i * d + q] = (1 - w) * ya[q]! + w * yb[q]!;
  }
  return { codes: out, mode, distinct: Math.min(kept.length, o.count), extension: { topK: k, maxAngle, weight: w, candidatePairs: pairs.length, keptPairs: kept.length } };
}

/** Median distance of generated codes to their nearest training code over the median nearest-neighbour distance among (up to 500) training codes. */
export function nearestCodeRatio(generated: Float32Array, codes: Float32Array, d: number, seed = 0): number {
  const n = codes.length / d;
  const nearest = (v: Float32Array, off: number, skip: number): number => {
    let best = Infinity;
    for (let i = 0; i < n; i++) {
      if (i === skip) continue;
      let s = 0;
      for (let k = 0; k < d; k++) s += (v[off + k]! - codes[i * d + k]!) ** 2;
      if (s < best) best = s;
    }
    return Math.sqrt(best);
  };
  const med = (a: number[]): number => {
    const s = Float64Array.from(a).sort();
    return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
  };
  const g = generated.length / d;
  const gen = med(Array.from({ length: g }, (_, i) => nearest(generated, i * d, -1)));
  const picks = n <= 500 ? Array.from({ length: n }, (_, i) => i) : Array.from(new Rng(seed).permutation(n).subarray(0, 500));
  const spacing = med(picks.map((i) => nearest(codes, i * d, i)));
  return spacing > 0 ? gen / spacing : NaN;
}

// ------------------------------------------------------------------------------------------------ the probe

const round4 = (v: number): number => Number(v.toPrecision(4));

/** The latent picture of a result (OtResult['latent']): codes, generated codes and (2-D) the power cells in a plane. */
function latentPicture(sol: OtSolution, codes: Float32Array, labels: Int32Array, generated: Float32Array, d: number, seed: number): OtResult['latent'] {
  const n = codes.length / d;
  if (d < 2) return { projection: 'codes', explained: null, codes: [], generated: [], cells: null };
  const p = latentProjection(codes, n, d);
  const keep = n <= 1000 ? Array.from({ length: n }, (_, i) => i) : Array.from(new Rng(seed + 2).permutation(n).subarray(0, 1000)).sort((a, b) => a - b);
  const pc = projectCodes(p, codes, n, d);
  const pg = projectCodes(p, generated, generated.length / d, d);
  let cells: number[][] | null = null;
  const t = sol.targets;
  if (d === 2 && t.n <= 2000) {
    const polys = powerCells2d(t.y, sol.state.h, [t.lo[0]!, t.lo[1]!], [t.hi[0]!, t.hi[1]!]);
    cells = polys.map((q) => q.map((v, k) => round4(t.centre[k % 2]! + t.scale * v)));
  }
  return {
    projection: p.kind,
    explained: p.kind === 'pca' ? [round4(p.explained[0]), round4(p.explained[1])] : null,
    codes: keep.map((i) => ({ x: round4(pc[2 * i]!), y: round4(pc[2 * i + 1]!), label: labels[i]! })),
    generated: Array.from({ length: pg.length / 2 }, (_, i) => ({ x: round4(pg[2 * i]!), y: round4(pg[2 * i + 1]!) })),
    cells,
  };
}

/** The autoencoder a probe runs on: its definition and trained weights. */
export interface OtAutoencoder {
  def: AutoencoderDef;
  params: Weights;
  /** Where it came from (written into the result). */
  source: string;
}

export interface OtRunOptions extends OtSolveOptions {
  /** Encode at most this many samples of the data (a seeded subset; default all): the targets. */
  targets?: number;
  /** Generated samples in the picture (default 64). */
  generate?: number;
  /** Generated samples classified for the class distribution (default 2000). */
  classify?: number;
  /** 'cells' (default) or 'piecewise-linear' (see generateCodes), with its options. */
  generation?: Omit<OtGenerateOptions, 'count' | 'seed'>;
  /** A classifier of the same data for the class distribution of generated samples (none: not measured). */
  classifier?: ImportedModel;
  /** Seed of the target subset and of the generated samples (default 0). */
  seed?: number;
  /** Written into the result. */
  datasetSpec?: string | null;
  /** Names of the files the caller writes next to ot.json (recorded in the result). */
  files?: Partial<OtResult['files']> & { images?: string };
}

/** What `runOt` returns: the result (plain JSON) and what the pictures and the potential file are made from. */
export interface OtRun {
  result: OtResult;
  solution: OtSolution;
  /** The codes of the encoded samples [n, d] and their labels. */
  codes: Float32Array;
  labels: Int32Array;
  /** Generated codes [count, d] and their decoded samples [count, ...inputShape] (the picture's). */
  generated: { codes: Float32Array; samples: Float32Array; sampleShape: number[] };
  /** Image data: the range of the data's values (for the picture); null otherwise. */
  imageRange: [number, number] | null;
}

const isImageShape = (s: number[]): boolean => (s.length === 3 && (s[0] === 1 || s[0] === 3)) || s.length === 2;

async function runGraph(engine: Engine, g: GraphBuilder, input: string, x: Tensor, output: string, batch = 1024): Promise<Float32Array> {
  const session = await engine.load(g);
  return (await session.runBatched({ [input]: x as RunTensor }, [input], batch, [output]))[output]!.data as Float32Array;
}

async function classify(engine: Engine, model: ImportedModel, samples: Float32Array, count: number): Promise<Int32Array> {
  const shape = model.input.shape.slice(1) as number[];
  const C = model.numClasses;
  const data = model.input.elemType === DataType.DOUBLE ? Float64Array.from(samples) : samples;
  const session = await engine.load(model.graph);
  const z = (await session.runBatched({ [model.input.name]: { data, shape: [count, ...shape] } }, [model.input.name], 512, [model.logits]))[model.logits]!.data as Float32Array;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (z[i * C + c]! > z[i * C + best]!) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * The AE-OT probe: encode `data` with the autoencoder (the codes are the targets), solve the semi-discrete transport
 * from the source (solveSemiDiscreteOt), generate codes (generateCodes) and decode them, and — with a classifier —
 * compare the class distribution of generated samples with the data's. Progress stages: 'encode', 'transport',
 * 'generate'. Errors: BAD_SHAPE (data that do not fit the autoencoder or the classifier), BAD_ARGUMENT (see
 * solveSemiDiscreteOt), ENGINE.
 */
export async function runOt(engine: Engine, ae: OtAutoencoder, data: Dataset, options: OtRunOptions = {}, onProgress?: ProbeProgress): Promise<OtRun> {
  const cfg = ae.def.config;
  const d = cfg.bottleneck;
  const sampleShape = cfg.inputShape;
  if (numel(data.sampleShape) !== numel(sampleShape)) throw new GeolensError('BAD_SHAPE', `${data.name} has samples of shape [${data.sampleShape.join(', ')}] but the autoencoder takes [${sampleShape.join(', ')}].`);
  const clf = options.classifier;
  if (clf && numel(clf.input.shape.slice(1) as number[]) !== numel(sampleShape)) {
    throw new GeolensError('BAD_SHAPE', `the classifier ${clf.source} takes samples of shape [${clf.input.shape.slice(1).join(', ')}], the autoencoder [${sampleShape.join(', ')}]; give a classifier of the same data.`);
  }
  const seed = options.seed ?? 0;
  const warnings: string[] = [];
  let ds = data;
  if (options.targets !== undefined && options.targets < data.y.length) {
    if (!Number.isInteger(options.targets) || options.targets < 2) throw new GeolensError('BAD_ARGUMENT', `ot: targets must be an integer ≥ 2 (got ${options.targets}).`);
    ds = selectSamples(data, Array.from(new Rng(seed).permutation(data.y.length).subarray(0, options.targets)).sort((a, b) => a - b));
  }
  const n = ds.y.length;
  const { encoder, decoder } = autoencoderGraphs(ae.def, ae.params);
  onProgress?.('encode', 0, n);
  const x: Tensor = { data: ds.x.data, shape: [n, ...sampleShape] };
  const codes = Float32Array.from(await runGraph(engine, encoder, AUTOENCODER_IO.input, x, AUTOENCODER_IO.code));
  const recon = await runGraph(engine, decoder, AUTOENCODER_IO.code, { data: codes, shape: [n, d] }, AUTOENCODER_IO.reconstruction);
  let se = 0;
  for (let i = 0; i < recon.length; i++) se += (recon[i]! - ds.x.data[i]!) ** 2;
  onProgress?.('encode', n, n);

  const sol = await solveSemiDiscreteOt(engine, { data: codes, shape: [n, d] }, options, onProgress);
  if (sol.status === 'max-steps') warnings.push(`the solve stopped at maxSteps = ${sol.options.maxSteps} with max error ${sol.final.maxError.toPrecision(3)} ≥ tolerance ${sol.options.tolerance}; resume with more steps (--resume --max-steps) or more samples.`);
  if (sol.targets.n < n) warnings.push(`${n - sol.targets.n} repeated codes were merged into their first copy (mass added).`);
  if (sol.final.samples / sol.targets.n < 100) warnings.push(`only ${(sol.final.samples / sol.targets.n).toFixed(1)} samples per cell: a max error of 1e-2 needs ≥ 100 samples per cell (raise --samples or lower --targets).`);

  // generation
  const count = options.generate ?? 64;
  const nClassify = clf ? (options.classify ?? 2000) : 0;
  const total = Math.max(count, nClassify);
  onProgress?.('generate', 0, total);
  const gen = await generateCodes(engine, sol, codes, { ...(options.generation ?? {}), count: total, seed });
  const samples = await runGraph(engine, decoder, AUTOENCODER_IO.code, { data: gen.codes, shape: [total, d] }, AUTOENCODER_IO.reconstruction);
  let classDistribution: OtClassDistribution | null = null;
  if (clf) {
    const C = clf.numClasses;
    const predicted = await classify(engine, clf, samples, total);
    const generated = new Array<number>(C).fill(0);
    for (const c of predicted) generated[c]! += 1 / total;
    const dataShare = new Array<number>(C).fill(0);
    for (const c of ds.y) if (c >= 0 && c < C) dataShare[c]! += 1 / n;
    const m = Math.min(n, 2000);
    const reconClasses = await classify(engine, clf, recon.subarray(0, m * numel(sampleShape)), m);
    let correct = 0;
    for (let i = 0; i < m; i++) if (reconClasses[i] === ds.y[i]) correct++;
    classDistribution = { classifier: clf.source, samples: total, generated, data: dataShare, totalVariation: totalVariation(generated, dataShare), reconstructionAccuracy: correct / m };
  }
  onProgress?.('generate', total, total);
  const image = isImageShape(data.sampleShape);
  const imageRange = image ? valueRange(ds) : null;
  const files = options.files ?? {};
  const o = sol.options;
  const result: OtResult = {
    schemaVersion: OT_SCHEMA_VERSION,
    probe: 'ot',
    source: { path: ae.source, kind: 'run' },
    dataset: { name: data.name, spec: options.datasetSpec ?? null, size: n },
    autoencoder: { inputShape: sampleShape, bottleneck: d, reconstructionError: se / Math.max(1, recon.length) },
    method:
      'AE-OT (Lei, Luo, Yau, Gu, arXiv 1805.10451; pyOMT): targets = the codes y_i of the encoded samples (mass 1/n), normalised to the unit cube by their bounding box; ' +
      `source μ = ${o.source === 'uniform' ? 'uniform on the bounding box' : 'Gaussian with the codes\u2019 mean and per-coordinate std'}; the Brenier potential u_h(x) = max_i(⟨x, y_i⟩ + h_i) minimises E(h) = ∫u_h dμ − Σν_i h_i by Adam on ∇E = μ(W_i) − ν_i ` +
      '(no bias correction, then h − mean h; h starts at −|ŷ_i|²/2, the Voronoi cells, or 0 as pyOMT), μ(W_i) estimated from the first batches × M points of the unscrambled Sobol sequence (the same points every step), assigned to cells by an onnxruntime argmax graph in float32; ' +
      'batches double after `patience` steps without a new best ‖g − ν‖₂; stop when max_i |μ(W_i) − ν_i|·N < tolerance.',
    targets: { n, distinct: sol.targets.n, dimension: d, centre: Array.from(sol.targets.centre), scale: sol.targets.scale },
    options: { source: o.source, init: o.init, samples: o.samples, maxSteps: o.maxSteps, tolerance: o.tolerance, lr: o.lr, beta1: o.beta1, beta2: o.beta2, patience: o.patience, lrDecay: o.lrDecay, minLrScale: o.minLrScale, resolution: o.resolution, maxSamples: o.maxSamples, chunkRows: o.chunkRows, seed },
    solve: {
      status: sol.status,
      steps: sol.state.step,
      resumedFrom: sol.resumedFrom,
      maxError: sol.final.maxError,
      norm: sol.final.norm,
      emptyCells: sol.final.emptyCells,
      samples: sol.final.samples,
      energy: sol.final.energy,
      heldOutMaxError: sol.heldOut.maxError,
      heldOutSamples: sol.heldOut.samples,
      seconds: sol.seconds,
      history: sol.history,
    },
    generation: {
      count,
      mode: gen.mode,
      distinct: gen.distinct,
      extension: gen.extension,
      nearestCodeRatio: nearestCodeRatio(gen.codes.subarray(0, count * d), codes, d, seed),
      classDistribution,
      images: image ? { file: files.images ?? 'ot-generated.png', columns: Math.ceil(Math.sqrt(count)), valueRange: imageRange! } : null,
    },
    latent: latentPicture(sol, codes, ds.y, gen.codes.subarray(0, count * d), d, seed),
    files: { potential: files.potential ?? 'ot-potential.safetensors', convergence: files.convergence ?? 'ot-convergence.svg', energy: files.energy ?? 'ot-energy.svg', latent: files.latent ?? 'ot-latent.svg', classes: classDistribution ? (files.classes ?? 'ot-classes.svg') : null },
    warnings,
  };
  return { result, solution: sol, codes, labels: ds.y, generated: { codes: gen.codes.subarray(0, count * d), samples: samples.subarray(0, count * numel(sampleShape)), sampleShape: data.sampleShape }, imageRange };
}
