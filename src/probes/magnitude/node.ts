/**
 * Node adapter of the magnitude probe: the point cloud behind a path — a run directory (its recorded trajectory, or
 * a layer's representation of data), an .onnx model (a representation), or an NPY / CSV file of points.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readFileBytes } from '../../data/node.js';
import { parseNpy } from '../../data/npy.js';
import { GeolensError } from '../../errors.js';
import { openTarget, probeData } from '../../measure/node.js';
import type { ProbeTarget } from '../../measure/target.js';
import type { Weights } from '../../models/index.js';
import { readSafetensorsFile } from '../../models/node.js';
import type { Tensor } from '../../tensor.js';
import { npyToPoints, parsePointCloudCsv } from './points.js';
import type { MagnitudeSource, Trajectory } from './run.js';
import type { MagnitudeDistance } from './types.js';

/** Point-cloud files by extension. */
export const POINT_CLOUD_FILE = /\.(npy|csv|tsv|txt)$/i;

/** The weights recorded by `geolens train --record-last N` / `--record-every k` (`<run>/trajectory.safetensors`). */
export async function readTrajectory(runDir: string): Promise<Trajectory> {
  const file = join(runDir, 'trajectory.safetensors');
  if (!existsSync(file)) {
    throw new GeolensError('FILE_NOT_FOUND', `${runDir} has no trajectory.safetensors: the run recorded no weights. Train with --record-last N (e.g. geolens train --record-last 200 --out ${runDir}), or measure a representation with --cloud representation.`);
  }
  const st = await readSafetensorsFile(file);
  const step = st.tensors.step;
  if (!step || !(step.data instanceof BigInt64Array)) throw new GeolensError('BAD_FILE', `${file}: no int64 'step' tensor; not a geolens trajectory.`);
  const steps = Array.from(step.data, Number);
  const params: Trajectory['params'] = {};
  for (const [k, t] of Object.entries(st.tensors)) {
    if (k === 'step') continue;
    if (!(t.data instanceof Float32Array) || t.shape[0] !== steps.length) throw new GeolensError('BAD_FILE', `${file}: tensor '${k}' is not float32 [${steps.length}, …]; not a geolens trajectory.`);
    params[k] = { data: t.data, shape: [...t.shape] };
  }
  return { steps, params };
}

/** A point cloud file: .npy ([n, d] or [n]) or a numeric table (.csv / .tsv / .txt). */
export async function readPointCloud(file: string): Promise<Tensor> {
  const bytes = await readFileBytes(file);
  if (/\.npy$/i.test(file)) return npyToPoints(parseNpy(bytes, { name: file }), file);
  return parsePointCloudCsv(new TextDecoder('utf-8').decode(bytes), file);
}

/** The BatchNorm buffers of a run's final weights (else of its last checkpoint); empty for models without buffers. */
async function runBuffers(target: ProbeTarget): Promise<Weights> {
  const run = target.run!;
  if (run.def.buffers.length === 0) return {};
  const final = join(run.dir, 'weights', 'final.safetensors');
  const out: Weights = {};
  if (existsSync(final)) {
    const st = await readSafetensorsFile(final);
    for (const b of run.def.buffers) {
      const t = st.tensors[b.name];
      if (t && t.data instanceof Float32Array) out[b.name] = { data: t.data, shape: [...t.shape] };
    }
    return out;
  }
  const last = run.checkpoints[run.checkpoints.length - 1];
  if (last === undefined) return out;
  const m = await run.modelAt(last);
  for (const b of run.def.buffers) {
    const t = m.graph.initializers.get(b.name);
    if (t && t.data instanceof Float32Array) out[b.name] = { data: t.data, shape: [...t.dims] };
  }
  return out;
}

export interface MagnitudeSourceOptions {
  /** What the points are (default: 'file' for .npy/.csv, 'trajectory' for a run directory, 'representation' for .onnx). */
  cloud?: 'trajectory' | 'representation' | 'file';
  /** Trajectory: Euclidean (default) or the loss pseudometric. */
  distance?: MagnitudeDistance;
  /** Trajectory: the last N recorded steps (default all). */
  last?: number;
  /** Representation: the layer (default: the last hidden layer; 'input' for the raw data). */
  layer?: string;
  /** Data for a representation or the loss pseudometric (default: the run's own dataset, training part). */
  dataset?: string;
  split?: 'train' | 'test' | 'all';
  seed?: number;
}

/** What `openMagnitudeSource` opened: the source, the opened run or model (not for files), and how data were chosen. */
export interface OpenedMagnitudeSource {
  source: MagnitudeSource;
  target?: ProbeTarget;
  datasetSpec: string | null;
  split: 'train' | 'test' | 'all' | null;
  seed: number;
}

/** The source of `runMagnitude` for a path, with the data spec and split it used (for the result). */
export async function openMagnitudeSource(path: string, o: MagnitudeSourceOptions = {}): Promise<OpenedMagnitudeSource> {
  if (!existsSync(path)) throw new GeolensError('FILE_NOT_FOUND', `${path} does not exist; give a run directory, an .onnx model, or a point cloud (.npy, .csv).`);
  const isDir = statSync(path).isDirectory();
  const cloud = o.cloud ?? (isDir ? 'trajectory' : POINT_CLOUD_FILE.test(path) ? 'file' : 'representation');
  const seed = o.seed ?? 0;
  const abs = resolve(path);
  if (cloud === 'file') {
    if (isDir || !POINT_CLOUD_FILE.test(path)) throw new GeolensError('BAD_ARGUMENT', `${path}: --cloud file reads a point cloud from .npy or .csv (.tsv, .txt); give such a file.`);
    if (o.distance === 'loss') throw new GeolensError('BAD_ARGUMENT', 'the loss pseudometric compares weight vectors of a trajectory; a point-cloud file is measured with Euclidean distance.');
    return { source: { kind: 'points', points: await readPointCloud(path), name: path, path: abs, sourceKind: 'file' }, datasetSpec: null, split: null, seed };
  }
  if (POINT_CLOUD_FILE.test(path)) throw new GeolensError('BAD_ARGUMENT', `${path} is a point cloud: use --cloud file (the default for .npy / .csv).`);
  const target = await openTarget(path);
  if (cloud === 'trajectory') {
    if (!target.run) throw new GeolensError('BAD_ARGUMENT', `${path} is an .onnx model: a trajectory needs a run directory with trajectory.safetensors; for a model use --cloud representation.`);
    const trajectory = await readTrajectory(path);
    const distance = o.distance ?? 'euclidean';
    const split = distance === 'loss' && o.dataset === undefined ? (o.split ?? 'train') : null;
    const data = distance === 'loss' ? await probeData(target, { ...(o.dataset !== undefined ? { dataset: o.dataset } : { split: split! }), seed }) : undefined;
    const source: MagnitudeSource = { kind: 'trajectory', def: target.run.def, trajectory, distance, path: abs, ...(o.last !== undefined ? { last: o.last } : {}), ...(data ? { data, buffers: await runBuffers(target) } : {}) };
    return { source, target, datasetSpec: data ? (o.dataset ?? target.run.config.dataset.spec) : null, split, seed };
  }
  if (o.distance === 'loss') throw new GeolensError('BAD_ARGUMENT', 'the loss pseudometric is for trajectories (--cloud trajectory); a representation is measured with Euclidean distance.');
  const split = o.dataset === undefined ? (o.split ?? 'train') : null;
  const data = await probeData(target, { ...(o.dataset !== undefined ? { dataset: o.dataset } : { split: split! }), seed });
  const source: MagnitudeSource = { kind: 'representation', model: target.model, data, path: abs, sourceKind: target.kind, ...(o.layer !== undefined ? { layer: o.layer } : {}) };
  return { source, target, datasetSpec: o.dataset ?? target.run?.config.dataset.spec ?? null, split, seed };
}
