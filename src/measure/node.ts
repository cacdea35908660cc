/**
 * Node adapter of the measure room: open a probe target from files (a run directory or an .onnx file), load the
 * data a probe measures, and write probe results (versioned JSON, plots next to it; `readResult` in src/probes/node.ts reads them back).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { RULES as GRADIENT_RULES } from '../autodiff/rules/index.js';
import { loadDataset } from '../data/node.js';
import { subsetPerClass } from '../data/split.js';
import type { Dataset } from '../data/types.js';
import { GeolensError } from '../errors.js';
import { isAutoencoder, type ModelDef, type Weights } from '../models/index.js';
import { readSafetensorsFile, writeFileAtomic } from '../models/node.js';
import type { ImportedModel } from '../onnx/import.js';
import { importModelFile } from '../onnx/node.js';
import { fitDataToModel } from './data-fit.js';
import { openRun, type RunDir } from '../train/node.js';
import { splitForRun } from '../train/run-split.js';
import { importDefinition, type ProbeTarget } from './target.js';

/**
 * The final weights of a run: weights/final.safetensors, else its last checkpoint (a run not finished), with the
 * file they came from. Errors: BAD_FILE (no weights yet, or tensors that do not match the definition).
 */
export async function finalWeights(dir: string, def: ModelDef, run: RunDir, checkpoints: readonly number[]): Promise<{ params: Weights; weightsFile: string }> {
  const final = join(dir, 'weights', 'final.safetensors');
  if (existsSync(final)) {
    const st = await readSafetensorsFile(final);
    const params: Weights = {};
    for (const p of def.params) {
      const t = st.tensors[p.name];
      if (!t || !(t.data instanceof Float32Array)) throw new GeolensError('BAD_FILE', `${final}: missing float32 tensor '${p.name}'; the weights do not match config.json.`);
      params[p.name] = { data: t.data, shape: [...t.shape] };
    }
    return { params, weightsFile: final };
  }
  if (checkpoints.length) {
    const epoch = checkpoints[checkpoints.length - 1]!;
    return { params: (await run.loadCheckpoint(epoch, def)).params, weightsFile: join(dir, 'weights', `epoch-${String(epoch).padStart(4, '0')}.safetensors`) };
  }
  throw new GeolensError('BAD_FILE', `${dir}: the run has no weights yet (neither final.safetensors nor a checkpoint).`);
}

/**
 * Open a run directory (from `geolens train`: its model.onnx, else its last checkpoint; every checkpoint through
 * `run.modelAt`) or an .onnx classifier file. An autoencoder run is refused (BAD_MODEL) unless `autoencoder` is set:
 * then the target carries its definition and final weights (`target.autoencoder`). Errors: FILE_NOT_FOUND, BAD_FILE,
 * BAD_MODEL.
 */
export async function openTarget(path: string, options: { autoencoder?: boolean } = {}): Promise<ProbeTarget> {
  if (!existsSync(path)) throw new GeolensError('FILE_NOT_FOUND', `${path} does not exist; give a run directory (from geolens train) or an .onnx file.`);
  if (statSync(path).isDirectory()) {
    const { run, config, def, checkpoints } = await openRun(path);
    const ae = isAutoencoder(def);
    if (ae && !options.autoencoder) {
      throw new GeolensError('BAD_MODEL', `${path} holds an autoencoder (no classes), and this probe needs a classifier; probe its latent space with 'geolens ot ${path}'.`);
    }
    const modelAt = async (epoch: number): Promise<ImportedModel> => {
      const st = await run.loadCheckpoint(epoch, def);
      return importDefinition(def, st.params, st.buffers, join(path, `weights/epoch-${epoch}`));
    };
    const file = join(path, 'model.onnx');
    let model: ImportedModel;
    if (existsSync(file)) model = importModelFile(file, { gradientOps: GRADIENT_RULES });
    else if (checkpoints.length) model = await modelAt(checkpoints[checkpoints.length - 1]!);
    else throw new GeolensError('BAD_FILE', `${path}: the run has neither model.onnx nor a checkpoint yet.`);
    const target: ProbeTarget = { path, kind: 'run', model, run: { dir: path, config, def, checkpoints, modelAt } };
    if (ae) target.autoencoder = { def, params: (await finalWeights(path, def, run, checkpoints)).params };
    return target;
  }
  return { path, kind: 'onnx', model: importModelFile(path, { gradientOps: GRADIENT_RULES }) };
}

export interface ProbeDataOptions {
  /** Dataset spec (as `geolens train --dataset`); default: the run's own dataset. */
  dataset?: string;
  /** For a run's own dataset: which part (default 'test', the held-out part). */
  split?: 'train' | 'test' | 'all';
  /** Keep this many samples per class (seeded). */
  perClass?: number;
  seed?: number;
}

/**
 * The data a probe measures, checked against the model's input shape. Errors: BAD_ARGUMENT (an .onnx target without
 * a dataset, or no samples), BAD_SHAPE (samples that do not fit the model), and the dataset loader's errors.
 */
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
  return fitDataToModel(ds, target.model.input.shape.slice(1) as number[], { data: o.dataset ?? ds.name, model: target.path });
}

/**
 * The results folder of a target, as an absolute path: `out` when given, else `<run>/results` for a run directory,
 * and for an .onnx file `geolens-results/<model name>` in the current directory — never beside the model, whose
 * folder may be shared or read-only.
 */
export function resultsDir(target: ProbeTarget, out?: string): string {
  if (out) return resolve(out);
  if (target.kind === 'run') return resolve(target.path, 'results');
  return resolve(DEFAULT_RESULTS_FOLDER, basename(target.path).replace(/\.onnx$/i, '') || 'model');
}

/** Where probe results of an .onnx model go without --out: `geolens-results/<model name>/` in the current directory. */
export const DEFAULT_RESULTS_FOLDER = 'geolens-results';

/**
 * Write a result as `<dir>/<name>.json` and its artefacts (`<name>-<suffix>.svg` for SVG text, or a file name →
 * bytes/text for anything else), each atomically; returns the paths written. `compact` writes the JSON without
 * indentation (for results holding large geometry, where indentation triples the file).
 */
export async function writeResult(dir: string, name: string, result: unknown, plots: Record<string, string> = {}, files: Record<string, string | Uint8Array> = {}, options: { compact?: boolean } = {}): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const json = join(dir, `${name}.json`);
  await writeFileAtomic(json, JSON.stringify(result, null, options.compact ? undefined : 2) + '\n');
  written.push(json);
  for (const [suffix, svg] of Object.entries(plots)) {
    const p = join(dir, `${name}${suffix ? '-' + suffix : ''}.svg`);
    await writeFileAtomic(p, svg);
    written.push(p);
  }
  for (const [file, content] of Object.entries(files)) {
    const p = join(dir, file);
    await writeFileAtomic(p, content);
    written.push(p);
  }
  return written;
}
