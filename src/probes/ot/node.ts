/**
 * Node adapter of the OT probe: open an autoencoder run directory (definition, trained weights, its training data),
 * and write / read the potential h as a checkpoint (`ot-potential.safetensors`) so that a long solve resumes.
 */
import { existsSync } from 'node:fs';
import { loadDataset } from '../../data/node.js';
import type { Dataset } from '../../data/types.js';
import { GeolensError } from '../../errors.js';
import { finalWeights } from '../../measure/node.js';
import { isAutoencoder } from '../../models/index.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../../models/node.js';
import type { RunConfig } from '../../train/config.js';
import { openRun } from '../../train/node.js';
import { splitForRun } from '../../train/run-split.js';
import type { OtSource } from './compute.js';
import type { OtAutoencoder, OtCheckpoint } from './run.js';
import type { OtHistoryEntry } from './types.js';

/** An autoencoder run opened for the OT probe. */
export interface AutoencoderRun extends OtAutoencoder {
  dir: string;
  config: RunConfig;
  /** The weights' file (final.safetensors, else the last checkpoint). */
  weightsFile: string;
}

/**
 * Open a run directory trained with `geolens train --model autoencoder`: its definition and final weights (the last
 * checkpoint when the run has not finished). Errors: FILE_NOT_FOUND, BAD_FILE, BAD_MODEL (a classifier run).
 */
export async function openAutoencoderRun(dir: string): Promise<AutoencoderRun> {
  if (!existsSync(dir)) throw new GeolensError('FILE_NOT_FOUND', `${dir} does not exist; give the run directory of an autoencoder (geolens train --model autoencoder --out <dir>).`);
  const { run, config, def, checkpoints } = await openRun(dir);
  if (!isAutoencoder(def)) {
    throw new GeolensError('BAD_MODEL', `${dir} holds a ${def.config.kind} classifier; OT in latent space needs an autoencoder run (geolens train --model autoencoder --bottleneck 8 --out <dir>). A classifier goes to --classifier.`);
  }
  const { params, weightsFile } = await finalWeights(dir, def, run, checkpoints);
  return { def, params, source: dir, dir, config, weightsFile };
}

/** The data of an autoencoder run: its own dataset's training part (default), held-out part or all of it. */
export async function autoencoderRunData(r: AutoencoderRun, split: 'train' | 'test' | 'all' = 'train'): Promise<Dataset> {
  const full = await loadDataset(r.config.dataset.spec, { seed: r.config.train.seed });
  if (split === 'all') return full;
  const parts = splitForRun(full, r.config);
  const ds = split === 'train' ? parts.train : parts.test;
  if (ds.y.length === 0) throw new GeolensError('BAD_ARGUMENT', `${r.dir}: the ${split} part of ${full.name} is empty; use --split all.`);
  return ds;
}

const FORMAT = 'geolens-ot-potential';

/**
 * Write the solver state (h, Adam moments as float64, metadata: step, batches, history, …) atomically. The file is
 * both the checkpoint a solve resumes from and the solved potential: h in the normalised units of ot.json's
 * `targets` (ŷ = (y − centre) / scale).
 */
export async function saveOtCheckpoint(file: string, c: OtCheckpoint): Promise<void> {
  const n = c.state.h.length;
  await writeSafetensorsFile(
    file,
    { h: { data: c.state.h, shape: [n] }, adam_m: { data: c.state.m, shape: [n] }, adam_v: { data: c.state.v, shape: [n] } },
    {
      format: FORMAT,
      step: String(c.state.step),
      batches: String(c.state.batches),
      bestNorm: String(c.state.bestNorm),
      badSteps: String(c.state.badSteps),
      lrScale: String(c.state.lrScale),
      targetsHash: c.targetsHash,
      source: c.source,
      samples: String(c.samples),
      seconds: String(c.seconds),
      history: JSON.stringify(c.history),
    },
  );
}

/** Read a checkpoint written by saveOtCheckpoint. Errors: FILE_NOT_FOUND, BAD_FILE. */
export async function loadOtCheckpoint(file: string): Promise<OtCheckpoint> {
  const st = await readSafetensorsFile(file);
  const m = st.metadata;
  const vec = (k: string): Float64Array => {
    const t = st.tensors[k];
    if (!t || !(t.data instanceof Float64Array)) throw new GeolensError('BAD_FILE', `${file}: no float64 tensor '${k}'; not an OT checkpoint (delete it to start afresh).`);
    return t.data;
  };
  if (m.format !== FORMAT) throw new GeolensError('BAD_FILE', `${file}: not an OT potential file (format '${m.format ?? ''}'); delete it or choose another --out.`);
  const num = (k: string): number => {
    const v = Number(m[k]);
    if (m[k] === undefined || Number.isNaN(v)) throw new GeolensError('BAD_FILE', `${file}: metadata '${k}' is missing or not a number.`);
    return v;
  };
  let history: OtHistoryEntry[];
  try {
    history = JSON.parse(m.history ?? '[]') as OtHistoryEntry[];
  } catch {
    throw new GeolensError('BAD_FILE', `${file}: the history in its metadata is not JSON.`);
  }
  return {
    state: { step: num('step'), h: vec('h'), m: vec('adam_m'), v: vec('adam_v'), batches: num('batches'), bestNorm: num('bestNorm'), badSteps: num('badSteps'), lrScale: m.lrScale === undefined ? 1 : num('lrScale') },
    history,
    targetsHash: m.targetsHash ?? '',
    source: (m.source ?? 'uniform') as OtSource,
    samples: num('samples'),
    seconds: num('seconds'),
  };
}
