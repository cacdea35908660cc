/**
 * `geolens probe magnitude`: the magnitude function t ↦ |tX| of a point cloud (Leinster; METHODS.md §3), its
 * magnitude-dimension profile and magnitude dimension — for a run's training trajectory (Euclidean or the loss
 * pseudometric), a layer's representation of data (run or .onnx), or a point cloud in an NPY / CSV file.
 * Parses flags, calls `runMagnitude`, writes `magnitude.json`, `magnitude.svg` and `magnitude-dimension.svg`.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { resultsDir, writeResult } from '../measure/node.js';
import { openMagnitudeSource, POINT_CLOUD_FILE } from '../probes/magnitude/node.js';
import { runMagnitude } from '../probes/magnitude/run.js';
import type { MagnitudeDistance, MagnitudeGrid, MagnitudeSolver } from '../probes/magnitude/types.js';
import { magnitudeDimensionChart, magnitudeFunctionChart } from '../report/magnitude.js';
import '../report/node.js'; // the DOM document the charts draw into (linkedom)
import { UsageError, type FlagSpec } from './args.js';
import { HELP_FLAG, JSON_FLAG, QUIET_FLAG, optionalNumberFlag, OUT_FLAG, probeArgs, probeEngine, probeProgress, threadsFlag, THREADS_FLAG } from './probe-common.js';
import { magnitudeLines } from './print-magnitude.js';

const CMD = 'probe magnitude';

const FLAGS: FlagSpec = {
  cloud: { type: 'string', choices: ['trajectory', 'representation', 'file'], help: 'the points: the weights over the last recorded steps of a run, a layer\'s representation of data, or a point-cloud file [default: trajectory for a run directory, representation for .onnx, file for .npy/.csv]' },
  distance: { type: 'string', choices: ['euclidean', 'loss'], default: 'euclidean', help: "trajectory: Euclidean distance between weight vectors, or the loss pseudometric ρ_S(w, w′) = (1/n) Σ_s |ℓ(w, z_s) − ℓ(w′, z_s)| on --n samples" },
  last: { type: 'string', help: 'trajectory: the last N recorded steps [default: all recorded]' },
  layer: { type: 'string', help: "representation: one layer (a tensor or layer name, or an op with one layer, as in probe separation --layers; 'input' for the raw data) [default: the last hidden layer]" },
  dataset: { type: 'string', help: "data for a representation or the loss pseudometric (spec as in geolens train) [default: the run's own dataset; required for an .onnx file]" },
  split: { type: 'string', choices: ['train', 'test', 'all'], help: "part of the run's own dataset [default: train]" },
  n: { type: 'string', default: '1000', help: 'data samples for a representation or the loss pseudometric (a seeded subset)' },
  seed: { type: 'string', default: '0', help: 'seed of the data subset' },
  solver: { type: 'string', choices: ['cholesky', 'cg'], default: 'cholesky', help: 'exact Cholesky, or conjugate gradient warm-started from scale to scale' },
  tolerance: { type: 'string', default: '1e-12', help: 'cg: stop at ‖Zw − 1‖₂ ≤ tolerance·√n' },
  grid: { type: 'string', choices: ['linear', 'log'], default: 'linear', help: 'spacing of the scales on [0, t_conv]' },
  'grid-from': { type: 'string', help: 'log grid: its smallest positive scale as a fraction of t_conv [default: 1/scales, as magnipy]' },
  scales: { type: 'string', default: '30', help: 'scales in the grid, t = 0 included (magnipy\'s n_ts)' },
  share: { type: 'string', default: '0.95', help: 'the convergence scale t_conv is where |tX| = share·n' },
  'batch-size': { type: 'string', help: 'samples per onnxruntime run when evaluating a model [default: 500]' },
  threads: THREADS_FLAG,
  out: OUT_FLAG,
  json: JSON_FLAG,
  quiet: QUIET_FLAG,
  help: HELP_FLAG,
};

const SUMMARY = [
  'Magnitude of a finite metric space: |tX| = Σ w_i where Z w = 1, Z_ij = exp(−t·d_ij). The magnitude function on',
  '[0, t_conv] (t_conv: where |tX| reaches share·n), the magnitude-dimension profile (slope of log|tX| against log t)',
  'and the magnitude dimension (its maximum), with scales chosen as the magnipy library does.',
  '',
  'e.g.: geolens probe magnitude <run-dir> [--last 200] [--distance euclidean|loss]      (training trajectory)',
  '      geolens probe magnitude <run-dir | model.onnx> --cloud representation [--layer block2] [--dataset spec]',
  '      geolens probe magnitude cloud.npy | cloud.csv                                   (one point per row)',
  'Writes magnitude.json, magnitude.svg and magnitude-dimension.svg.',
].join('\n');

export async function magnitudeCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const args = probeArgs(CMD, argv, FLAGS, SUMMARY, out);
  if (!args) return 0;
  const { values, path } = args;
  const threads = threadsFlag(CMD, values);
  const last = optionalNumberFlag(CMD, 'last', values.last, { integer: true, min: 1 });
  const n = optionalNumberFlag(CMD, 'n', values.n, { integer: true, min: 2 })!;
  const seed = optionalNumberFlag(CMD, 'seed', values.seed, { integer: true, min: 0 })!;
  const scales = optionalNumberFlag(CMD, 'scales', values.scales, { integer: true, min: 3 })!;
  const share = optionalNumberFlag(CMD, 'share', values.share, { min: 0, max: 1 })!;
  if (!(share > 0 && share < 1)) throw new UsageError(`geolens ${CMD}: --share must be strictly between 0 and 1 (got ${share}).`);
  const gridFrom = optionalNumberFlag(CMD, 'grid-from', values['grid-from'], { min: 0, max: 1 });
  if (gridFrom !== undefined && values.grid !== 'log') throw new UsageError(`geolens ${CMD}: --grid-from sets where a log grid starts; add --grid log.`);
  const tolerance = optionalNumberFlag(CMD, 'tolerance', values.tolerance, { min: 0 })!;
  const batchSize = optionalNumberFlag(CMD, 'batch-size', values['batch-size'], { integer: true, min: 1 });
  const dataset = typeof values.dataset === 'string' ? values.dataset : undefined;
  const split = values.split as 'train' | 'test' | 'all' | undefined;
  if (dataset !== undefined && split !== undefined) throw new UsageError(`geolens ${CMD}: --split picks a part of the run's own dataset; with --dataset choose the part in the spec (e.g. idx:<dir>#split=test).`);
  const cloudFlag = values.cloud as 'trajectory' | 'representation' | 'file' | undefined;
  const distance = values.distance as MagnitudeDistance;
  if (last !== undefined && cloudFlag !== undefined && cloudFlag !== 'trajectory') throw new UsageError(`geolens ${CMD}: --last picks recorded steps of a trajectory; it does not apply to --cloud ${cloudFlag}.`);
  if (typeof values.layer === 'string' && cloudFlag !== 'representation' && !/\.onnx$/i.test(path)) throw new UsageError(`geolens ${CMD}: --layer picks the layer of a representation; add --cloud representation.`);
  const quiet = values.quiet === true;
  const asJson = values.json === true;

  const opened = await openMagnitudeSource(path, {
    ...(cloudFlag ? { cloud: cloudFlag } : {}),
    distance,
    ...(last !== undefined ? { last } : {}),
    ...(typeof values.layer === 'string' ? { layer: values.layer } : {}),
    ...(dataset !== undefined ? { dataset } : {}),
    ...(split ? { split } : {}),
    seed,
  });
  // results next to what was measured: <run>/results, <model>.results, <cloud>.results (or --out)
  const dir =
    typeof values.out === 'string'
      ? resolve(values.out)
      : opened.source.kind === 'points'
        ? join(dirname(resolve(path)), basename(path).replace(POINT_CLOUD_FILE, '') + '.results')
        : resultsDir(opened.target!);
  const progress = probeProgress(values);
  const engine = probeEngine(threads, { maxSessions: 8 });
  const t0 = Date.now();
  try {
    const { result } = await runMagnitude(
      engine,
      opened.source,
      { solver: values.solver as MagnitudeSolver, tolerance, grid: values.grid as MagnitudeGrid, scales, share, n, seed, ...(gridFrom !== undefined ? { gridFrom } : {}), datasetSpec: opened.datasetSpec, split: opened.split, ...(batchSize !== undefined ? { batchSize } : {}) },
      (stage, d, t, detail) => progress.update(stage, d, t, detail),
    );
    progress.done();
    const written = await writeResult(dir, 'magnitude', result, { '': magnitudeFunctionChart(result), dimension: magnitudeDimensionChart(result) });
    if (asJson) {
      out(JSON.stringify(result, null, 2));
      return 0;
    }
    for (const l of magnitudeLines(result, path, { quiet })) out(l);
    out('');
    out(`wrote ${written.join(', ')} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    return 0;
  } finally {
    progress.done();
    await engine.dispose();
  }
}
