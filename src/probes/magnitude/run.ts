/**
 * Running the magnitude probe (METHODS.md §3; Andreeva, Limbeck, Rieck & Sarkar 2023) on a point cloud: a training
 * trajectory (weights over the last recorded steps, Euclidean or loss pseudometric), a layer's representation of a
 * dataset, or any points. Distances on onnxruntime, the convergence scale and the magnitude function by Cholesky or
 * conjugate gradient, the magnitude-dimension profile and the magnitude dimension. One library call: `runMagnitude`.
 */
import type { Dataset } from '../../data/types.js';
import type { Engine } from '../../engine/engine.js';
import { GeolensError } from '../../errors.js';
import { layerFeatures, modelInput } from '../../measure/features.js';
import type { ProbeProgress } from '../../measure/progress.js';
import { stageProgress } from '../../measure/progress.js';
import { chooseLayers } from '../../measure/target.js';
import type { ModelDef, Weights } from '../../models/index.js';
import type { ImportedModel, Layer } from '../../onnx/import.js';
import { gatherRows, numel, type FloatArray, type Tensor } from '../../tensor.js';
import { buildEvalGraph, oneHot } from '../../train/trainer.js';
import { VERSION } from '../../version.js';
import { pickPoints } from '../dim/run.js';
import { distinctRows, magnitudeDimension, magnitudeDimensionProfile } from './compute.js';
import { ENGINE_MIN_N, euclideanDistances, meanAbsoluteDistances } from './dense.js';
import { MAGNITUDE_SCHEMA_VERSION } from './schema.js';
import { MagnitudeSolverState, PRECONDITIONER_BLOCK, REGULARIZER_STATEMENT, type MagnitudeSolverOptions } from './solve.js';
import type { MagnitudeCloud, MagnitudeDistance, MagnitudeGrid, MagnitudeResult } from './types.js';

/** Recorded weights of a run: the step of each snapshot and every parameter stacked as [T, ...shape]. */
export interface Trajectory {
  steps: number[];
  params: Record<string, Tensor<Float32Array>>;
}

/** The point cloud of a magnitude measurement. */
export type MagnitudeSource =
  /** (iii) Any points, one per row of an [n, d] tensor (e.g. read from NPY/CSV). */
  | { kind: 'points'; points: Tensor; name: string; path?: string; sourceKind?: 'file' | 'points' }
  /**
   * (i) A training trajectory: the weights of `def` over the last `last` recorded steps (default all). Euclidean
   * distance between the flattened weight vectors, or the loss pseudometric ρ_S on `data` (cross-entropy of every
   * sample under each weight vector; BatchNorm running statistics from `buffers`, which trajectories do not record).
   */
  | { kind: 'trajectory'; def: ModelDef; trajectory: Trajectory; last?: number; distance?: MagnitudeDistance; data?: Dataset; buffers?: Weights; path?: string }
  /** (ii) A layer's representation of `data`: `layer` as the separation probe selects layers (one layer), or 'input'. */
  | { kind: 'representation'; model: ImportedModel; data: Dataset; layer?: string; path?: string; sourceKind?: 'run' | 'onnx' };

export interface MagnitudeRunOptions extends MagnitudeSolverOptions {
  /** Scales in the grid, t = 0 included (magnipy's n_ts; default 30). */
  scales?: number;
  /** Grid spacing (default 'linear', magnipy's default). */
  grid?: MagnitudeGrid;
  /** Log grid: its smallest positive scale as a fraction of t_conv (default 1/scales, magnipy's). */
  gridFrom?: number;
  /** The convergence scale is where |tX| = share·n (default 0.95). */
  share?: number;
  /** Data samples for a representation or the loss pseudometric: a seeded subset of this size (default 1000). */
  n?: number;
  seed?: number;
  /** Written into the result: how the data were chosen. */
  datasetSpec?: string | null;
  split?: 'train' | 'test' | 'all' | null;
  /** Samples per onnxruntime run when evaluating a model (default 500). */
  batchSize?: number;
}

/** The magnitude result and the distance matrix it was measured on (for studies that reuse it). */
export interface MagnitudeRun {
  result: MagnitudeResult;
  /** Distances between the distinct points, row-major [distinct, distinct]. */
  distances: Float64Array;
}

const DEFAULT_SAMPLES = 1000;

/** The flattened weight vector of every snapshot: [T, P] float32, parameters in the model definition's order. */
export function trajectoryPoints(def: ModelDef, traj: Trajectory, last?: number): { points: Tensor<Float32Array>; steps: number[]; first: number } {
  const T = traj.steps.length;
  const k = Math.min(T, last ?? T);
  if (k < 1) throw new GeolensError('BAD_ARGUMENT', 'magnitude: the trajectory holds no recorded steps; train with --record-last N (or --record-every k).');
  const first = T - k;
  const sizes = def.params.map((p) => {
    const t = traj.params[p.name];
    if (!t) throw new GeolensError('BAD_FILE', `magnitude: the trajectory has no '${p.name}'; it was not recorded from this model (parameters: ${Object.keys(traj.params).join(', ')}).`);
    const size = numel(p.shape);
    if (t.data.length !== T * size) throw new GeolensError('BAD_FILE', `magnitude: trajectory tensor '${p.name}' has ${t.data.length} values, not ${T} steps × ${size}.`);
    return size;
  });
  const P = sizes.reduce((a, b) => a + b, 0);
  const data = new Float32Array(k * P);
  for (let i = 0; i < k; i++) {
    let off = i * P;
    def.params.forEach((p, j) => {
      const size = sizes[j]!;
      data.set(traj.params[p.name]!.data.subarray((first + i) * size, (first + i + 1) * size), off);
      off += size;
    });
  }
  return { points: { data, shape: [k, P] }, steps: traj.steps.slice(first), first };
}

/**
 * Per-sample cross-entropy losses ℓ(w_i, z_s) of every snapshot i on every sample s of `data`: [T, n] float64.
 * One session of geolens' eval graph with the weights as inputs (plus a per-sample loss head) serves every snapshot;
 * the samples run in batches of `batchSize`.
 */
export async function trajectoryLosses(engine: Engine, def: ModelDef, traj: Trajectory, first: number, count: number, data: Dataset, buffers: Weights, batchSize = 500, onProgress?: (done: number, total: number) => void): Promise<Float64Array> {
  if (def.config.kind === 'autoencoder') throw new GeolensError('BAD_MODEL', 'magnitude: the loss pseudometric needs a classifier (cross-entropy); an autoencoder run is measured with --distance euclidean.');
  const C = def.config.numClasses;
  if (data.numClasses > C) throw new GeolensError('BAD_SHAPE', `magnitude: ${data.name} has ${data.numClasses} classes but the model has ${C} outputs.`);
  if (numel(data.sampleShape) !== numel(def.config.inputShape)) {
    throw new GeolensError('BAD_SHAPE', `magnitude: ${data.name} has samples of shape [${data.sampleShape.join(', ')}] but the model takes [${def.config.inputShape.join(', ')}].`);
  }
  for (const b of def.buffers) if (!buffers[b.name]) throw new GeolensError('BAD_FILE', `magnitude: the loss pseudometric needs the model's buffer '${b.name}' (BatchNorm statistics); the run has no final weights or checkpoint holding it.`);
  const g = buildEvalGraph(def);
  const y = g.input('y_onehot', ['N', C]);
  const ls = g.op('LogSoftmax', ['logits'], { axis: -1 });
  g.namedOutput('loss', g.neg(g.reduceSum(g.mul(y, ls), [1])), ['N']);
  const session = await engine.load(g);
  const n = data.y.length;
  const feeds: Record<string, { data: FloatArray | Float32Array; shape: number[] }> = {
    x: { data: data.x.data, shape: [n, ...def.config.inputShape] },
    y_onehot: { data: oneHot(data.y, C), shape: [n, C] },
  };
  for (const b of def.buffers) feeds[b.name] = buffers[b.name]!;
  const out = new Float64Array(count * n);
  for (let i = 0; i < count; i++) {
    for (const p of def.params) {
      const size = numel(p.shape);
      feeds[p.name] = { data: traj.params[p.name]!.data.subarray((first + i) * size, (first + i + 1) * size), shape: p.shape };
    }
    const r = await session.runBatched(feeds, ['x', 'y_onehot'], batchSize, ['loss']);
    const l = r.loss!.data as Float32Array;
    for (let s = 0; s < n; s++) {
      if (!Number.isFinite(l[s]!)) throw new GeolensError('BAD_MODEL', `magnitude: the loss of sample ${s} under recorded step ${traj.steps[first + i]} is ${l[s]}; the weights of that step diverged.`);
      out[i * n + s] = l[s]!;
    }
    onProgress?.(i + 1, count);
  }
  return out;
}

/** The one layer of a representation: 'input', a layer spec selecting exactly one layer, or (default) the last hidden one. */
export function representationLayer(model: ImportedModel, spec?: string): Layer | 'input' {
  const s = spec?.trim() ?? '';
  if (s === 'input') return 'input';
  if (s === '') {
    const auto = chooseLayers(model, 'auto');
    const hidden = auto.filter((l) => l.tensor !== model.logits);
    return hidden[hidden.length - 1] ?? auto[auto.length - 1]!;
  }
  const ls = chooseLayers(model, s);
  if (ls.length !== 1) {
    throw new GeolensError('BAD_ARGUMENT', `magnitude: the layer spec '${s}' selects ${ls.length} layers (${ls.map((l) => l.name).join(', ')}); name one layer (a tensor or layer name, 'input', or an op with one layer).`);
  }
  return ls[0]!;
}

function checkFinite(x: ArrayLike<number>, n: number, d: number, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new GeolensError('BAD_ARGUMENT', `magnitude: ${what}: coordinate ${i % d} of point ${Math.floor(i / d)} is ${x[i]}; remove NaN/Infinity (the cloud has ${n} points of ${d} coordinates).`);
  }
}

/**
 * The magnitude probe on one point cloud: distances (onnxruntime GEMM for Euclidean, blocked ℓ1 for the loss
 * pseudometric), exact repeats merged, the convergence scale t_conv (|tX| = share·n), the magnitude function at
 * `scales` scales on [0, t_conv], the magnitude-dimension profile and the magnitude dimension.
 * Progress stages: 'losses' / 'features' (when a model is evaluated), 'distances', 'convergence scale', 'scales'.
 * Errors: BAD_ARGUMENT (fewer than 2 distinct points, NaN coordinates, bad options), BAD_SHAPE (data that do not fit
 * the model), BAD_FILE (a trajectory that does not match the model), ENGINE.
 */
export async function runMagnitude(engine: Engine, source: MagnitudeSource, options: MagnitudeRunOptions = {}, onProgress?: ProbeProgress): Promise<MagnitudeRun> {
  const scales = options.scales ?? 30;
  const grid = options.grid ?? 'linear';
  const share = options.share ?? 0.95;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(scales) || scales < 3) throw new GeolensError('BAD_ARGUMENT', `magnitude: scales must be an integer ≥ 3 (got ${scales}).`);
  if (!(share > 0 && share < 1)) throw new GeolensError('BAD_ARGUMENT', `magnitude: share must be in (0, 1) (got ${share}).`);
  const warnings: string[] = [];

  // ---------------------------------------------------------------- the points
  let x: FloatArray;
  let n: number;
  let d: number;
  let distance: MagnitudeDistance = 'euclidean';
  let cloud: Omit<MagnitudeCloud, 'n' | 'distinct' | 'dim' | 'distance'>;
  let resultSource: MagnitudeResult['source'];
  const datasetMeta = (ds: Dataset): NonNullable<MagnitudeCloud['dataset']> => ({ name: ds.name, spec: options.datasetSpec ?? null, n: ds.y.length, split: options.split ?? null, seed });
  if (source.kind === 'points') {
    const shape = source.points.shape;
    if (shape.length !== 2) throw new GeolensError('BAD_SHAPE', `magnitude: a point cloud is an [n, d] array; ${source.name} has shape [${shape.join(', ')}].`);
    [n, d] = shape as [number, number];
    x = source.points.data;
    checkFinite(x, n, d, source.name);
    cloud = { kind: source.sourceKind ?? 'points', description: `${n} points in R^${d} from ${source.name}` };
    resultSource = { path: source.path ?? source.name, kind: source.sourceKind ?? 'points' };
  } else if (source.kind === 'trajectory') {
    distance = source.distance ?? 'euclidean';
    const { points, steps, first } = trajectoryPoints(source.def, source.trajectory, source.last);
    resultSource = { path: source.path ?? 'trajectory', kind: 'run' };
    const span = steps.length ? `steps ${steps[0]}–${steps[steps.length - 1]}` : 'no steps';
    if (distance === 'euclidean') {
      x = points.data;
      [n, d] = points.shape as [number, number];
      checkFinite(x, n, d, 'trajectory');
      cloud = { kind: 'trajectory', description: `weights of the last ${n} recorded steps (${span}), ${d} parameters each, Euclidean distance`, steps };
    } else {
      if (!source.data) throw new GeolensError('BAD_ARGUMENT', 'magnitude: the loss pseudometric needs data: pass the data sample S (e.g. the run\'s training data).');
      const { points: sample } = pickPoints(source.data, options.n ?? DEFAULT_SAMPLES, seed);
      n = steps.length;
      d = sample.y.length;
      x = await trajectoryLosses(engine, source.def, source.trajectory, first, n, sample, source.buffers ?? {}, options.batchSize, stageProgress(onProgress, 'losses'));
      cloud = {
        kind: 'trajectory',
        description: `weights of the last ${n} recorded steps (${span}) under the loss pseudometric ρ_S(w, w′) = (1/|S|) Σ_s |ℓ(w, z_s) − ℓ(w′, z_s)|, ℓ the cross-entropy, |S| = ${d} samples of ${sample.name}`,
        steps,
        dataset: datasetMeta(sample),
      };
      if (source.def.buffers.length) warnings.push('the trajectory records parameters only: BatchNorm running statistics for the losses are those of the final weights');
    }
  } else {
    const { model } = source;
    const { points: sample } = pickPoints(source.data, options.n ?? DEFAULT_SAMPLES, seed);
    const want = numel(model.input.shape.slice(1) as number[]);
    if (numel(sample.sampleShape) !== want) throw new GeolensError('BAD_SHAPE', `magnitude: ${sample.name} has samples of shape [${sample.sampleShape.join(', ')}] but the model takes [${model.input.shape.slice(1).join(', ')}].`);
    const layer = representationLayer(model, source.layer);
    n = sample.y.length;
    if (layer === 'input') {
      x = sample.x.data;
      d = x.length / Math.max(1, n);
    } else {
      const f = await layerFeatures(engine, model, [layer], modelInput(model, sample), { batchSize: options.batchSize ?? 500, ...(onProgress ? { onProgress: stageProgress(onProgress, 'features')! } : {}) });
      x = f[0]!.features.data;
      d = f[0]!.features.shape[1]!;
    }
    checkFinite(x, n, d, layer === 'input' ? 'the input' : `layer ${layer.name}`);
    const l = layer === 'input' ? { name: 'input', tensor: model.input.name, op: 'Input' } : { name: layer.name, tensor: layer.tensor, op: layer.op };
    cloud = { kind: 'representation', description: `representation of ${n} samples of ${sample.name} at layer ${l.name} (${l.op}, ${d} features), Euclidean distance`, layer: l, dataset: datasetMeta(sample) };
    resultSource = { path: source.path ?? model.source, kind: source.sourceKind ?? 'onnx' };
  }
  if (n < 1) throw new GeolensError('BAD_ARGUMENT', 'magnitude: the point cloud is empty.');

  // ---------------------------------------------------------------- distinct points and distances
  const { keep } = distinctRows(x, n, d);
  if (keep.length < n) {
    warnings.push(`${n - keep.length} of ${n} points repeat an earlier point exactly (distance 0) and were merged: the magnitude is that of the ${keep.length} distinct points`);
    x = gatherRows({ data: x, shape: [n, d] }, keep).data;
  }
  const m = keep.length;
  if (m < 2) throw new GeolensError('BAD_ARGUMENT', `magnitude: all ${n} points coincide, so |tX| = 1 at every scale and there is no convergence scale; give a cloud with at least 2 distinct points.`);
  const t0 = performance.now();
  const D = distance === 'euclidean' ? await euclideanDistances(engine, x, m, d, stageProgress(onProgress, 'distances')) : await meanAbsoluteDistances(engine, x as Float64Array, m, d, stageProgress(onProgress, 'distances'));
  const distSeconds = (performance.now() - t0) / 1000;
  let zeroPairs = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) if (D[i * m + j] === 0) zeroPairs++;
  if (zeroPairs) warnings.push(`${zeroPairs} pairs of distinct points are at distance 0 (${distance === 'loss' ? 'equal losses on every sample' : 'below the precision of the distance computation'}); their Z is singular and the regulariser applies`);

  // ---------------------------------------------------------------- scales and solves
  const t1 = performance.now();
  const solver = new MagnitudeSolverState(engine, D, m, options);
  const conv = await solver.convergenceScale(share, onProgress);
  const fn = await solver.magnitudeFunction(conv.t, scales, grid, onProgress, options.gridFrom);
  const solveSeconds = (performance.now() - t1) / 1000;
  solver.dispose(); // D is returned to the caller (MagnitudeRun.distances), so it stays
  const magnitude = [1, ...fn.solves.map((s) => s.magnitude)];
  const profile = magnitudeDimensionProfile(fn.scales, magnitude);
  const regularized = fn.solves.filter((s) => s.regularization > 0);
  if (regularized.length) warnings.push(`Z was numerically singular at ${regularized.length} of ${fn.solves.length} scales (t = ${regularized.map((s) => s.t.toPrecision(3)).join(', ')}): solved Z + λI with λ up to ${Math.max(...regularized.map((s) => s.regularization)).toExponential(1)}`);
  const inaccurate = fn.solves.filter((s) => s.converged && s.regularization === 0 && s.residual > 1e-6 * Math.sqrt(m));
  if (inaccurate.length) warnings.push(`Z is ill-conditioned at ${inaccurate.length} scales (t = ${inaccurate.map((s) => s.t.toPrecision(3)).join(', ')}): ‖Zw − 1‖₂ up to ${Math.max(...inaccurate.map((s) => s.residual)).toExponential(1)}, so |tX| there is accurate only to about that`);
  const unconverged = fn.solves.filter((s) => !s.converged);
  if (unconverged.length) warnings.push(`conjugate gradient did not reach its tolerance at ${unconverged.length} scales (t = ${unconverged.map((s) => s.t.toPrecision(3)).join(', ')}); their residuals are reported — use --solver cholesky there`);
  const solverText =
    solver.solver === 'cholesky'
      ? 'weighting w from the Cholesky factorisation of Z (blocked, its GEMMs on onnxruntime, float64)'
      : `weighting w by conjugate gradient to ‖Zw − 1‖₂ ≤ ${options.tolerance ?? 1e-12}·√n (float64 residual), warm-started from the nearest solved scale, block-Jacobi preconditioned (blocks of ${options.preconditionerBlock ?? PRECONDITIONER_BLOCK} consecutive points)${(options.mixedPrecision ?? m >= ENGINE_MIN_N) ? ', with float32 products Z·v on onnxruntime refined by float64 residuals (mixed-precision iterative refinement)' : ' (Z·v in float64)'}`;
  const result: MagnitudeResult = {
    schemaVersion: MAGNITUDE_SCHEMA_VERSION,
    probe: 'magnitude',
    geolensVersion: VERSION,
    source: resultSource,
    cloud: { ...cloud, n, distinct: m, dim: d, distance },
    solver: solver.solver,
    grid,
    method: `magnitude |tX| = Σ_i w_i where Z w = 1, Z_ij = exp(−t·d_ij) (Leinster 2013); ${solverText}; ${REGULARIZER_STATEMENT}; scales as magnipy chooses them: t_conv where |tX| = ${share}·n (bracketed from t = 10 by ×10, then Brent's method to rtol 1e-5), ${scales} ${grid} scales on [0, t_conv] (t = 0 included${grid === 'log' ? `, the positive ones geometric from ${options.gridFrom ?? `1/${scales}`}·t_conv` : ''}) with |0X| = 1; magnitude-dimension profile = slope of log|tX| against log t at log-midpoints of consecutive positive scales; magnitude dimension = its maximum`,
    convergenceScale: conv,
    scales: fn.scales,
    magnitude,
    solves: fn.solves,
    dimensionProfile: profile,
    magnitudeDimension: magnitudeDimension(profile),
    maxResidual: Math.max(0, ...fn.solves.map((s) => s.residual)),
    seconds: { distances: distSeconds, solves: solveSeconds },
    warnings,
  };
  return { result, distances: D };
}
