/**
 * What a probe command runs on: a geolens run directory (any checkpoint) or an .onnx classifier file.
 * Both become an ImportedModel (one input, logits, probe-able layers), so probes see one kind of model.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../data/node.js';
import { subsetPerClass } from '../data/split.js';
import type { Dataset } from '../data/types.js';
import type { Engine } from '../engine/engine.js';
import { GeolensError } from '../errors.js';
import { exportModel, type ModelDef } from '../models/index.js';
import { importClassifier, parseLayerSpec, selectLayers, type ImportedModel, type Layer } from '../onnx/import.js';
import { importModelFile } from '../onnx/node.js';
import { decodeModel } from '../onnx/proto.js';
import type { Tensor } from '../tensor.js';
import { numel } from '../tensor.js';
import { openRun, type RunConfig, type RunDir } from '../train/node.js';
import { UsageError } from './args.js';
import { splitForRun } from './train.js';

export interface RunTarget {
  dir: string;
  run: RunDir;
  config: RunConfig;
  def: ModelDef;
  /** Epochs with a checkpoint, ascending (0 = initialisation). */
  checkpoints: number[];
  /** The model with the weights of checkpoint `epoch`. */
  modelAt(epoch: number): Promise<ImportedModel>;
}

export interface ProbeTarget {
  path: string;
  kind: 'run' | 'onnx';
  /** The model to probe (final weights for a run). */
  model: ImportedModel;
  run?: RunTarget;
}

/** Import the eval graph of a model definition with given weights. */
export function importDefinition(def: ModelDef, params: Parameters<typeof exportModel>[1], buffers: Parameters<typeof exportModel>[2], source: string): ImportedModel {
  const bytes = exportModel(def, params, buffers).toBytes();
  return importClassifier(decodeModel(bytes, source), { source });
}

/** Open a run directory or an .onnx file. */
export async function openTarget(path: string): Promise<ProbeTarget> {
  if (!existsSync(path)) throw new GeolensError('FILE_NOT_FOUND', `${path} does not exist; give a run directory (from geolens train) or an .onnx file.`);
  if (statSync(path).isDirectory()) {
    const { run, config, def, checkpoints } = await openRun(path);
    const modelAt = async (epoch: number): Promise<ImportedModel> => {
      const st = await run.loadCheckpoint(epoch, def);
      return importDefinition(def, st.params, st.buffers, join(path, `weights/epoch-${epoch}`));
    };
    const file = join(path, 'model.onnx');
    let model: ImportedModel;
    if (existsSync(file)) model = importModelFile(file);
    else if (checkpoints.length) model = await modelAt(checkpoints[checkpoints.length - 1]!);
    else throw new GeolensError('BAD_FILE', `${path}: the run has neither model.onnx nor a checkpoint yet.`);
    return { path, kind: 'run', model, run: { dir: path, run, config, def, checkpoints, modelAt } };
  }
  return { path, kind: 'onnx', model: importModelFile(path) };
}

/** The one positional argument of a probe command: a run directory or an .onnx file. */
export function targetArg(command: string, positionals: string[]): string {
  if (positionals.length !== 1) {
    throw new UsageError(`geolens ${command}: give one run directory or .onnx file${positionals.length ? `, got ${positionals.length}: ${positionals.join(' ')}` : ''}.\n(run 'geolens ${command} --help' for details)`);
  }
  return positionals[0]!;
}

/**
 * --dataset and --split of a probe command. --split picks a part of the run's own dataset, so it cannot go with
 * --dataset (the spec chooses the part there); without --dataset it defaults to `defaultSplit`.
 */
export function dataFlags(
  command: string,
  values: Record<string, string | boolean | undefined>,
  defaultSplit: 'train' | 'test' | 'all',
): { dataset?: string; split?: 'train' | 'test' | 'all' } {
  const dataset = typeof values.dataset === 'string' ? values.dataset : undefined;
  if (dataset === undefined) return { split: (values.split as 'train' | 'test' | 'all' | undefined) ?? defaultSplit };
  if (values.split !== undefined) {
    throw new UsageError(`geolens ${command}: --split picks a part of the run's own dataset; with --dataset choose the part in the spec (e.g. idx:<dir>#split=test).`);
  }
  return { dataset };
}

export interface ProbeDataOptions {
  /** Dataset spec; default: the run's own dataset. */
  dataset?: string;
  /** For a run's own dataset: which part (default 'test', the held-out part). */
  split?: 'train' | 'test' | 'all';
  /** Keep this many samples per class (seeded). */
  perClass?: number;
  seed?: number;
}

/** The data a probe measures, checked against the model's input shape. */
export async function probeData(target: ProbeTarget, o: ProbeDataOptions): Promise<Dataset> {
  let ds: Dataset;
  const seed = o.seed ?? 0;
  if (o.dataset === undefined) {
    if (!target.run) throw new GeolensError('BAD_ARGUMENT', `${target.path} is an .onnx file: pass --dataset <spec> (e.g. idx:../shared/data/mnist).`);
    const cfg = target.run.config;
    const full = await loadDataset(cfg.dataset.spec, { seed: cfg.train.seed });
    const parts = splitForRun(full, cfg);
    ds = o.split === 'train' ? parts.train : o.split === 'all' ? full : parts.test;
  } else ds = await loadDataset(o.dataset, { seed });
  if (o.perClass !== undefined) ds = subsetPerClass(ds, o.perClass, seed);
  if (ds.y.length === 0) {
    const why = o.dataset === undefined ? `the ${o.split ?? 'test'} part of the run's dataset ${ds.name} has no samples` : `${o.dataset} has no samples`;
    const what = o.dataset === undefined ? "use --split train or --split all (a run trained with --test-fraction 0 has no held-out part)" : 'give a --dataset with samples';
    throw new GeolensError('BAD_ARGUMENT', `${target.path}: ${why}; ${what}.`);
  }
  const want = target.model.input.shape.slice(1);
  if (numel(want as number[]) !== numel(ds.sampleShape)) {
    throw new GeolensError('BAD_SHAPE', `${ds.name} has samples of shape [${ds.sampleShape.join(', ')}] but ${target.path} takes [${want.join(', ')}]; use a matching --dataset (resize options: #resize=HxW).`);
  }
  return ds;
}

/** Layers chosen by a --layers spec ('auto' by default). */
export function chooseLayers(model: ImportedModel, spec = 'auto'): Layer[] {
  return selectLayers(model, parseLayerSpec(spec, model));
}

/** Activations of the chosen layers (flattened per sample to [n, p]) for inputs x, in batches. */
export async function layerFeatures(
  engine: Engine,
  model: ImportedModel,
  layers: Layer[],
  x: Tensor,
  opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ name: string; features: Tensor }[]> {
  const g = model.graph.clone();
  for (const l of layers) if (!g.outputs.some((o) => o.name === l.tensor)) g.output(l.tensor);
  const sess = await engine.load(g);
  const n = x.shape[0]!;
  const input = { data: x.data, shape: [n, ...(model.input.shape.slice(1) as number[])] };
  const out = await sess.runBatched({ [model.input.name]: input }, [model.input.name], opts.batchSize ?? 500, layers.map((l) => l.tensor), opts.onProgress);
  return layers.map((l) => {
    const t = out[l.tensor]!;
    return { name: l.name, features: { data: t.data as Float32Array, shape: [n, t.data.length / n] } };
  });
}
