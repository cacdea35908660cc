/**
 * Running the Data Information Matrix probe on a model (METHODS.md §2): D(x) = Jᵀ(diag p − ppᵀ)J at data points
 * from geolens' batched input-Jacobian graph on onnxruntime, spectra through the C×C reduction (`dimSpectrumFromGram`),
 * foliation walks along / across the data leaves, and distances between the spectra of one model on several datasets.
 * One library call, `runDim`, does all three; the CLI, `analyze` and the playground call it.
 */
import { buildInputJacobian } from '../../autodiff/jacobian.js';
import { applyDatasetTransform, valueRange, type DatasetTransform } from '../../data/shifts.js';
import { selectSamples } from '../../data/split.js';
import type { Dataset } from '../../data/types.js';
import type { Engine } from '../../engine/engine.js';
import { GeolensError } from '../../errors.js';
import { modelInput } from '../../measure/features.js';
import { inputJacobianOutputs } from '../../measure/jacobians.js';
import type { ProbeProgress } from '../../measure/progress.js';
import { dataNotes, fitDataToModel } from '../../measure/data-fit.js';
import { nonFiniteRows, throwModelNonFinite } from '../../measure/nonfinite.js';
import { modelWarnings, requireSupport } from '../../measure/support.js';
import type { ImportedModel } from '../../onnx/import.js';
import { numel, type FloatArray } from '../../tensor.js';
import { Rng } from '../../util/random.js';
import { DIM_DEFAULT_RTOL, DIM_METHOD, dimSpectrumFromGram } from './compute.js';
import { datasetDistanceMatrix, dimSpectrumStats, sortedQuantile, SPECTRUM_DISTANCE_DEFINITION } from './distance.js';
import { batchedEvaluator } from './evaluator.js';
import { DIM_SCHEMA_VERSION } from './schema.js';
import type { DimDistancesResult, DimResult, DimSpectrum, DimWalksResult, FoliationWalk, FoliationWalkMode, QuantileSummary, WalkRecord, WalkSummary } from './types.js';
import { foliationWalk } from './walk.js';

/** A seeded random subset of n samples (all when the dataset is smaller), in dataset order. */
export function pickPoints(ds: Dataset, n: number, seed: number): { points: Dataset; indices: number[] } {
  const size = ds.y.length;
  if (n >= size) return { points: ds, indices: Array.from({ length: size }, (_, i) => i) };
  const idx = Array.from(new Rng(seed).permutation(size).subarray(0, n)).sort((a, b) => a - b);
  return { points: selectSamples(ds, idx), indices: idx };
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


/** The DIM spectrum at some points, with the model's predictions there. */
export interface MeasuredSpectrum {
  spectrum: DimSpectrum;
  probs: FloatArray;
  predicted: number[];
  confidence: number[];
  accuracy: number;
}

/** Jacobians at the points (inputJacobianOutputs), then the DIM spectrum (dimSpectrum) and predictions. */
export async function measureSpectrum(
  engine: Engine,
  model: ImportedModel,
  points: Dataset,
  opts: { rtol?: number; batchSize?: number; onProgress?: ProbeProgress | undefined; label?: string; index?: readonly number[] } = {},
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
      onProgress: (d, t) => opts.onProgress?.(label, d, t),
    },
    modelInput(model, points),
    ['probs', 'jacobian_gram'],
  );
  const rows = [...new Set([...nonFiniteRows(jac.probs.data, points.y.length), ...nonFiniteRows(jac.jacobian_gram.data, points.y.length)])].sort((a, b) => a - b);
  if (rows.length) await throwModelNonFinite(engine, model, modelInput(model, points), rows, 'the input-Jacobians', opts.index);
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


// ------------------------------------------------------------------------------------------------ the probe

/** `resample`: another seeded subset of the base data (disjoint from the measured points when it is large enough). */
export const RESAMPLE = 'resample';

/** A dataset to compare the base data with: a shift of the base points, other base points, or other data. */
export type DimCompareItem =
  | { spec: string; transform: DatasetTransform }
  | { spec: typeof RESAMPLE }
  | { spec: string; data: Dataset };

export interface DimRunOptions {
  /** Data points to measure: a seeded random subset of this size (all when the data are smaller). Default 256. */
  n?: number;
  /** Seed of the subset, walk headings and noise shifts. Default 0. */
  seed?: number;
  /** Relative rank tolerance in [0, 1). Default DIM_DEFAULT_RTOL. */
  rtol?: number;
  /** Samples per Jacobian run (default: about 2^20 Jacobian entries per run). */
  batchSize?: number;
  /** Written into the results: where the model came from (default: the model's source) and the data spec. */
  source?: { path: string; kind: 'run' | 'onnx' };
  datasetSpec?: string | null;
  /** Foliation walks from data points. */
  walk?: {
    mode: 'along' | 'across' | 'both';
    /** Steps per walk (default 50). */
    steps?: number;
    /** Euclidean step length (default 0.02 × the rms distance of the points to their mean). */
    stepSize?: number;
    /** Start points (default 3), each walked with headings ±h. */
    points?: number;
    /** 2-D inputs: G×G start points of the leaf field (default 15). */
    grid?: number;
  };
  /** Datasets to compare the base data with (spectrum distances). */
  compare?: DimCompareItem[];
}

/** Frames of the walks of an image model, for a picture (rows: walks in order; columns: every `frameEvery` steps). */
export interface DimWalkFrames {
  frames: Float64Array[][];
  imageShape: number[];
  valueRange: [number, number];
}

/** What `runDim` returns: the results (plain JSON) and what their pictures are drawn from. */
export interface DimRun {
  spectrum: DimResult;
  walks?: DimWalksResult;
  distances?: DimDistancesResult;
  /** The measured points (a subset of the data). */
  points: Dataset;
  /** Image inputs with walks: the frames of dim-walks.png. */
  walkFrames?: DimWalkFrames;
}

/**
 * The DIM probe on `data` (labelled samples that fit the model's input): spectra of D(x) at `n` seeded points,
 * optionally foliation walks and spectrum distances to other datasets. Progress stages: 'jacobians', 'walks', and
 * each compared dataset's spec. Errors: BAD_MODEL (fewer than 2 classes), BAD_SHAPE (data or compared data that do
 * not fit the model), BAD_ARGUMENT (resample with every point measured, a bad option), ENGINE.
 */
export async function runDim(engine: Engine, model: ImportedModel, dataIn: Dataset, options: DimRunOptions = {}, onProgress?: ProbeProgress): Promise<DimRun> {
  const C = model.numClasses;
  if (C < 2) throw new GeolensError('BAD_MODEL', `${model.source}: the model has ${C} output(s); the DIM needs a classifier with at least 2 classes.`);
  requireSupport(model, 'dim');
  const n = options.n ?? 256;
  const seed = options.seed ?? 0;
  const rtol = options.rtol ?? DIM_DEFAULT_RTOL;
  if (!(rtol >= 0 && rtol < 1)) throw new GeolensError('BAD_ARGUMENT', `dim: rtol must be ≥ 0 and < 1 (got ${rtol}).`);
  const sampleShape = model.input.shape.slice(1) as number[];
  const d = numel(sampleShape);
  const data = fitDataToModel(dataIn, sampleShape, { model: model.source });
  // compared datasets are checked against the model's input like the base data (shapes, not only counts)
  const compare = options.compare?.map((it) => ('data' in it ? { ...it, data: fitDataToModel(it.data, sampleShape, { data: `compare ${it.spec}`, model: model.source }) } : it));
  const { points, indices } = pickPoints(data, n, seed);
  if (options.compare?.some((it) => it.spec === RESAMPLE) && points.y.length >= data.y.length) {
    throw new GeolensError('BAD_ARGUMENT', `compare ${RESAMPLE}: n = ${n} measures all ${data.y.length} points of ${data.name}, so there are no other points to resample (the distance would be 0); lower n (e.g. ${Math.max(1, Math.floor(data.y.length / 2))}).`);
  }
  const source = options.source ?? { path: model.source, kind: 'onnx' as const };
  const bs = options.batchSize !== undefined ? { batchSize: options.batchSize } : {};
  const method = `${DIM_METHOD}; J = ∂logits/∂x from geolens' batched reverse-mode input-Jacobian graph on onnxruntime (float32 unless the model is float64), p = softmax(logits)`;

  // ---------------------------------------------------------------- spectrum
  const base = await measureSpectrum(engine, model, points, { rtol, ...bs, onProgress, index: indices });
  const sp = base.spectrum;
  const counts = rankCounts(sp);
  const spectrum: DimResult = {
    schemaVersion: DIM_SCHEMA_VERSION,
    probe: 'dim',
    source,
    dataset: { name: data.name, spec: options.datasetSpec ?? null, size: data.y.length, seed },
    model: { numClasses: C, inputShape: sampleShape, inputDim: d },
    n: points.y.length,
    method,
    rtol,
    accuracy: base.accuracy,
    points: sp.points.map((p, i) => ({ index: indices[i]!, label: points.y[i]!, predicted: base.predicted[i]!, confidence: base.confidence[i]!, eigenvalues: p.eigenvalues, rank: p.rank, trace: p.trace })),
    stats: dimSpectrumStats(sp),
    rankDistribution: { maxRank: Math.min(C - 1, d), counts },
    trace: quantiles(sp.points.map((p) => p.trace)),
    warnings: [...modelWarnings(model), ...dataNotes(data), ...sp.warnings],
  };
  const run: DimRun = { spectrum, points };
  if (options.walk) Object.assign(run, await runWalks(engine, model, data, points, options.walk, { seed, rtol, source }, onProgress));
  if (compare?.length) run.distances = await runCompare(engine, model, data, { points, indices, m: base }, compare, { n, seed, rtol, source, ...bs, baseSpec: options.datasetSpec ?? 'base' }, onProgress);
  return run;
}

async function runWalks(
  engine: Engine,
  model: ImportedModel,
  dataset: Dataset,
  points: Dataset,
  o: NonNullable<DimRunOptions['walk']>,
  c: { seed: number; rtol: number; source: { path: string; kind: 'run' | 'onnx' } },
  onProgress?: ProbeProgress,
): Promise<{ walks: DimWalksResult; walkFrames?: DimWalkFrames }> {
  const { seed, rtol } = c;
  const C = model.numClasses;
  const d = numel(model.input.shape.slice(1) as number[]);
  const walkSteps = o.steps ?? 50;
  const walkPoints = o.points ?? 3;
  const G = o.grid ?? 15;
  const modes: FoliationWalkMode[] = o.mode === 'both' ? ['along', 'across'] : [o.mode];
  const stepSize = o.stepSize ?? defaultStepSize(points);
  if (!(stepSize > 0)) throw new GeolensError('BAD_ARGUMENT', `dim walks: the step size must be > 0 (got ${stepSize}).`);
  const session = await engine.load(buildInputJacobian(model.graph, { input: model.input.name, logits: model.logits, numClasses: C }), { memoryPattern: false });
  const ev = batchedEvaluator(session, model, Math.max(1, Math.min(1024, Math.floor(2 ** 22 / (C * d)))));
  // images (by the data's sample shape: the model may take them flattened) go to a picture instead of JSON
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
            onProgress?.('walks', ++doneWalks, totalWalks);
            const frames = isImage ? w.points.filter((_, t) => t % frameEvery === 0 || t === w.points.length - 1).map((p) => Float64Array.from(p)) : [];
            return { rec: walkRecord(w, i, points.y[i]!, sign, keepPoints), frames };
          }),
        );
      }
    }
  }
  const done = await Promise.all(jobs);
  const walkList = done.map((j) => j.rec);
  const walks: DimWalksResult = {
    schemaVersion: DIM_SCHEMA_VERSION,
    probe: 'dim-walks',
    source: c.source,
    dataset: dataset.name,
    method:
      "Euler foliation walks (foliationWalk): each step of length stepSize is the current heading projected onto the image of D(x) ('along', the data-leaf directions) or onto its kernel ('across', p locally constant), renormalised; D(x) from the Jacobian graph at the current point. From each start point two walks per mode, with initial headings +h and −h (h a seeded Gaussian vector).",
    stepSize,
    steps: walkSteps,
    rtol,
    walks: walkList,
    summary: summarise(walkList, modes),
  };

  // 2-D inputs: the leaf field through a grid of start points
  if (d === 2) {
    const xs = Array.from({ length: points.y.length }, (_, i) => points.x.data[2 * i]!);
    const ys = Array.from({ length: points.y.length }, (_, i) => points.x.data[2 * i + 1]!);
    const [x0, x1] = paddedRange(xs);
    const [y0, y1] = paddedRange(ys);
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
    walks.field = {
      grid: G,
      stepSize: fStep,
      stepsPerSide: perSide,
      summary: summarise(field.flatMap((f) => f.recs), fieldModes),
      lines: field.map((f) => ({ mode: f.mode, points: f.line })),
      data: { points: xs.map((x, i) => [Number(x.toPrecision(6)), Number(ys[i]!.toPrecision(6))]), labels: Array.from(points.y) },
    };
  }
  if (!isImage) return { walks };
  const range = valueRange(points);
  walks.images = { file: 'dim-walks.png', frameEvery, scale: 2, valueRange: range };
  return { walks, walkFrames: { frames: done.map((j) => j.frames), imageShape, valueRange: range } };
}

/** [lo, hi] of the values, widened by 10% of the span on each side (the plot area of the leaf field). */
export function paddedRange(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const m = 0.1 * (hi - lo || 1);
  return [lo - m, hi + m];
}

async function runCompare(
  engine: Engine,
  model: ImportedModel,
  dataset: Dataset,
  base: { points: Dataset; indices: number[]; m: MeasuredSpectrum },
  items: DimCompareItem[],
  c: { n: number; seed: number; rtol: number; batchSize?: number; baseSpec: string; source: { path: string; kind: 'run' | 'onnx' } },
  onProgress?: ProbeProgress,
): Promise<DimDistancesResult> {
  const { n, seed, rtol } = c;
  const named: { name: string; spec: string; kind: 'base' | 'transform' | 'dataset'; ds: Dataset; m: MeasuredSpectrum }[] = [{ name: dataset.name, spec: c.baseSpec, kind: 'base', ds: base.points, m: base.m }];
  for (const [i, it] of items.entries()) {
    let ds: Dataset;
    if ('transform' in it) ds = applyDatasetTransform(base.points, it.transform, seed + 1000 + i);
    else if ('data' in it) ds = pickPoints(it.data, n, seed).points;
    else {
      const taken = new Set(base.indices);
      const rest = Array.from({ length: dataset.y.length }, (_, j) => j).filter((j) => !taken.has(j));
      const pool = rest.length >= base.points.y.length ? selectSamples(dataset, rest) : dataset;
      ds = pickPoints(pool, n, seed + 1).points;
    }
    const name = named.some((x) => x.name === it.spec) ? `${it.spec} (${i + 1})` : it.spec;
    const m = await measureSpectrum(engine, model, ds, { rtol, ...(c.batchSize !== undefined ? { batchSize: c.batchSize } : {}), onProgress, label: it.spec });
    named.push({ name, spec: it.spec, kind: 'data' in it ? 'dataset' : 'transform', ds, m });
  }
  return {
    schemaVersion: DIM_SCHEMA_VERSION,
    probe: 'dim-distances',
    source: c.source,
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
    matrix: datasetDistanceMatrix(named.map((x) => ({ name: x.name, spectrum: x.m.spectrum }))),
  };
}
