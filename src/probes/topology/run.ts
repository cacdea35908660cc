/**
 * Running the metric-topology probe (Wu, Huang, Li, Liu 2025; METHODS.md §4) on several networks: the logits of each
 * network on the same labelled points on onnxruntime, then the distance matrices of both readings with Hoeffding
 * intervals, the equivalence classes, a classical-MDS embedding of the quotient, the checks, and the Euclidean
 * parameter distance of the same pairs where the architectures match. One library call, `runTopology`.
 */
import { selectSamples } from '../../data/split.js';
import { classCounts, type Dataset } from '../../data/types.js';
import type { Engine } from '../../engine/engine.js';
import { GeolensError } from '../../errors.js';
import { modelInput } from '../../measure/features.js';
import type { ProbeProgress } from '../../measure/progress.js';
import type { ImportedModel } from '../../onnx/import.js';
import { numel } from '../../tensor.js';
import { Rng } from '../../util/random.js';
import { VERSION } from '../../version.js';
import {
  classDiameter,
  distanceMatrix,
  hoeffdingHalfWidth,
  hoeffdingInterval,
  matrixCorrelation,
  metricChecks,
  parameterDistanceMatrix,
  predictionsFromLogits,
  quotientMds,
  singleLinkageClasses,
  TOPOLOGY_DEFINITIONS,
  type ClassifierOutcome,
} from './compute.js';
import { TOPOLOGY_SCHEMA_VERSION } from './schema.js';
import type { TopologyDistances, TopologyReading, TopologyResult } from './types.js';

/** One network to compare. */
export interface TopologyModel {
  /** Its label in tables and plots (e.g. 'epoch 3', a run or file name). */
  name: string;
  model: ImportedModel;
  /**
   * Its parameter vector for the parameter distance, when the caller has one (e.g. a flattened state dict); by default
   * the model's float initializers in the order of their sorted names.
   */
  params?: Float32Array | Float64Array;
  /** Checkpoint epoch, written into the result (default null). */
  epoch?: number | null;
  /** Where it came from, written into the result (default: the model's source). */
  source?: string;
}

export interface TopologyRunOptions {
  /** The reading that defines classes, embedding and plots (default 'correctness'); both matrices are computed. */
  reading?: TopologyReading;
  /** Confidence 1 − δ of the Hoeffding intervals, in (0, 1) (default 0.95). */
  confidence?: number;
  /** A point is tied for a network when its top-2 softmax probabilities differ by ≤ ε, ε in [0, 1] (default 1e-3). */
  tieEpsilon?: number;
  /** Use a seeded random subset of n points (default: all points of the data). */
  n?: number;
  /** Seed of that subset (default 0). */
  seed?: number;
  /** Samples per onnxruntime run (default 500). */
  batchSize?: number;
  /** Written into the result: the dataset spec and the part of a run's dataset. */
  datasetSpec?: string | null;
  split?: 'train' | 'test' | 'all' | null;
}

/** Default confidence of the intervals. */
export const TOPOLOGY_DEFAULT_CONFIDENCE = 0.95;
/** Default ε of the tie share (softmax probability gap). */
export const TOPOLOGY_DEFAULT_TIE_EPSILON = 1e-3;

function bad(message: string): never {
  throw new GeolensError('BAD_ARGUMENT', message);
}

/** Float initializers of a model in canonical order (sorted names), with their shapes. */
function initializerList(model: ImportedModel): { name: string; dims: number[]; data: Float32Array | Float64Array }[] {
  const out: { name: string; dims: number[]; data: Float32Array | Float64Array }[] = [];
  for (const name of [...model.params].sort()) {
    const t = model.graph.initializers.get(name);
    if (t && (t.data instanceof Float32Array || t.data instanceof Float64Array)) out.push({ name, dims: [...t.dims], data: t.data });
  }
  return out;
}

/**
 * The parameter vectors of the networks (given `params`, else the float initializers in sorted-name order), or the
 * reason they cannot be compared (different names or shapes, or `params` given for some networks only).
 */
export function parameterVectors(models: readonly TopologyModel[]): { vectors: (Float32Array | Float64Array)[]; reason: null } | { vectors: null; reason: string } {
  if (models.length === 0) return { vectors: [], reason: null };
  const given = models.filter((m) => m.params !== undefined).length;
  if (given === models.length) {
    const P = models[0]!.params!.length;
    const odd = models.find((m) => m.params!.length !== P);
    if (odd) return { vectors: null, reason: `'${odd.name}' has ${odd.params!.length} parameters but '${models[0]!.name}' has ${P}` };
    return { vectors: models.map((m) => m.params!), reason: null };
  }
  if (given > 0) return { vectors: null, reason: `parameter vectors were given for ${given} of ${models.length} networks; give them for all or none` };
  const lists = models.map((m) => initializerList(m.model));
  const ref = lists[0]!;
  if (ref.length === 0) return { vectors: null, reason: `'${models[0]!.name}' has no float initializers` };
  for (const [k, list] of lists.entries()) {
    if (k === 0) continue;
    const name = models[k]!.name;
    const have = new Set(list.map((t) => t.name));
    const want = new Set(ref.map((t) => t.name));
    const missing = ref.filter((t) => !have.has(t.name)).map((t) => t.name);
    const extra = list.filter((t) => !want.has(t.name)).map((t) => t.name);
    if (missing.length || extra.length) {
      const what = [missing.length ? `lacks ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}` : '', extra.length ? `has ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', …' : ''} in addition` : ''].filter(Boolean).join(' and ');
      return { vectors: null, reason: `the architectures differ: '${name}' ${what} (compared with '${models[0]!.name}')` };
    }
    for (const [i, t] of list.entries()) {
      const r = ref[i]!;
      if (t.dims.join(',') !== r.dims.join(',')) return { vectors: null, reason: `the architectures differ: '${t.name}' has shape [${t.dims.join(', ')}] in '${name}' but [${r.dims.join(', ')}] in '${models[0]!.name}'` };
    }
  }
  const wide = lists.some((l) => l.some((t) => t.data instanceof Float64Array));
  const vectors = lists.map((list) => {
    const P = list.reduce((s, t) => s + t.data.length, 0);
    const v = wide ? new Float64Array(P) : new Float32Array(P);
    let o = 0;
    for (const t of list) {
      v.set(t.data, o);
      o += t.data.length;
    }
    return v;
  });
  return { vectors, reason: null };
}

/** A seeded random subset of n points (all when the data are smaller), in data order. */
function subset(data: Dataset, n: number | undefined, seed: number): Dataset {
  const size = data.y.length;
  if (n === undefined || n >= size) return data;
  const idx = Array.from(new Rng(seed).permutation(size).subarray(0, n)).sort((a, b) => a - b);
  return selectSamples(data, idx);
}

function checkModels(models: readonly TopologyModel[], data: Dataset): void {
  if (models.length < 2) bad(`topology: compare at least 2 networks (got ${models.length}); give several checkpoints, runs or .onnx files.`);
  const names = new Set<string>();
  for (const m of models) {
    if (names.has(m.name)) bad(`topology: two networks are named '${m.name}'; give each a distinct name.`);
    names.add(m.name);
  }
  const d = numel(data.sampleShape);
  const C = models[0]!.model.numClasses;
  for (const m of models) {
    const shape = m.model.input.shape.slice(1) as number[];
    if (numel(shape) !== d) {
      throw new GeolensError('BAD_SHAPE', `topology: '${m.name}' takes inputs of shape [${shape.join(', ')}] but ${data.name} has samples of shape [${data.sampleShape.join(', ')}]; every network must take the same input (same number of values per sample).`);
    }
    if (m.model.numClasses !== C) {
      throw new GeolensError('BAD_MODEL', `topology: '${m.name}' has ${m.model.numClasses} classes but '${models[0]!.name}' has ${C}; compare classifiers of the same classes.`);
    }
    if (m.model.numClasses < 2) throw new GeolensError('BAD_MODEL', `topology: '${m.name}' has ${m.model.numClasses} output(s); a classifier needs at least 2 classes.`);
  }
}

const toRows = (D: Float64Array, n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from(D.subarray(i * n, (i + 1) * n)));

function readingResult(reading: TopologyReading, D: Float64Array, n: number, h: number, accuracies: number[]): TopologyDistances {
  const lower = new Float64Array(n * n);
  const upper = new Float64Array(n * n);
  for (let k = 0; k < n * n; k++) [lower[k], upper[k]] = hoeffdingInterval(D[k]!, h);
  for (let i = 0; i < n; i++) lower[i * n + i] = upper[i * n + i] = 0;
  return { reading, definition: TOPOLOGY_DEFINITIONS[reading], distance: toRows(D, n), lower: toRows(lower, n), upper: toRows(upper, n), checks: metricChecks(D, n, accuracies) };
}

/**
 * The metric topology of n ≥ 2 classifiers on labelled data `data` (m points, or a seeded subset of `options.n`):
 * the logits of each network on the same points (forward graph on onnxruntime, in batches), both distance
 * matrices (correctness, disagreement) with Hoeffding intervals at `confidence`, the tie share of each network,
 * single-linkage classes at distance 0 within the interval, classical MDS of the quotient, the checks (symmetry,
 * triangle inequality, |acc − acc′| ≤ d) and the Euclidean parameter distance where the parameters match
 * (Wu, Huang, Li, Liu 2025, arXiv 2501.11265; METHODS.md §4). Progress stage: 'logits' (networks).
 * Errors: BAD_ARGUMENT (fewer than 2 networks, duplicate names, no data, options out of range), BAD_SHAPE (a network
 * that does not take the data), BAD_MODEL (networks with different classes), ENGINE.
 */
export async function runTopology(engine: Engine, models: readonly TopologyModel[], data: Dataset, options: TopologyRunOptions = {}, onProgress?: ProbeProgress): Promise<TopologyResult> {
  const reading = options.reading ?? 'correctness';
  if (reading !== 'correctness' && reading !== 'disagreement') bad(`topology: unknown reading '${String(reading)}'; choose correctness or disagreement.`);
  const confidence = options.confidence ?? TOPOLOGY_DEFAULT_CONFIDENCE;
  if (!(confidence > 0 && confidence < 1)) bad(`topology: the confidence must be in (0, 1), e.g. 0.95 (got ${confidence}).`);
  const tieEpsilon = options.tieEpsilon ?? TOPOLOGY_DEFAULT_TIE_EPSILON;
  if (!(tieEpsilon >= 0 && tieEpsilon <= 1)) bad(`topology: the tie ε must be in [0, 1] (a gap of softmax probabilities; got ${tieEpsilon}).`);
  if (options.n !== undefined && !(Number.isInteger(options.n) && options.n >= 1)) bad(`topology: n must be a positive integer (got ${options.n}).`);
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 500;
  if (data.y.length === 0) bad(`topology: ${data.name} has no samples; give labelled data.`);
  checkModels(models, data);
  const points = subset(data, options.n, seed);
  const m = points.y.length;
  const n = models.length;
  const C = models[0]!.model.numClasses;
  const delta = 1 - confidence;
  const h = hoeffdingHalfWidth(m, delta);
  const pairs = (n * (n - 1)) / 2;
  const hAll = pairs > 1 ? hoeffdingHalfWidth(m, delta / pairs) : h;
  const warnings: string[] = [];
  const shape0 = models[0]!.model.input.shape.slice(1).join(', ');
  for (const net of models.slice(1)) {
    const shape = net.model.input.shape.slice(1).join(', ');
    if (shape !== shape0) warnings.push(`'${net.name}' takes inputs of shape [${shape}] and '${models[0]!.name}' of shape [${shape0}]: both get the same ${numel(data.sampleShape)} values per sample, in row-major order.`);
  }
  if (data.numClasses !== C) warnings.push(`${data.name} has ${data.numClasses} classes but the networks have ${C}; a label the networks cannot output is never predicted correctly.`);

  // ---------------------------------------------------------------- predictions on the same points
  const outcomes: ClassifierOutcome[] = [];
  for (const [k, net] of models.entries()) {
    onProgress?.('logits', k, n, net.name);
    const sess = await engine.load(net.model.graph);
    const x = modelInput(net.model, points);
    const out = await sess.runBatched({ [net.model.input.name]: x }, [net.model.input.name], batchSize, [net.model.logits]);
    const logits = out[net.model.logits]!;
    if (logits.data.length !== m * C) throw new GeolensError('BAD_MODEL', `topology: '${net.name}' returned ${logits.data.length} logits for ${m} points × ${C} classes (shape [${logits.shape.join(', ')}]).`);
    outcomes.push(predictionsFromLogits(logits.data as Float32Array | Float64Array, m, C, points.y, tieEpsilon));
  }
  onProgress?.('logits', n, n);

  // ---------------------------------------------------------------- distances, checks, classes, embedding
  const accuracies = outcomes.map((o) => o.accuracy);
  const Dc = distanceMatrix(outcomes, 'correctness');
  const Dd = distanceMatrix(outcomes, 'disagreement');
  let orderViolations = 0;
  for (let k = 0; k < n * n; k++) if (Dc[k]! > Dd[k]!) orderViolations++;
  const D = reading === 'correctness' ? Dc : Dd;
  const interval = singleLinkageClasses(D, n, (d) => d <= h);
  const exact = singleLinkageClasses(D, n, (d) => d === 0);
  const { embedding, coordinates } = quotientMds(D, n, exact);
  const list = interval.members.map((members, id) => ({ id, members, diameter: classDiameter(D, n, members) }));
  for (const c of list) {
    if (c.diameter > 2 * h) warnings.push(`class ${c.id} (${c.members.map((i) => models[i]!.name).join(', ')}) chains networks up to d̂ = ${c.diameter.toFixed(4)} apart, more than 2h = ${(2 * h).toFixed(4)}: single linkage joined them through intermediate networks.`);
  }
  if (h > 0.1) warnings.push(`with m = ${m} points the Hoeffding half-width is h = ${h.toFixed(4)}: distances below it cannot be told from 0; use more points for finer classes.`);

  // ---------------------------------------------------------------- parameter distance
  const pv = parameterVectors(models);
  let parameterDistance: TopologyResult['parameterDistance'];
  if (pv.vectors) {
    const P = parameterDistanceMatrix(pv.vectors);
    const corr = matrixCorrelation(D, P, n);
    parameterDistance = { definition: TOPOLOGY_DEFINITIONS.parameterDistance, distance: toRows(P, n), reason: null, numParams: pv.vectors[0]!.length, ...corr };
  } else {
    parameterDistance = { definition: TOPOLOGY_DEFINITIONS.parameterDistance, distance: null, reason: pv.reason, numParams: null, pearson: null, spearman: null };
  }

  return {
    schemaVersion: TOPOLOGY_SCHEMA_VERSION,
    probe: 'topology',
    geolensVersion: VERSION,
    reading,
    confidence,
    delta,
    m,
    halfWidth: h,
    simultaneousHalfWidth: hAll,
    tieEpsilon,
    definitions: {
      argmax: TOPOLOGY_DEFINITIONS.argmax,
      tie: TOPOLOGY_DEFINITIONS.tie,
      hoeffding: TOPOLOGY_DEFINITIONS.hoeffding,
      classes: TOPOLOGY_DEFINITIONS.classes,
      mds: TOPOLOGY_DEFINITIONS.mds,
    },
    dataset: {
      name: data.name,
      spec: options.datasetSpec ?? null,
      split: options.split ?? null,
      size: data.y.length,
      numClasses: data.numClasses,
      sampleShape: [...data.sampleShape],
      classCounts: classCounts(points.y, data.numClasses),
      seed,
    },
    models: models.map((net, i) => ({
      index: i,
      name: net.name,
      source: net.source ?? net.model.source,
      epoch: net.epoch ?? null,
      numClasses: C,
      accuracy: outcomes[i]!.accuracy,
      accuracyInterval: hoeffdingInterval(outcomes[i]!.accuracy, h),
      tieShare: outcomes[i]!.tieShare,
      numParams: pv.vectors ? pv.vectors[i]!.length : null,
    })),
    correctness: readingResult('correctness', Dc, n, h, accuracies),
    disagreement: readingResult('disagreement', Dd, n, h, accuracies),
    readingOrder: { violations: orderViolations, ok: orderViolations === 0 },
    classes: { classOf: interval.classOf, list, exactClassOf: exact.classOf, numExactClasses: exact.members.length },
    mds: {
      coordinates: Array.from({ length: n }, (_, i) => [coordinates[2 * i]!, coordinates[2 * i + 1]!] as [number, number]),
      eigenvalues: Array.from(embedding.eigenvalues),
      explained: embedding.explained,
      negativeShare: embedding.negativeShare,
      numPoints: exact.members.length,
    },
    parameterDistance,
    warnings,
  };
}
