/**
 * The run directory (Node adapter). Layout:
 *   config.json               what was run (dataset, model, optimiser, seed) — written once
 *   run.json                  status: running | complete | interrupted, epochs done, step
 *   metrics.jsonl             one JSON line per completed epoch
 *   weights/epoch-NNNN.safetensors   checkpoint after epoch NNNN (params, buffers, `optim/…` slots; metadata epoch, step)
 *   weights/final.safetensors final params and buffers
 *   model.onnx                eval-mode graph with the final weights (an autoencoder's: x → reconstruction)
 *   encoder.onnx, decoder.onnx  autoencoders: input → code and code → reconstruction
 *   trajectory.safetensors    `step` [T] and each parameter stacked [T, …shape]
 * Every file is written atomically (temp file + rename), so a crash or Ctrl-C leaves the last complete state.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GeolensError } from '../errors.js';
import { autoencoderGraphs, buildModel, exportModel, isAutoencoder, type ModelDef, type Weights } from '../models/index.js';
import { readSafetensorsFile, writeFileAtomic, writeSafetensorsFile } from '../models/node.js';
import type { SafetensorsInput } from '../models/safetensors.js';
import { RUN_SCHEMA_VERSION, type RunConfig, type RunStatus } from './config.js';
import type { EpochMetrics } from './loop.js';
import type { TrainerState } from './trainer.js';
import { stackTrajectory, unstackTrajectory, type TrajectorySnapshot } from './trajectory.js';

export { RUN_SCHEMA_VERSION, type RunConfig, type RunStatus } from './config.js';

const pad = (e: number): string => String(e).padStart(4, '0');

export class RunDir {
  private metrics: EpochMetrics[] = [];
  constructor(readonly dir: string) {}

  path(...p: string[]): string {
    return join(this.dir, ...p);
  }

  static async create(dir: string, config: RunConfig): Promise<RunDir> {
    if (existsSync(join(dir, 'config.json'))) {
      throw new GeolensError('BAD_ARGUMENT', `${dir} already holds a run; pass --resume to continue it, or choose another --out.`);
    }
    await mkdir(join(dir, 'weights'), { recursive: true });
    const r = new RunDir(dir);
    await writeFileAtomic(r.path('config.json'), JSON.stringify(config, null, 2) + '\n');
    await r.writeMetrics([]);
    return r;
  }

  static async open(dir: string): Promise<{ run: RunDir; config: RunConfig; status: RunStatus | undefined }> {
    const cfgPath = join(dir, 'config.json');
    if (!existsSync(cfgPath)) throw new GeolensError('FILE_NOT_FOUND', `${dir} is not a geolens run directory (no config.json); run 'geolens train --out ${dir}' first.`);
    const config = JSON.parse(await readFile(cfgPath, 'utf8')) as RunConfig;
    if (config.schemaVersion !== RUN_SCHEMA_VERSION) throw new GeolensError('BAD_FILE', `${cfgPath}: schemaVersion ${config.schemaVersion} is not supported (expected ${RUN_SCHEMA_VERSION}).`);
    const run = new RunDir(dir);
    const statusPath = join(dir, 'run.json');
    const status = existsSync(statusPath) ? (JSON.parse(await readFile(statusPath, 'utf8')) as RunStatus) : undefined;
    const mPath = join(dir, 'metrics.jsonl');
    if (existsSync(mPath)) {
      run.metrics = (await readFile(mPath, 'utf8'))
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as EpochMetrics);
    }
    return { run, config, status };
  }

  async setStatus(s: Omit<RunStatus, 'updatedAt'>): Promise<void> {
    await writeFileAtomic(this.path('run.json'), JSON.stringify({ ...s, updatedAt: new Date().toISOString() }, null, 2) + '\n');
  }

  private async writeMetrics(m: EpochMetrics[]): Promise<void> {
    this.metrics = m;
    await writeFileAtomic(this.path('metrics.jsonl'), m.map((l) => JSON.stringify(l)).join('\n') + (m.length ? '\n' : ''));
  }

  /** Append an epoch's metrics (the file is rewritten atomically, so it never holds a torn line). */
  async appendMetrics(m: EpochMetrics): Promise<void> {
    await this.writeMetrics([...this.metrics.filter((x) => x.epoch < m.epoch), m]);
  }

  /** Keep only epochs ≤ `epoch` (on resume from that checkpoint). */
  async truncateMetrics(epoch: number): Promise<void> {
    await this.writeMetrics(this.metrics.filter((x) => x.epoch <= epoch));
  }

  get metricsHistory(): readonly EpochMetrics[] {
    return this.metrics;
  }

  async saveCheckpoint(epoch: number, state: TrainerState): Promise<void> {
    const tensors: Record<string, SafetensorsInput> = {};
    for (const [k, v] of Object.entries(state.params)) tensors[k] = v;
    for (const [k, v] of Object.entries(state.buffers)) tensors[k] = v;
    for (const [k, v] of Object.entries(state.optimizer)) tensors[`optim/${k}`] = v;
    await writeSafetensorsFile(this.path('weights', `epoch-${pad(epoch)}.safetensors`), tensors, { epoch: String(epoch), step: String(state.step), format: 'geolens-checkpoint' });
  }

  /** Epoch numbers that have a checkpoint, ascending. */
  async checkpointEpochs(): Promise<number[]> {
    const dir = this.path('weights');
    if (!existsSync(dir)) return [];
    return (await readdir(dir))
      .map((f) => /^epoch-(\d+)\.safetensors$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  async loadCheckpoint(epoch: number, def: ModelDef): Promise<TrainerState> {
    const file = this.path('weights', `epoch-${pad(epoch)}.safetensors`);
    const st = await readSafetensorsFile(file);
    const get = (name: string): { data: Float32Array; shape: number[] } => {
      const t = st.tensors[name];
      if (!t || !(t.data instanceof Float32Array)) throw new GeolensError('BAD_FILE', `${file}: missing float32 tensor '${name}'; the checkpoint does not match config.json.`);
      return { data: t.data, shape: [...t.shape] };
    };
    const params: Weights = {};
    for (const p of def.params) params[p.name] = get(p.name);
    const buffers: Weights = {};
    for (const b of def.buffers) buffers[b.name] = get(b.name);
    const optimizer: Weights = {};
    for (const k of Object.keys(st.tensors)) if (k.startsWith('optim/')) optimizer[k.slice(6)] = get(k);
    return { step: Number(st.metadata.step ?? 0), params, buffers, optimizer };
  }

  async saveTrajectory(snaps: TrajectorySnapshot[]): Promise<void> {
    const { steps, tensors } = stackTrajectory(snaps);
    await writeSafetensorsFile(this.path('trajectory.safetensors'), { ...tensors, step: { data: BigInt64Array.from(steps.map(BigInt)), shape: [steps.length] } }, { format: 'geolens-trajectory' });
  }

  async loadTrajectory(): Promise<TrajectorySnapshot[]> {
    const file = this.path('trajectory.safetensors');
    if (!existsSync(file)) return [];
    const st = await readSafetensorsFile(file);
    const stepT = st.tensors.step;
    if (!stepT) throw new GeolensError('BAD_FILE', `${file}: no 'step' tensor.`);
    const steps = Array.from(stepT.data as BigInt64Array, Number);
    const tensors: Record<string, { data: Float32Array; shape: number[] }> = {};
    for (const [k, t] of Object.entries(st.tensors)) if (k !== 'step') tensors[k] = { data: t.data as Float32Array, shape: [...t.shape] };
    return unstackTrajectory(steps, tensors);
  }

  /** Final weights and the eval-mode ONNX model (an autoencoder's encoder and decoder too). */
  async saveFinal(def: ModelDef, params: Weights, buffers: Weights): Promise<void> {
    await writeSafetensorsFile(this.path('weights', 'final.safetensors'), { ...params, ...buffers }, { format: 'geolens-weights', model: JSON.stringify(def.config) });
    const metadata = { geolens_model: JSON.stringify(def.config) };
    if (isAutoencoder(def)) {
      const { encoder, decoder } = autoencoderGraphs(def, params);
      await writeFileAtomic(this.path('encoder.onnx'), encoder.toBytes({ metadata }));
      await writeFileAtomic(this.path('decoder.onnx'), decoder.toBytes({ metadata }));
    }
    await writeFileAtomic(this.path('model.onnx'), exportModel(def, params, buffers).toBytes({ metadata }));
  }
}

/** Open a finished (or interrupted) run for probing: its model definition and the weights of any checkpoint. */
export async function openRun(dir: string): Promise<{ run: RunDir; config: RunConfig; def: ModelDef; checkpoints: number[] }> {
  const { run, config } = await RunDir.open(dir);
  return { run, config, def: buildModel(config.model), checkpoints: await run.checkpointEpochs() };
}
