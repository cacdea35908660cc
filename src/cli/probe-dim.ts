/**
 * `geolens probe dim`: the Data Information Matrix D(x) = Jᵀ(diag p − ppᵀ)J of a classifier (METHODS.md §2) at data
 * points — per-point spectra, foliation walks along / across the data leaves, and distances between the spectra of
 * one model on several datasets. Parses flags, calls `runDim`, writes `dim.json` + `dim-spectrum.svg` (with --walk
 * `dim-walks.json`, `dim-foliation.svg` for 2-D inputs, `dim-walks.png` for images; with --compare
 * `dim-distances.json` + `.svg`) and prints tables.
 */
import { resolve } from 'node:path';
import { loadDataset } from '../data/node.js';
import { DATASET_TRANSFORM_SPECS, parseDatasetTransform, transformName, type DatasetTransform } from '../data/shifts.js';
import { openTarget, probeData, writeResult } from '../measure/node.js';
import { DIM_DEFAULT_RTOL } from '../probes/dim/compute.js';
import { RESAMPLE, runDim, type DimCompareItem } from '../probes/dim/run.js';
import { dimDistancesChart, dimFoliationChart, dimSpectrumChart, dimWalksPng } from '../report/dim.js';
import '../report/node.js'; // the DOM document the charts draw into (linkedom)
import { numberFlag, UsageError, type FlagSpec } from './args.js';
import { dataFlags, formatTable, HELP_FLAG, JSON_FLAG, QUIET_FLAG, optionalNumberFlag, OUT_FLAG, probeArgs, probeEngine, probeProgress, probeResultsDir, threadsFlag, THREADS_FLAG } from './probe-common.js';
import { printDimDistances, printDimSpectrum, printDimWalks } from './print-dim.js';

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
  json: JSON_FLAG,
  quiet: QUIET_FLAG,
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


export async function dimCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const args = probeArgs(CMD, argv, FLAGS, SUMMARY, out);
  if (!args) return 0;
  const { values, path } = args;
  const n = numberFlag(CMD, 'n', values.n, { integer: true, min: 2 });
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
  const dataset = await probeData(target, { ...data, seed });
  if (compare?.some((it) => it.spec === RESAMPLE) && n >= dataset.y.length) {
    throw new UsageError(`geolens ${CMD}: --compare ${RESAMPLE}: --n ${n} measures all ${dataset.y.length} points of ${dataset.name}, so there are no other points to resample (the distance would be 0); lower --n (e.g. --n ${Math.max(1, Math.floor(dataset.y.length / 2))}).`);
  }
  // compared datasets are loaded (and checked by runDim) first, so that a bad spec fails before any work
  const items: DimCompareItem[] = [];
  for (const it of compare ?? []) items.push(it.transform ? { spec: it.spec, transform: it.transform } : it.spec === RESAMPLE ? { spec: RESAMPLE } : { spec: it.spec, data: await loadDataset(it.spec, { seed }) });
  const engine = probeEngine(threads);
  const dir = probeResultsDir(target, values);
  const onProgress = (stage: string, d: number, t: number): void => progress.update(stage, d, t);
  try {
    const run = await runDim(
      engine,
      target.model,
      dataset,
      {
        n,
        seed,
        rtol,
        ...(batchSize !== undefined ? { batchSize } : {}),
        source: { path: resolve(target.path), kind: target.kind },
        datasetSpec: typeof values.dataset === 'string' ? values.dataset : (target.run?.config.dataset.spec ?? null),
        ...(walkMode ? { walk: { mode: walkMode, steps: walkSteps, points: walkPoints, grid: walkGrid, ...(walkStepSize !== undefined ? { stepSize: walkStepSize } : {}) } } : {}),
        ...(items.length ? { compare: items } : {}),
      },
      onProgress,
    );
    progress.done();
    const { spectrum, walks, distances } = run;
    const K = Math.min(spectrum.model.numClasses - 1, spectrum.model.inputDim);
    const written = await writeResult(dir, 'dim', spectrum, { spectrum: dimSpectrumChart(spectrum) });
    const lines = printDimSpectrum(spectrum, target.path, dataset.y.length);
    if (walks) {
      const foliation = dimFoliationChart(walks, run.points.x.data, run.points.y);
      written.push(...(await writeResult(dir, 'dim-walks', walks, {}, { ...(run.walkFrames ? { 'dim-walks.png': dimWalksPng(run.walkFrames, walks.images?.scale) } : {}), ...(foliation ? { 'dim-foliation.svg': foliation } : {}) })));
      lines.push(...printDimWalks(walks));
    }
    if (distances) {
      written.push(...(await writeResult(dir, 'dim-distances', distances, { '': dimDistancesChart(distances, K) })));
      lines.push(...printDimDistances(distances, K));
    }
    if (json) {
      out(JSON.stringify({ dim: spectrum, ...(walks ? { walks } : {}), ...(distances ? { distances } : {}), files: written }, null, 2));
    } else {
      for (const l of lines) out(l);
      out('');
      out(`wrote ${written.join(', ')}`);
    }
    return 0;
  } finally {
    progress.done();
    await engine.dispose();
  }
}
