/**
 * Running a generalisation study on this machine (Node): the runs of the grid in parallel worker threads (each with
 * its own onnxruntime engine), finished runs kept on disk and skipped when the study is run again, then Kendall's τ
 * and the granulated coefficients between each magnitude quantity and each gap, written to `generalisation.json`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { GeolensError, type GeolensErrorCode } from '../../errors.js';
import type { ProbeProgress } from '../../measure/progress.js';
import { writeFileAtomic } from '../../models/node.js';
import { parseResult } from '../../probes/result.js';
import { VERSION } from '../../version.js';
import { expandGrid, type StudyGrid, type StudyRunSpec } from './grid.js';
import { granulatedKendall, type RankedRun } from './kendall.js';
import { recordFileOf } from './run-one.node.js';
import { STUDY_RUN_RECORD, STUDY_SCHEMA_VERSION } from './schema.js';
import type { GeneralisationStudyResult, StudyCorrelation, StudyRunRecord } from './types.js';

export interface StudyRunOptions {
  /** The study folder: grid.json, runs/<key>/ (each a run directory + study-run.json), generalisation.json. */
  dir: string;
  /** Worker threads (default: the cores, at most the runs left). */
  workers?: number;
  /** Stage 'runs': runs finished of all (finished earlier ones included). */
  onProgress?: ProbeProgress;
  /** Each run as it finishes (`resumed`: found on disk). */
  onRun?(record: StudyRunRecord, resumed: boolean): void;
  /** Polled between runs: when true no new run starts (runs in progress finish; the study resumes later). */
  shouldStop?(): boolean;
}

/** The study's correlations over finished runs (each magnitude quantity × each gap; axes lr and batch size). */
export function studyCorrelations(runs: StudyRunRecord[]): StudyCorrelation[] {
  const out: StudyCorrelation[] = [];
  const measures: [string, (r: StudyRunRecord) => number][] = [
    ['magnitude dimension (Euclidean)', (r) => r.magnitude.euclidean.magnitudeDimension],
    ['magnitude dimension (loss pseudometric ρ_S)', (r) => r.magnitude.loss.magnitudeDimension],
  ];
  for (const [measure, f] of measures) {
    for (const gap of ['accuracy gap', 'loss gap'] as const) {
      const ranked: RankedRun[] = runs
        .map((r) => ({ hyperparameters: r.hyperparameters, measure: f(r), gap: gap === 'accuracy gap' ? r.accuracyGap : r.lossGap }))
        .filter((r) => Number.isFinite(r.measure) && Number.isFinite(r.gap));
      out.push({ measure, gap, kendall: granulatedKendall(ranked, ['lr', 'batchSize']) });
    }
  }
  return out;
}

async function readRecord(dir: string, spec: StudyRunSpec): Promise<StudyRunRecord | null> {
  const file = join(dir, recordFileOf(spec.key));
  if (!existsSync(file)) return null;
  try {
    return parseResult(STUDY_RUN_RECORD, JSON.parse(await readFile(file, 'utf8')), file);
  } catch {
    return null; // a record from another version or a torn file: the run is redone
  }
}

/**
 * A worker thread running worker.node next to this module: the built .js in the package; in a clone running the
 * TypeScript sources, a bootstrap that registers tsx's loader in the worker first (loader hooks are per thread).
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.node.js', import.meta.url));
  const url = new URL('./worker.node.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api'); // resolved here: an eval'd worker would resolve from the working directory
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(url)}))`, { eval: true });
}

/**
 * Run (or resume) a generalisation study. Errors: BAD_ARGUMENT when the folder holds a study with another grid;
 * the first failing run's error (the others finish first; their records stay on disk); INTERRUPTED when stopped.
 */
export async function runGeneralisationStudy(grid: StudyGrid, o: StudyRunOptions): Promise<GeneralisationStudyResult> {
  mkdirSync(o.dir, { recursive: true });
  const gridFile = join(o.dir, 'grid.json');
  const gridText = JSON.stringify(grid, null, 2) + '\n';
  if (existsSync(gridFile) && (await readFile(gridFile, 'utf8')) !== gridText) {
    throw new GeolensError('BAD_ARGUMENT', `${o.dir} holds a study with another grid (grid.json); give another --out, or the same grid to resume it.`);
  }
  await writeFileAtomic(gridFile, gridText);
  const specs = expandGrid(grid);
  const records = new Map<string, StudyRunRecord>();
  const pending: StudyRunSpec[] = [];
  for (const spec of specs) {
    const r = await readRecord(o.dir, spec);
    if (r) {
      records.set(spec.key, r);
      o.onRun?.(r, true);
    } else pending.push(spec);
  }
  o.onProgress?.('runs', records.size, specs.length);

  const nWorkers = Math.max(1, Math.min(o.workers ?? availableParallelism(), pending.length));
  let failure: { message: string; code?: GeolensErrorCode } | undefined;
  if (pending.length) {
    const queue = [...pending];
    const workers = Array.from({ length: nWorkers }, () => startWorker());
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              const next = (): void => {
                const spec = failure || o.shouldStop?.() ? undefined : queue.shift();
                if (!spec) return resolve();
                w.once('message', (m: { record?: StudyRunRecord; error?: { message: string; code?: GeolensErrorCode } }) => {
                  if (m.record) {
                    records.set(spec.key, m.record);
                    o.onRun?.(m.record, false);
                    o.onProgress?.('runs', records.size, specs.length);
                  } else failure ??= { message: `study run ${spec.key}: ${m.error!.message}`, ...(m.error!.code ? { code: m.error!.code } : {}) };
                  next();
                });
                w.postMessage({ studyDir: o.dir, spec, lossSamples: grid.lossSamples });
              };
              w.once('error', (e) => {
                failure ??= { message: `a study worker failed: ${e.message}` };
                resolve();
              });
              next();
            }),
        ),
      );
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }
  if (failure) throw new GeolensError(failure.code ?? 'ENGINE', `${failure.message} (finished runs are kept in ${o.dir}; run the study again to resume).`);
  if (records.size < specs.length) throw new GeolensError('INTERRUPTED', `study stopped after ${records.size} of ${specs.length} runs; run it again with the same grid and --out to resume.`);

  const runs = specs.map((s) => records.get(s.key)!);
  const warnings: string[] = [];
  const flat = runs.filter((r) => r.accuracyGap === runs[0]!.accuracyGap).length === runs.length;
  if (flat) warnings.push('every run has the same accuracy gap: τ against the accuracy gap is undefined; train longer or vary the grid more.');
  const result: GeneralisationStudyResult = {
    schemaVersion: STUDY_SCHEMA_VERSION,
    probe: 'generalisation',
    geolensVersion: VERSION,
    grid,
    runs,
    correlations: studyCorrelations(runs),
    method:
      "Kendall's τ-b (as scipy.stats.kendalltau) between each run's magnitude dimension of its trajectory (the last recordLast recorded weight vectors; Euclidean distance, and the loss pseudometric ρ_S on lossSamples training samples) and its generalisation gap (accuracy: train − held-out; loss: held-out − train); granulated coefficients of Jiang et al. 2020: ψ_axis = mean τ over the groups of runs differing only in that axis (lr, batchSize), Ψ = their mean.",
    warnings,
  };
  await writeFileAtomic(join(o.dir, 'generalisation.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}
