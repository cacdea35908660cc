/**
 * `geolens probe dim`: the Data Information Matrix D(x) = Jᵀ(diag p − ppᵀ)J of a classifier (METHODS.md §2) at data
 * points — per-point spectra, foliation walks along / across the data leaves, and distances between the spectra of
 * one model on several datasets.
 *
 * Jacobians come from geolens' batched input-Jacobian graph (`inputJacobian`), spectra from `dimSpectrum` (the C×C
 * reduction; no d×d eigensolve). Results: `dim.json` + `dim-spectrum.svg`; with --walk `dim-walks.json` (+
 * `dim-foliation.svg` for 2-D inputs, `dim-walks.png` for image inputs); with --compare `dim-distances.json` +
 * `dim-distances.svg`.
 */
import { join, resolve } from 'node:path';
import { buildInputJacobian, inputJacobianOutputs } from '../autodiff/jacobian.js';
import { loadDataset } from '../data/node.js';
import { selectSamples } from '../data/split.js';
import type { Dataset } from '../data/types.js';
import type { CompiledGraph, Engine } from '../engine/engine.js';
import { GeolensError } from '../errors.js';
import { writeFileAtomic } from '../models/node.js';
import type { ImportedModel } from '../onnx/import.js';
import { DataType } from '../onnx/proto.js';
import { DIM_DEFAULT_RTOL, DIM_METHOD, dimSpectrum, dimSpectrumFromGram } from '../probes/dim/compute.js';
import { datasetDistanceMatrix, dimSpectrumStats, sortedQuantile, SPECTRUM_DISTANCE_DEFINITION } from '../probes/dim/distance.js';
import { applyDatasetTransform, DATASET_TRANSFORM_SPECS, parseDatasetTransform, transformName, valueRange, type DatasetTransform } from '../probes/dim/transforms.js';
import type { DatasetDistanceMatrix, DimSpectrum, DimSpectrumStats, FoliationWalk, FoliationWalkMode, QuantileSummary, WalkEvaluation } from '../probes/dim/types.js';
import { foliationWalk } from '../probes/dim/walk.js';
import { imageGridPng } from '../report/png.js';
import { boxChart, minMax, pathChart, type BoxSummary } from '../report/svg.js';
import { numel, type FloatArray, type Tensor } from '../tensor.js';
import { Rng } from '../util/random.js';
import { numberFlag, UsageError, type FlagSpec } from './args.js';
import { formatTable, HELP_FLAG, optionalNumberFlag, OUT_FLAG, probeArgs, probeEngine, probeProgress, probeResultsDir, threadsFlag, THREADS_FLAG } from './probe-common.js';
import type { ProgressSink } from './progress.js';
import { writeResult } from './results.js';
import { dataFlags, openTarget, probeData } from './target.js';

export const DIM_RESULT_SCHEMA_VERSION = 1;

/** `resample`: another seeded subset of the base data (disjoint from the measured points when it is large enough). */
const RESAMPLE = 'resample';
const COMPARE_BUILTINS = [...DATASET_TRANSFORM_SPECS, RESAMPLE];

const FLAGS: FlagSpec = {
  dataset: { type: 'string', help: "data to measure on (default: the run's own held-out data; required for an .onnx file), e.g. moons or idx:../shared/data/mnist" },
  split: { type: 'string', choices: ['train', 'test', 'all'], help: "for a run's own dataset: which part [default: test]" },
  n: { type: 'string', default: '256', help: 'number of data points (a seeded random subset)' },
  seed: { type: 'string', default: '0', help: 'seed for the point subset, walk headings and noise transforms' },
  rtol: { type: 'string', default: String(DIM_DEFAULT_RTOL), help: 'relative rank tolerance in [0, 1): λ ≤ rtol·λ_max counts as zero' },
  walk: { type: 'string', choices: ['along', 'across', 'both'], help: 'foliation walks from data points: along the data leaves (image of D) and/or across them (kernel of D)' },
  'walk-steps': { type: 'string', default: '50', help: 'steps per walk' },
  'walk-step-size': { type: 'string', help: 'Euclidean length of a step [default: 0.02 × the rms distance of the points to their mean]' },
  'walk-points': { type: 'string', default: '3', help: 'data points to walk from (each in both directions ±h of a seeded heading h)' },
  'walk-grid': { type: 'string', default: '15', help: '2-D inputs: grid of G×G start points of the leaf-field plot dim-foliation.svg' },
  compare: {
    type: 'string',
    help: `datasets to compare with the base data, separated by commas (or by ';' when a spec holds commas): dataset specs, transforms of the base points (${DATASET_TRANSFORM_SPECS.join(', ')}) and '${RESAMPLE}' (other points of the base data: the sampling-noise floor of the distance)`,
  },
  'batch-size': { type: 'string', help: 'samples per Jacobian run [default: about 2^20 Jacobian entries per run]' },
  threads: THREADS_FLAG,
  out: OUT_FLAG,
  json: { type: 'boolean', default: false, help: 'print the results as JSON instead of tables' },
  quiet: { type: 'boolean', default: false, help: 'no progress output' },
  help: HELP_FLAG,
};

const SUMMARY = [
  'Data Information Matrix D(x) = Jᵀ(diag p − ppᵀ)J (J = ∂logits/∂x, p = softmax): per-point eigenvalues (rank ≤ C − 1),',
  'foliation walks along the data leaves (image of D) and across them (kernel of D), and distances between the',
  'spectra of the model on several datasets (mean over k of the 1-Wasserstein distance between the distributions of',
  'log10 λ_k).',
  '',
  'e.g.: geolens probe dim <run-dir | model.onnx> [--dataset spec] [--n 256] [--walk along|across|both]',
  '                        [--compare rotated:30,inverted,noise:0.3,uniform,resample,<dataset spec>] [--out dir] [--json]',
].join('\n');

const CMD = 'probe dim';

// ------------------------------------------------------------------------------------------------ result types

export interface DimPointRecord {
  /** Index of the point in the measured dataset. */
  index: number;
  label: number;
  predicted: number;
  /** Largest softmax probability. */
  confidence: number;
  /** Top min(C − 1, d) eigenvalues of D(x), descending. */
  eigenvalues: number[];
  rank: number;
  trace: number;
}

export type { QuantileSummary };

export interface DimResult {
  schemaVersion: 1;
  probe: 'dim';
  source: { path: string; kind: 'run' | 'onnx' };
  dataset: { name: string; spec: string | null; size: number; seed: number };
  model: { numClasses: number; inputShape: number[]; inputDim: number };
  n: number;
  method: string;
  rtol: number;
  accuracy: number;
  points: DimPointRecord[];
  stats: DimSpectrumStats;
  rankDistribution: { maxRank: number; counts: number[] };
  trace: QuantileSummary;
  warnings: string[];
}

export interface WalkRecord {
  /** Index of the start point among the measured points (-1 for leaf-field walks). */
  start: number;
  label: number | null;
  mode: FoliationWalkMode;
  /** +1 or −1: the walk's initial heading is sign·h. */
  sign: 1 | -1;
  stepsTaken: number;
  stoppedEarly: string | null;
  predicted: number[];
  confidence: number[];
  /** Probability of the class predicted at the start, along the walk. */
  startClassProbability: number[];
  ranks: number[];
  /** Euclidean distance from the start, along the walk. */
  distance: number[];
  /** The visited points (flattened; left out for image inputs with d > 64, whose walks go to dim-walks.png). */
  points?: number[][];
  /** max_t |p_c(t) − p_c(0)|, c the class predicted at the start. */
  maxProbabilityChange: number;
  classChanged: boolean;
}

export interface WalkSummary {
  walks: number;
  medianMaxProbabilityChange: number;
  maxMaxProbabilityChange: number;
  fractionClassChanged: number;
  medianLength: number;
}

export interface DimWalksResult {
  schemaVersion: 1;
  probe: 'dim-walks';
  source: { path: string; kind: 'run' | 'onnx' };
  dataset: string;
  method: string;
  stepSize: number;
  steps: number;
  rtol: number;
  walks: WalkRecord[];
  summary: Partial<Record<FoliationWalkMode, WalkSummary>>;
  /** 2-D inputs: the leaf field of dim-foliation.svg (streamlines through a grid of start points). */
  field?: { grid: number; stepSize: number; stepsPerSide: number; summary: Partial<Record<FoliationWalkMode, WalkSummary>>; lines: { mode: FoliationWalkMode; points: number[][] }[] };
  /** Image inputs: the PNG strip of the walks (rows: walks in order; columns: every `frameEvery` steps). */
  images?: { file: string; frameEvery: number; scale: number; valueRange: [number, number] };
}

export interface DimDistancesResult {
  schemaVersion: 1;
  probe: 'dim-distances';
  source: { path: string; kind: 'run' | 'onnx' };
  n: number;
  definition: string;
  datasets: { name: string; spec: string; kind: 'base' | 'transform' | 'dataset'; n: number; accuracy: number; meanConfidence: number; stats: DimSpectrumStats; rankDistribution: number[] }[];
  matrix: DatasetDistanceMatrix;
}

// ------------------------------------------------------------------------------------------------ helpers

/** A seeded random subset of n samples (all when the dataset is smaller), in dataset order. */
export function pickPoints(ds: Dataset, n: number, seed: number): { points: Dataset; indices: number[] } {
  const size = ds.y.length;
  if (n >= size) return { points: ds, indices: Array.from({ length: size }, (_, i) => i) };
  const idx = Array.from(new Rng(seed).permutation(size).subarray(0, n)).sort((a, b) => a - b);
  return { points: selectSamples(ds, idx), indices: idx };
}

/** The samples as the model's input: [n, ...model sample shape] in the model's float type. */
function modelInput(model: ImportedModel, ds: Dataset): Tensor {
  const sample = model.input.shape.slice(1) as number[];
  const n = ds.y.length;
  const data: FloatArray = model.input.elemType === DataType.DOUBLE ? Float64Array.from(ds.x.data) : ds.x.data;
  return { data, shape: [n, ...sample] };
}

function quantiles(values: number[]): QuantileSummary {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return { min: NaN, q1: NaN, median: NaN, q3: NaN, max: NaN, mean: NaN };
  let sum = 0;
  for (const v of s) sum += v;
  return { min: s[0]!, q1: sortedQuantile(s, 0.25), median: sortedQuantile(s, 0.5), q3: sortedQuantile(s, 0.75), max: s[s.length - 1]!, mean: sum / s.length };
}

const median = (v: number[]): number => (v.length ? sortedQuantile(Float64Array.from(v).sort(), 0.5) : NaN);

function argmax(p: ArrayLike<number>, off: number, C: number): number {
  let best = 0;
  for (let c = 1; c < C; c++) if (p[off + c]! > p[off + best]!) best = c;
  return best;
}

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : String(v));
const g3 = (v: number): string => (Number.isFinite(v) ? (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(2) : Number(v.toPrecision(4)).toString()) : String(v));

/** Boxes of stats indexed by k (undefined where no point has rank > k), for boxChart. */
function boxesByK(stats: DimSpectrumStats, K: number): (BoxSummary | undefined)[] {
  const out: (BoxSummary | undefined)[] = new Array(K).fill(undefined);
  for (const b of stats.boxes) if (b.k < K) out[b.k] = { min: b.min, q1: b.q1, median: b.median, q3: b.q3, max: b.max };
  return out;
}

// ------------------------------------------------------------------------------------------------ spectra

interface MeasuredSpectrum {
  spectrum: DimSpectrum;
  probs: FloatArray;
  predicted: number[];
  confidence: number[];
  accuracy: number;
}

/** Jacobians at the points (inputJacobian), then the DIM spectrum (dimSpectrum) and predictions. */
export async function measureSpectrum(
  engine: Engine,
  model: ImportedModel,
  points: Dataset,
  opts: { rtol?: number; batchSize?: number; progress?: ProgressSink; label?: string } = {},
): Promise<MeasuredSpectrum> {
  const C = model.numClasses;
  const label = opts.label ?? 'jacobians';
  const jac = await inputJacobianOutputs(
    engine,
    model.graph,
    {
      input: model.input.name,
      logits: model.logits,
      numClasses: C,
      ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
      onProgress: (d, t) => opts.progress?.update(label, d, t),
    },
    modelInput(model, points),
    ['probs', 'jacobian_gram'],
  );
  opts.progress?.done();
  const spectrum = dimSpectrumFromGram(jac.jacobian_gram, jac.probs, numel(points.sampleShape), opts.rtol !== undefined ? { rtol: opts.rtol } : {});
  const n = points.y.length;
  const predicted: number[] = [];
  const confidence: number[] = [];
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const c = argmax(jac.probs.data, i * C, C);
    predicted.push(c);
    confidence.push(jac.probs.data[i * C + c]!);
    if (c === points.y[i]) correct++;
  }
  return { spectrum, probs: jac.probs.data, predicted, confidence, accuracy: n ? correct / n : NaN };
}

function rankCounts(s: DimSpectrum): number[] {
  const counts = new Array<number>(Math.min(s.numClasses - 1, s.inputDim) + 1).fill(0);
  for (const p of s.points) counts[p.rank]! += 1;
  return counts;
}

// ------------------------------------------------------------------------------------------------ walks

/**
 * `evaluate(x)` for foliation walks that coalesces the requests of concurrently running walks into one batched run
 * of the Jacobian graph (requests queued until the event loop is idle, then run in chunks of `maxBatch`).
 */
export function batchedEvaluator(session: CompiledGraph, model: ImportedModel, maxBatch: number): { evaluate: (x: Float64Array) => Promise<WalkEvaluation>; runs: () => number } {
  const sample = model.input.shape.slice(1) as number[];
  const d = numel(sample);
  const C = model.numClasses;
  const f64 = model.input.elemType === DataType.DOUBLE;
  let queue: { x: Float64Array; resolve: (e: WalkEvaluation) => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;
  let runs = 0;
  const flush = async (): Promise<void> => {
    const items = queue;
    queue = [];
    const results: WalkEvaluation[] = [];
    try {
      for (let s = 0; s < items.length; s += maxBatch) {
        const chunk = items.slice(s, s + maxBatch);
        const b = chunk.length;
        const data = f64 ? new Float64Array(b * d) : new Float32Array(b * d);
        chunk.forEach((it, i) => data.set(it.x, i * d));
        const r = await session.run({ [model.input.name]: { data, shape: [b, ...sample] } }, ['probs', 'jacobian']);
        runs++;
        const P = r.probs!.data as FloatArray;
        const J = r.jacobian!.data as FloatArray;
        for (let i = 0; i < b; i++) results.push({ J: J.subarray(i * C * d, (i + 1) * C * d), p: P.subarray(i * C, (i + 1) * C) });
      }
    } catch (e) {
      for (const it of items) it.reject(e);
      return;
    } finally {
      scheduled = false;
      if (queue.length) schedule();
    }
    items.forEach((it, i) => it.resolve(results[i]!));
  };
  const schedule = (): void => {
    scheduled = true;
    setImmediate(() => void flush());
  };
  return {
    evaluate: (x) =>
      new Promise<WalkEvaluation>((resolve, reject) => {
        if (x.length !== d) return reject(new GeolensError('BAD_SHAPE', `walk point has ${x.length} values; the model takes ${d}`));
        queue.push({ x, resolve, reject });
        if (!scheduled) schedule();
      }),
    runs: () => runs,
  };
}

function walkRecord(w: FoliationWalk, start: number, label: number | null, sign: 1 | -1, keepPoints: boolean): WalkRecord {
  const C = w.probabilities[0]!.length;
  const c0 = argmax(w.probabilities[0]!, 0, C);
  const predicted = w.probabilities.map((p) => argmax(p, 0, C));
  const confidence = w.probabilities.map((p, i) => p[predicted[i]!]!);
  const startClassProbability = w.probabilities.map((p) => p[c0]!);
  const x0 = w.points[0]!;
  const distance = w.points.map((x) => Math.sqrt(x.reduce((s, v, j) => s + (v - x0[j]!) ** 2, 0)));
  let maxChange = 0;
  for (const p of startClassProbability) maxChange = Math.max(maxChange, Math.abs(p - startClassProbability[0]!));
  const rec: WalkRecord = {
    start,
    label,
    mode: w.mode,
    sign,
    stepsTaken: w.stepsTaken,
    stoppedEarly: w.stoppedEarly,
    predicted,
    confidence,
    startClassProbability,
    ranks: w.ranks,
    distance,
    maxProbabilityChange: maxChange,
    classChanged: predicted.some((c) => c !== c0),
  };
  if (keepPoints) rec.points = w.points;
  return rec;
}

function summarise(walks: WalkRecord[], modes: FoliationWalkMode[]): Partial<Record<FoliationWalkMode, WalkSummary>> {
  const out: Partial<Record<FoliationWalkMode, WalkSummary>> = {};
  for (const m of modes) {
    const ws = walks.filter((w) => w.mode === m);
    if (!ws.length) continue;
    const ch = ws.map((w) => w.maxProbabilityChange);
    out[m] = {
      walks: ws.length,
      medianMaxProbabilityChange: median(ch),
      maxMaxProbabilityChange: Math.max(...ch),
      fractionClassChanged: ws.filter((w) => w.classChanged).length / ws.length,
      medianLength: median(ws.map((w) => w.distance[w.distance.length - 1]!)),
    };
  }
  return out;
}

/** Default step: 0.02 × the rms distance of the points to their mean. */
function defaultStepSize(ds: Dataset): number {
  const n = ds.y.length;
  const d = ds.x.data.length / Math.max(1, n);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += ds.x.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) ss += (ds.x.data[i * d + j]! - mean[j]!) ** 2;
  const rms = Math.sqrt(ss / Math.max(1, n));
  return rms > 0 ? 0.02 * rms : 0.01;
}

// ------------------------------------------------------------------------------------------------ compare specs

/** Split a --compare value: ';' separates when present, else ',' (re-joining `key=value` pieces of a spec fragment). */
export function splitCompareList(value: string): string[] {
  if (value.includes(';')) return value.split(';').map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const piece = raw.trim();
    if (!piece) continue;
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.includes('#') && /^[A-Za-z]\w*=/.test(piece)) out[out.length - 1] = `${prev},${piece}`;
    else out.push(piece);
  }
  return out;
}

type CompareItem = { spec: string; transform: DatasetTransform } | { spec: string; transform: null };

function parseCompare(value: string): CompareItem[] {
  const items: CompareItem[] = [];
  for (const spec of splitCompareList(value)) {
    let t: DatasetTransform | null;
    try {
      t = parseDatasetTransform(spec);
    } catch (e) {
      throw new UsageError(`geolens ${CMD}: --compare: ${(e as Error).message}; built-in items: ${COMPARE_BUILTINS.join(', ')}.`);
    }
    items.push(t ? { spec: transformName(t), transform: t } : { spec, transform: null });
  }
  if (!items.length) throw new UsageError(`geolens ${CMD}: --compare needs at least one dataset spec or built-in item (${COMPARE_BUILTINS.join(', ')}).`);
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.spec)) throw new UsageError(`geolens ${CMD}: --compare lists '${it.spec}' twice.`);
    seen.add(it.spec);
  }
  return items;
}

// ------------------------------------------------------------------------------------------------ the command

export async function dimCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const args = probeArgs(CMD, argv, FLAGS, SUMMARY, out);
  if (!args) return 0;
  const { values, path } = args;
  const n = numberFlag(CMD, 'n', values.n, { integer: true, min: 1 });
  const seed = numberFlag(CMD, 'seed', values.seed, { integer: true, min: 0 });
  const rtol = numberFlag(CMD, 'rtol', values.rtol, { min: 0, max: 1 });
  if (rtol === 1) throw new UsageError(`geolens ${CMD}: --rtol '${String(values.rtol)}' must be a number ≥ 0 and < 1.`);
  const threads = threadsFlag(CMD, values);
  const batchSize = optionalNumberFlag(CMD, 'batch-size', values['batch-size'], { integer: true, min: 1 });
  const walkMode = values.walk as 'along' | 'across' | 'both' | undefined;
  const walkSteps = numberFlag(CMD, 'walk-steps', values['walk-steps'], { integer: true, min: 1 });
  const walkStepSize = optionalNumberFlag(CMD, 'walk-step-size', values['walk-step-size']);
  if (walkStepSize !== undefined && !(walkStepSize > 0)) throw new UsageError(`geolens ${CMD}: --walk-step-size '${String(values['walk-step-size'])}' must be a number > 0.`);
  const walkPoints = numberFlag(CMD, 'walk-points', values['walk-points'], { integer: true, min: 1 });
  const walkGrid = numberFlag(CMD, 'walk-grid', values['walk-grid'], { integer: true, min: 2, max: 100 });
  const compare = typeof values.compare === 'string' ? parseCompare(values.compare) : undefined;
  const json = values.json === true;
  const progress = probeProgress(values);
  const data = dataFlags(CMD, values, 'test');

  const target = await openTarget(path);
  const model = target.model;
  const C = model.numClasses;
  if (C < 2) throw new GeolensError('BAD_MODEL', `${path}: the model has ${C} output(s); the DIM needs a classifier with at least 2 classes.`);
  const dataset = await probeData(target, { ...data, seed });
  const { points, indices } = pickPoints(dataset, n, seed);
  const sampleShape = model.input.shape.slice(1) as number[];
  const d = numel(sampleShape);
  const engine = probeEngine(threads);
  const dir = probeResultsDir(target, values);
  const written: string[] = [];
  const source = { path: resolve(target.path), kind: target.kind };
  const method = `${DIM_METHOD}; J = ∂logits/∂x from geolens' batched reverse-mode input-Jacobian graph on onnxruntime (float32 unless the model is float64), p = softmax(logits)`;
  const lines: string[] = [];
  const say = (l = ''): void => void lines.push(l);

  try {
    // compared datasets are loaded (and checked) first, so that a bad spec fails before any work
    if (compare?.some((it) => it.spec === RESAMPLE) && points.y.length >= dataset.y.length) {
      throw new UsageError(`geolens ${CMD}: --compare ${RESAMPLE}: --n ${n} measures all ${dataset.y.length} points of ${dataset.name}, so there are no other points to resample (the distance would be 0); lower --n (e.g. --n ${Math.max(1, Math.floor(dataset.y.length / 2))}).`);
    }
    const compareData = new Map<string, Dataset>();
    for (const it of compare ?? []) {
      if (it.transform || it.spec === RESAMPLE) continue;
      const loaded = await loadDataset(it.spec, { seed });
      if (numel(loaded.sampleShape) !== d) {
        throw new GeolensError('BAD_SHAPE', `--compare ${it.spec}: samples of shape [${loaded.sampleShape.join(', ')}] do not fit the model's input [${sampleShape.join(', ')}] (${d} values per sample); compare datasets of the model's input size, or transforms of the base data (${COMPARE_BUILTINS.join(', ')}).`);
      }
      compareData.set(it.spec, pickPoints(loaded, n, seed).points);
    }

    // ---------------------------------------------------------------- spectrum
    const base = await measureSpectrum(engine, model, points, { rtol, ...(batchSize !== undefined ? { batchSize } : {}), progress });
    const sp = base.spectrum;
    const stats = dimSpectrumStats(sp);
    const counts = rankCounts(sp);
    const result: DimResult = {
      schemaVersion: DIM_RESULT_SCHEMA_VERSION,
      probe: 'dim',
      source,
      dataset: { name: dataset.name, spec: typeof values.dataset === 'string' ? values.dataset : (target.run?.config.dataset.spec ?? null), size: dataset.y.length, seed },
      model: { numClasses: C, inputShape: sampleShape, inputDim: d },
      n: points.y.length,
      method,
      rtol,
      accuracy: base.accuracy,
      points: sp.points.map((p, i) => ({ index: indices[i]!, label: points.y[i]!, predicted: base.predicted[i]!, confidence: base.confidence[i]!, eigenvalues: p.eigenvalues, rank: p.rank, trace: p.trace })),
      stats,
      rankDistribution: { maxRank: Math.min(C - 1, d), counts },
      trace: quantiles(sp.points.map((p) => p.trace)),
      warnings: sp.warnings,
    };
    const K = Math.min(C - 1, d);
    const spectrumSvg = boxChart(
      { title: `DIM spectrum: log10 λ_k of D(x) at ${result.n} points of ${dataset.name}`, xLabel: 'k (1 = largest eigenvalue)', yLabel: 'log10 λ_k', width: Math.max(560, 60 * K + 120) },
      [{ name: dataset.name, boxes: boxesByK(stats, K) }],
    );
    written.push(...(await writeResult(dir, 'dim', result, { spectrum: spectrumSvg })));

    say(`DIM spectrum of ${target.path} on ${dataset.name}: n = ${result.n} of ${dataset.y.length} points (seed ${seed}), C = ${C}, d = ${d}; accuracy on these points ${(100 * base.accuracy).toFixed(1)}%`);
    say(`log10 λ_k of D(x) = Jᵀ(diag p − ppᵀ)J (k = 1 largest; count = points with rank ≥ k):`);
    const rows = [['k', 'count', 'min', 'q1', 'median', 'q3', 'max', 'mean']];
    for (const b of stats.boxes) rows.push([String(b.k + 1), String(b.count), f3(b.min), f3(b.q1), f3(b.median), f3(b.q3), f3(b.max), f3(b.mean)]);
    for (const l of formatTable(rows)) say(l);
    const rankText = counts
      .map((c, r) => [r, c] as const)
      .filter(([, c]) => c > 0)
      .reverse()
      .map(([r, c]) => `rank ${r}: ${c} (${((100 * c) / result.n).toFixed(1)}%)`)
      .join(', ');
    say(`rank of D(x) (≤ C − 1 = ${C - 1}, rtol ${rtol}): ${rankText}`);
    const tr = result.trace;
    say(`trace D(x): min ${g3(tr.min)}  q1 ${g3(tr.q1)}  median ${g3(tr.median)}  q3 ${g3(tr.q3)}  max ${g3(tr.max)}  mean ${g3(tr.mean)}`);
    for (const w of sp.warnings) say(`warning: ${w}`);

    // ---------------------------------------------------------------- walks
    let walksResult: DimWalksResult | undefined;
    if (walkMode) {
      const modes: FoliationWalkMode[] = walkMode === 'both' ? ['along', 'across'] : [walkMode];
      const stepSize = walkStepSize ?? defaultStepSize(points);
      const session = await engine.load(buildInputJacobian(model.graph, { input: model.input.name, logits: model.logits, numClasses: C }));
      const ev = batchedEvaluator(session, model, Math.max(1, Math.min(1024, Math.floor(2 ** 22 / (C * d)))));
      // images (by the data's sample shape: the model may take them flattened) go to a PNG strip instead of JSON
      const imageShape = dataset.sampleShape;
      const isImage = (imageShape.length === 3 && (imageShape[0] === 1 || imageShape[0] === 3)) || imageShape.length === 2;
      const keepPoints = d <= 64 || !isImage;
      const starts = Math.min(walkPoints, points.y.length);
      const frameEvery = Math.max(1, Math.ceil(walkSteps / 10));
      const jobs: Promise<{ rec: WalkRecord; frames: Float64Array[] }>[] = [];
      let doneWalks = 0;
      const totalWalks = starts * modes.length * 2;
      for (let i = 0; i < starts; i++) {
        const x0 = Float64Array.from(points.x.data.subarray(i * d, (i + 1) * d));
        const h = new Rng(seed * 7919 + i + 1).fillNormal(new Float64Array(d));
        for (const mode of modes) {
          for (const sign of [1, -1] as const) {
            const direction = h.map((v) => sign * v);
            jobs.push(
              foliationWalk(x0, ev.evaluate, { mode, stepSize, steps: walkSteps, direction, rtol }).then((w) => {
                progress.update('walks', ++doneWalks, totalWalks);
                const frames = isImage ? w.points.filter((_, t) => t % frameEvery === 0 || t === w.points.length - 1).map((p) => Float64Array.from(p)) : [];
                return { rec: walkRecord(w, i, points.y[i]!, sign, keepPoints), frames };
              }),
            );
          }
        }
      }
      const done = await Promise.all(jobs);
      const walks = done.map((j) => j.rec);
      progress.done();
      walksResult = {
        schemaVersion: DIM_RESULT_SCHEMA_VERSION,
        probe: 'dim-walks',
        source,
        dataset: dataset.name,
        method:
          "Euler foliation walks (foliationWalk): each step of length stepSize is the current heading projected onto the image of D(x) ('along', the data-leaf directions) or onto its kernel ('across', p locally constant), renormalised; D(x) from the Jacobian graph at the current point. From each start point two walks per mode, with initial headings +h and −h (h a seeded Gaussian vector).",
        stepSize,
        steps: walkSteps,
        rtol,
        walks,
        summary: summarise(walks, modes),
      };

      // 2-D inputs: the leaf field
      let fieldSvg: string | undefined;
      if (d === 2) {
        const G = walkGrid;
        const xs = Array.from({ length: points.y.length }, (_, i) => points.x.data[2 * i]!);
        const ys = Array.from({ length: points.y.length }, (_, i) => points.x.data[2 * i + 1]!);
        const pad = (lo: number, hi: number): [number, number] => {
          const m = 0.1 * (hi - lo || 1);
          return [lo - m, hi + m];
        };
        const [x0, x1] = pad(...minMax(xs));
        const [y0, y1] = pad(...minMax(ys));
        const cell = Math.sqrt(((x1 - x0) * (y1 - y0)) / (G * G));
        const perSide = 10;
        const fStep = (0.8 * cell) / perSide;
        const fieldJobs: Promise<{ mode: FoliationWalkMode; line: number[][]; recs: WalkRecord[] }>[] = [];
        const fieldModes: FoliationWalkMode[] = ['along', 'across'];
        let k = 0;
        for (let gy = 0; gy < G; gy++) {
          for (let gx = 0; gx < G; gx++) {
            const start = [x0 + ((gx + 0.5) * (x1 - x0)) / G, y0 + ((gy + 0.5) * (y1 - y0)) / G];
            const h = new Rng(seed * 104729 + k++).fillNormal(new Float64Array(2));
            for (const mode of fieldModes) {
              const one = (sign: 1 | -1): Promise<FoliationWalk> => foliationWalk(start, ev.evaluate, { mode, stepSize: fStep, steps: perSide, direction: h.map((v) => sign * v), rtol });
              fieldJobs.push(
                Promise.all([one(1), one(-1)]).then(([a, b]) => ({
                  mode,
                  line: [...b.points.slice(1).reverse(), ...a.points].map((p) => p.map((v) => Number(v.toPrecision(6)))),
                  recs: [walkRecord(a, -1, null, 1, false), walkRecord(b, -1, null, -1, false)],
                })),
              );
            }
          }
        }
        const field = await Promise.all(fieldJobs);
        walksResult.field = {
          grid: G,
          stepSize: fStep,
          stepsPerSide: perSide,
          summary: summarise(field.flatMap((f) => f.recs), fieldModes),
          lines: field.map((f) => ({ mode: f.mode, points: f.line })),
        };
        // equal scales on both axes (so that the two families of leaves meet at right angles on screen); the data
        // points in the palette's third and later colours, away from the black/red of the leaves
        const plotW = 560;
        const plotH = Math.round(Math.min(900, Math.max(200, (plotW * (y1 - y0)) / (x1 - x0))));
        fieldSvg = pathChart(
          { title: `DIM leaves on ${dataset.name}: black = along (image of D), red = across (kernel of D)`, xLabel: 'x₁', yLabel: 'x₂', width: plotW + 80, height: plotH + 84 },
          field.map((f) => ({ group: f.mode === 'along' ? 0 : 1, points: f.line.map((p) => [p[0]!, p[1]!] as [number, number]) })),
          xs.map((x, i) => ({ x, y: ys[i]!, label: points.y[i]! + 2 })),
        );
      }

      // image inputs: a PNG strip of the walks
      let png: Uint8Array | undefined;
      if (isImage) {
        const range = valueRange(points);
        const scale = 2;
        png = imageGridPng(done.map((j) => j.frames), imageShape, range, scale);
        walksResult.images = { file: 'dim-walks.png', frameEvery, scale, valueRange: range };
      }
      written.push(...(await writeResult(dir, 'dim-walks', walksResult)));
      if (png) {
        const p = join(dir, 'dim-walks.png');
        await writeFileAtomic(p, png);
        written.push(p);
      }
      if (fieldSvg) {
        const p = join(dir, 'dim-foliation.svg');
        await writeFileAtomic(p, fieldSvg);
        written.push(p);
      }

      say('');
      say(`foliation walks (${walkSteps} steps of ${g3(stepSize)}, from ${starts} data point(s), headings ±h): change of the probability of the start's predicted class`);
      const wrows = [['mode', 'walks', 'median max|Δp|', 'max max|Δp|', 'class changed', 'median length']];
      for (const m of modes) {
        const s = walksResult.summary[m]!;
        wrows.push([m, String(s.walks), f3(s.medianMaxProbabilityChange), f3(s.maxMaxProbabilityChange), `${(100 * s.fractionClassChanged).toFixed(0)}%`, g3(s.medianLength)]);
      }
      if (walksResult.field) {
        for (const m of ['along', 'across'] as const) {
          const s = walksResult.field.summary[m]!;
          wrows.push([`${m} (field)`, String(s.walks), f3(s.medianMaxProbabilityChange), f3(s.maxMaxProbabilityChange), `${(100 * s.fractionClassChanged).toFixed(0)}%`, g3(s.medianLength)]);
        }
      }
      for (const l of formatTable(wrows)) say(l);
      const a = walksResult.summary.along;
      const c = walksResult.summary.across;
      if (a && c) say(`along changes p by ${f3(a.medianMaxProbabilityChange)} (median), across by ${f3(c.medianMaxProbabilityChange)}: across walks stay on a level set of p, along walks cross the class structure`);
      for (const w of walks) if (w.stoppedEarly) say(`note: a ${w.mode} walk from point ${w.start} stopped early: ${w.stoppedEarly}`);
    }

    // ---------------------------------------------------------------- compare
    let distances: DimDistancesResult | undefined;
    if (compare) {
      const named: { name: string; spec: string; kind: 'base' | 'transform' | 'dataset'; ds: Dataset; m: MeasuredSpectrum }[] = [
        { name: dataset.name, spec: typeof values.dataset === 'string' ? values.dataset : 'base', kind: 'base', ds: points, m: base },
      ];
      for (const [i, it] of compare.entries()) {
        let ds: Dataset;
        if (it.transform) ds = applyDatasetTransform(points, it.transform, seed + 1000 + i);
        else if (it.spec === RESAMPLE) {
          const taken = new Set(indices);
          const rest = Array.from({ length: dataset.y.length }, (_, j) => j).filter((j) => !taken.has(j));
          const pool = rest.length >= points.y.length ? selectSamples(dataset, rest) : dataset;
          ds = pickPoints(pool, n, seed + 1).points;
        } else ds = compareData.get(it.spec)!;
        const name = named.some((x) => x.name === it.spec) ? `${it.spec} (${i + 1})` : it.spec;
        const m = await measureSpectrum(engine, model, ds, { rtol, ...(batchSize !== undefined ? { batchSize } : {}), progress, label: it.spec });
        named.push({ name, spec: it.spec, kind: it.transform || it.spec === RESAMPLE ? 'transform' : 'dataset', ds, m });
      }
      const matrix = datasetDistanceMatrix(named.map((x) => ({ name: x.name, spectrum: x.m.spectrum })));
      distances = {
        schemaVersion: DIM_RESULT_SCHEMA_VERSION,
        probe: 'dim-distances',
        source,
        n,
        definition: SPECTRUM_DISTANCE_DEFINITION,
        datasets: named.map((x) => ({
          name: x.name,
          spec: x.spec,
          kind: x.kind,
          n: x.ds.y.length,
          accuracy: x.m.accuracy,
          meanConfidence: x.m.confidence.reduce((s, v) => s + v, 0) / Math.max(1, x.m.confidence.length),
          stats: dimSpectrumStats(x.m.spectrum),
          rankDistribution: rankCounts(x.m.spectrum),
        })),
        matrix,
      };
      const svg = boxChart(
        { title: `DIM spectra of one model on ${named.length} datasets: log10 λ_k`, xLabel: 'k (1 = largest eigenvalue)', yLabel: 'log10 λ_k', width: Math.min(1400, Math.max(640, 14 * K * named.length + 240)), height: 420 },
        distances.datasets.map((x) => ({ name: x.name, boxes: boxesByK(x.stats, K) })),
      );
      written.push(...(await writeResult(dir, 'dim-distances', distances, { '': svg })));

      say('');
      say('datasets compared (the model evaluated on each):');
      const drows = [['dataset', 'n', 'accuracy', 'mean conf.', 'median log10 λ_1', ...(K > 1 ? [`median log10 λ_${K}`] : []), `rank ${K}`]];
      for (const x of distances.datasets) {
        const b1 = x.stats.boxes.find((b) => b.k === 0);
        const bK = x.stats.boxes.find((b) => b.k === K - 1);
        const full = `${((100 * x.rankDistribution[K]!) / Math.max(1, x.n)).toFixed(0)}%`;
        drows.push([x.name, String(x.n), `${(100 * x.accuracy).toFixed(1)}%`, f3(x.meanConfidence), b1 ? f3(b1.median) : '–', ...(K > 1 ? [bK ? f3(bK.median) : '–'] : []), full]);
      }
      for (const l of formatTable(drows)) say(l);
      say('');
      say('distance between spectra = mean over k of the 1-Wasserstein distance between the distributions of log10 λ_k (decades;');
      say('for each k over the points whose rank exceeds k; see definition in dim-distances.json):');
      const names = matrix.names;
      const short = names.map((_, i) => `[${i + 1}]`);
      const mrows = [['', ...short]];
      names.forEach((nm, i) => mrows.push([`[${i + 1}] ${nm}`, ...matrix.matrix[i]!.map((v) => (v === null ? '–' : v.toFixed(3)))]));
      for (const l of formatTable(mrows)) say(l);
    }

    if (json) {
      out(JSON.stringify({ dim: result, ...(walksResult ? { walks: walksResult } : {}), ...(distances ? { distances } : {}), files: written }, null, 2));
    } else {
      for (const l of lines) out(l);
      out('');
      out(`wrote ${written.join(', ')}`);
    }
    return 0;
  } finally {
    await engine.dispose();
  }
}
