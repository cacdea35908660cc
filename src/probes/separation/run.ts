/**
 * Running the law-of-data-separation probe (He & Su, PNAS 2023) on a model: features of the flattened input
 * (l = 0) and of each chosen layer on onnxruntime, separation fuzziness D_l = Tr(SS_w SS_b⁺) per layer, the fit
 * ln D_l = a + l·ln ρ — for one model (`runSeparation`) or every checkpoint of a run (`runSeparationOverTraining`).
 */
import type { Dataset } from '../../data/types.js';
import type { Engine } from '../../engine/engine.js';
import { GeolensError } from '../../errors.js';
import { layerFeatures, modelInput } from '../../measure/features.js';
import type { ProbeProgress } from '../../measure/progress.js';
import { stageProgress } from '../../measure/progress.js';
import { dataNotes, fitDataToModel } from '../../measure/data-fit.js';
import { modelWarnings, requireSupport } from '../../measure/support.js';
import { chooseLayers } from '../../measure/target.js';
import type { ImportedModel, Layer } from '../../onnx/import.js';
import { VERSION } from '../../version.js';
import { separationLaw, separationOverTraining } from './compute.js';
import { SEPARATION_SCHEMA_VERSION } from './schema.js';
import type { LayerFeatures, SeparationDatasetMeta, SeparationEpoch, SeparationLayerMeta, SeparationOverTraining, SeparationOverTrainingResult, SeparationResult, SeparationVariant } from './types.js';

export interface SeparationRunOptions {
  /** Layers l = 1, 2, … after the input: 'auto' (default), an op such as 'relu', or tensor names separated by commas. */
  layers?: string;
  /** Class weighting (default 'definition'). */
  variant?: SeparationVariant;
  /** Where the model came from, written into the result (default: the model's source). */
  source?: string;
  sourceKind?: 'run' | 'onnx';
  /** How the data were chosen, written into the result (defaults: the dataset's name, null, null, 0). */
  datasetSpec?: string;
  split?: 'train' | 'test' | 'all' | null;
  perClass?: number | null;
  seed?: number;
}

/** How l counts layers, written into the output and the JSON. */
export function layerCounting(spec: string): string {
  const what = spec.trim() === '' || spec.trim() === 'auto' ? 'the output of each nonlinearity, then the logits' : `the layers chosen by --layers ${spec}`;
  return `l = 0 is the flattened input; l = 1, 2, … count ${what}, in forward order`;
}

function classCountsOf(ds: Dataset): number[] {
  const c = new Array<number>(ds.numClasses).fill(0);
  for (const y of ds.y) c[y]! += 1;
  return c;
}

function datasetMeta(data: Dataset, o: SeparationRunOptions): SeparationDatasetMeta {
  return {
    spec: o.datasetSpec ?? data.name,
    name: data.name,
    split: o.split ?? null,
    n: data.y.length,
    numClasses: data.numClasses,
    sampleShape: data.sampleShape,
    classCounts: classCountsOf(data),
    perClass: o.perClass ?? null,
    seed: o.seed ?? 0,
  };
}

/** Features of l = 0 (the flattened input) and of each chosen layer of one model. */
async function featuresOf(engine: Engine, model: ImportedModel, layers: Layer[], ds: Dataset, onProgress?: (done: number, total: number) => void): Promise<LayerFeatures[]> {
  const n = ds.y.length;
  const input: LayerFeatures = { name: 'input', features: { data: ds.x.data, shape: [n, ds.x.data.length / n] } };
  const feats = await layerFeatures(engine, model, layers, modelInput(model, ds), onProgress ? { onProgress } : {});
  return [input, ...feats];
}

/** The data as the model's input (shapes compared: see fitDataToModel), or an error. */
function checkData(model: ImportedModel, data: Dataset): Dataset {
  if (data.y.length === 0) throw new GeolensError('BAD_ARGUMENT', `separation: ${data.name} has no samples; give data with samples of every class.`);
  return fitDataToModel(data, model.input.shape.slice(1) as number[], { model: model.source });
}

/**
 * The law of data separation for one model on labelled data `data` (n samples, K classes): D_l at the flattened
 * input and at each chosen layer, and the fit (He & Su 2023, eq. for D and the geometric law D_l ≈ ρ^l D_0).
 * Progress stages: 'features' (samples), 'D_l' (layers). Errors: BAD_SHAPE when the data do not fit the model's
 * input, BAD_ARGUMENT for empty data or an unknown layer, ENGINE when onnxruntime fails.
 */
export async function runSeparation(engine: Engine, model: ImportedModel, dataIn: Dataset, options: SeparationRunOptions = {}, onProgress?: ProbeProgress): Promise<SeparationResult> {
  requireSupport(model, 'separation');
  const data = checkData(model, dataIn);
  const spec = options.layers ?? 'auto';
  const layers = chooseLayers(model, spec);
  const meta = layerMeta(model, layers, data);
  const feats = await featuresOf(engine, model, layers, data, stageProgress(onProgress, 'features'));
  feats.forEach((f, i) => (meta[i]!.featureDim = f.features.shape[1]!));
  const law = separationLaw(feats, data.y, data.numClasses, { variant: options.variant ?? 'definition', ...(onProgress ? { onProgress: stageProgress(onProgress, 'D_l')! } : {}) });
  return {
    ...law,
    warnings: [...modelWarnings(model), ...dataNotes(data), ...law.warnings],
    kind: 'separation',
    geolensVersion: VERSION,
    source: options.source ?? model.source,
    sourceKind: options.sourceKind ?? 'onnx',
    dataset: datasetMeta(data, options),
    n: data.y.length,
    layerCounting: layerCounting(spec),
    layers: law.layers.map((l, i) => ({ ...l, tensor: meta[i]!.tensor, op: meta[i]!.op, featureDim: meta[i]!.featureDim, log10D: l.logD === null ? null : l.logD / Math.LN10 })),
  };
}

function layerMeta(model: ImportedModel, layers: Layer[], data: Dataset): SeparationLayerMeta[] {
  const p0 = data.x.data.length / data.y.length;
  return [{ index: 0, name: 'input', tensor: model.input.name, op: 'Input', featureDim: p0 }, ...layers.map((l, i) => ({ index: i + 1, name: l.name, tensor: l.tensor, op: l.op, featureDim: 0 }))];
}

/** The checkpoints of a run, as `runSeparationOverTraining` reads them. */
export interface Checkpoints {
  /** Epochs to measure, ascending. */
  epochs: number[];
  /** The model with the weights of checkpoint `epoch`. */
  modelAt(epoch: number): Promise<ImportedModel>;
}

/**
 * The law of data separation at every given checkpoint of a run (the same layers at each; their names must agree).
 * Progress stage: 'checkpoints'. Errors: as runSeparation; BAD_MODEL when checkpoints differ in architecture,
 * BAD_FILE when there are no checkpoints.
 */
export async function runSeparationOverTraining(
  engine: Engine,
  checkpoints: Checkpoints,
  dataIn: Dataset,
  options: SeparationRunOptions = {},
  onProgress?: ProbeProgress,
): Promise<SeparationOverTrainingResult> {
  const chosen = checkpoints.epochs;
  if (chosen.length === 0) throw new GeolensError('BAD_FILE', `separation over training: the run has no checkpoints (weights/epoch-*.safetensors).`);
  const spec = options.layers ?? 'auto';
  let data = dataIn;
  const K = data.numClasses;
  const variant = options.variant ?? 'definition';
  const epochs: SeparationEpoch[] = [];
  const warnings: string[] = [];
  let base: SeparationOverTraining | undefined;
  let meta: SeparationLayerMeta[] | undefined;
  let names: string | undefined;
  let source = options.source;
  for (const [i, epoch] of chosen.entries()) {
    onProgress?.('checkpoints', i, chosen.length, `epoch ${epoch}`);
    const model = await checkpoints.modelAt(epoch);
    if (i === 0) {
      requireSupport(model, 'separation');
      data = checkData(model, data);
      warnings.push(...modelWarnings(model), ...dataNotes(data));
    }
    source ??= model.source;
    const ls = chooseLayers(model, spec);
    const these = ls.map((l) => l.name).join(', ');
    if (names !== undefined && these !== names) throw new GeolensError('BAD_MODEL', `checkpoint ${epoch} has layers [${these}] but checkpoint ${chosen[0]} has [${names}]; the run's checkpoints do not share one architecture.`);
    names = these;
    meta ??= layerMeta(model, ls, data);
    const f = await featuresOf(engine, model, ls, data);
    f.forEach((x, j) => (meta![j]!.featureDim = x.features.shape[1]!));
    const one = separationOverTraining([{ epoch, layers: f.map((x, j) => ({ name: meta![j]!.name, features: x.features })) }], data.y, K, { variant });
    base ??= one;
    epochs.push(...one.epochs);
    warnings.push(...one.warnings);
  }
  onProgress?.('checkpoints', chosen.length, chosen.length);
  return {
    ...base!,
    schemaVersion: SEPARATION_SCHEMA_VERSION,
    epochs,
    warnings,
    kind: 'separation-over-training',
    geolensVersion: VERSION,
    source: source!,
    dataset: datasetMeta(data, options),
    n: data.y.length,
    layerCounting: layerCounting(spec),
    layers: meta!,
  };
}
