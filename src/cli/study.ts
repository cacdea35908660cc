/**
 * `geolens study generalisation`: train a grid of runs (learning rates × batch sizes × seeds) on one dataset, measure
 * the magnitude dimension of each run's trajectory (Euclidean and loss pseudometric) and its generalisation gap, and
 * report Kendall's τ and the granulated Kendall coefficients between them. Runs in parallel worker threads; an
 * interrupted study resumes without redoing finished runs.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseStudyGrid, parseStudyGridText, type StudyGridInput } from '../studies/generalisation/grid.js';
import { runGeneralisationStudy } from '../studies/generalisation/node.js';
import type { GeneralisationStudyResult } from '../studies/generalisation/types.js';
import { writeResult } from '../measure/node.js';
import '../report/node.js'; // the DOM document the charts draw into (linkedom)
import { studyScatterChart } from '../report/study.js';
import { numberFlag, parseFlags, parseWidths, usage, UsageError, type FlagSpec } from './args.js';
import { formatTable } from './probe-common.js';
import { gracefulInterrupt } from './interrupt.js';
import { createProgress } from './progress.js';
import { studyManifoldCommand } from './study-manifold.js';

const CMD = 'study generalisation';
const list = (name: string, v: string | boolean | undefined, integer: boolean): number[] | undefined =>
  typeof v === 'string' ? v.split(',').map((x) => numberFlag(CMD, name, x, { integer, min: integer ? 0 : Number.MIN_VALUE })) : undefined;

const FLAGS: FlagSpec = {
  grid: { type: 'string', help: 'a JSON or YAML file with the grid (keys: dataset, widths, batchNorm, optimizer, weightDecay, epochs, lr, batchSize, seed, testFraction, limit, recordLast, lossSamples); flags override it' },
  dataset: { type: 'string', help: 'dataset spec [default: manifold]' },
  widths: { type: 'string', help: 'MLP hidden widths, e.g. 64x2 [default: 64x2]' },
  optimizer: { type: 'string', choices: ['sgd', 'momentum', 'adam'], help: 'optimizer [default: sgd]' },
  epochs: { type: 'string', help: 'epochs per run [default: 20]' },
  lr: { type: 'string', help: 'learning rates, e.g. 0.01,0.03,0.1 [default]' },
  'batch-size': { type: 'string', help: 'batch sizes, e.g. 32,128 [default]' },
  seed: { type: 'string', help: 'seeds, e.g. 1,2 [default]' },
  limit: { type: 'string', help: 'use only the first N samples of the dataset' },
  'record-last': { type: 'string', help: 'trajectory: the weights of the last N steps [default: 200]' },
  'loss-samples': { type: 'string', help: 'training samples of the loss pseudometric ρ_S [default: 500]' },
  workers: { type: 'string', help: 'parallel runs (worker threads, one onnxruntime thread each) [default: all cores]' },
  out: { type: 'string', help: 'study folder (runs/<key>/, grid.json, generalisation.json) [default: studies/generalisation-<dataset>]' },
  json: { type: 'boolean', default: false, help: 'print the result as JSON' },
  quiet: { type: 'boolean', default: false, help: 'no progress output' },
  help: { type: 'boolean', short: 'h', default: false, help: 'show this help' },
};

const SUMMARY = [
  'Magnitude and generalisation (Andreeva et al. 2023): train a grid of runs, measure the magnitude dimension of each',
  "run's trajectory (the last recorded weight vectors; Euclidean distance and the loss pseudometric ρ_S) and its",
  'generalisation gap, and report Kendall τ and the granulated Kendall coefficients (over lr, over batch size, mean).',
].join('\n');

const f3 = (v: number): string => (Number.isFinite(v) ? (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(3) : '—');

/** The table of Kendall coefficients. */
export function correlationLines(r: GeneralisationStudyResult): string[] {
  const rows = [['measure', 'gap', 'τ (all runs)', 'ψ lr', 'ψ batch size', 'Ψ (mean)']];
  for (const c of r.correlations) rows.push([c.measure, c.gap, f3(c.kendall.overall), f3(c.kendall.perAxis.lr?.psi ?? NaN), f3(c.kendall.perAxis.batchSize?.psi ?? NaN), f3(c.kendall.average)]);
  return formatTable(rows, { right: [false, false, true, true, true, true], width: (c) => [...c].length });
}

export async function studyCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const [kind, ...rest] = argv;
  if (!kind || kind === '--help' || kind === '-h') {
    out(['usage: geolens study <generalisation | manifold-complexity> [options]', '', 'studies:', '  generalisation       magnitude dimension of training trajectories vs the generalisation gap', '  manifold-complexity  linear pieces a fixed architecture cuts a manifold into vs the pieces it needs, and the fit'].join('\n'));
    return kind ? 0 : 2;
  }
  if (kind === 'manifold-complexity') return studyManifoldCommand(rest, out);
  if (kind !== 'generalisation') throw new UsageError(`geolens study: unknown study '${kind}'; choose: generalisation, manifold-complexity.`);
  const { values, positionals } = parseFlags(CMD, rest, FLAGS);
  if (values.help) {
    out(usage(CMD, SUMMARY, FLAGS));
    return 0;
  }
  if (positionals.length) throw new UsageError(`geolens ${CMD}: takes no positional arguments (got ${positionals.join(' ')}).`);
  const file = typeof values.grid === 'string' ? values.grid : undefined;
  const fromFile = file ? parseStudyGridText(await readFile(file, 'utf8'), file) : {};
  const over: StudyGridInput = {
    ...(typeof values.dataset === 'string' ? { dataset: values.dataset } : {}),
    ...(typeof values.widths === 'string' ? { widths: parseWidths(CMD, values.widths) } : {}),
    ...(typeof values.optimizer === 'string' ? { optimizer: values.optimizer as 'sgd' } : {}),
    ...(values.epochs !== undefined ? { epochs: numberFlag(CMD, 'epochs', values.epochs, { integer: true, min: 1 }) } : {}),
    ...(values.limit !== undefined ? { limit: numberFlag(CMD, 'limit', values.limit, { integer: true, min: 10 }) } : {}),
    ...(values['record-last'] !== undefined ? { recordLast: numberFlag(CMD, 'record-last', values['record-last'], { integer: true, min: 3 }) } : {}),
    ...(values['loss-samples'] !== undefined ? { lossSamples: numberFlag(CMD, 'loss-samples', values['loss-samples'], { integer: true, min: 1 }) } : {}),
  };
  const lr = list('lr', values.lr, false);
  const batchSize = list('batch-size', values['batch-size'], true);
  const seed = list('seed', values.seed, true);
  const grid = parseStudyGrid({ ...fromFile, ...over, ...(lr ? { lr } : {}), ...(batchSize ? { batchSize } : {}), ...(seed ? { seed } : {}) }, file ?? 'flags');
  const workers = values.workers !== undefined ? numberFlag(CMD, 'workers', values.workers, { integer: true, min: 1 }) : undefined;
  const dir = resolve(typeof values.out === 'string' ? values.out : `studies/generalisation-${grid.dataset.replace(/[^\w.-]+/g, '_')}`);
  const progress = createProgress(process.stderr, { quiet: values.quiet === true || values.json === true });
  const interrupt = gracefulInterrupt(progress, 'no new runs start; runs in progress finish, and finished runs are kept');
  const t0 = Date.now();
  let result: GeneralisationStudyResult;
  try {
    result = await runGeneralisationStudy(grid, {
      dir,
      ...(workers !== undefined ? { workers } : {}),
      shouldStop: interrupt.stopped,
      onProgress: (stage, d, t) => progress.update(stage, d, t),
      onRun: (r, resumed) =>
        progress.line(
          `${resumed ? 'kept' : 'done'} lr ${r.hyperparameters.lr} batch ${r.hyperparameters.batchSize} seed ${r.hyperparameters.seed}: held-out acc ${(100 * r.testAccuracy).toFixed(1)}%, gap ${(100 * r.accuracyGap).toFixed(1)} pts / loss ${r.lossGap.toFixed(3)}; magnitude dimension ${r.magnitude.euclidean.magnitudeDimension.toFixed(3)} (Euclidean), ${r.magnitude.loss.magnitudeDimension.toFixed(3)} (ρ_S)${resumed ? '' : ` (${r.seconds.toFixed(1)}s)`}`,
        ),
    });
  } finally {
    progress.done();
    interrupt.dispose();
  }
  // the plots next to generalisation.json (rewritten with them, atomically)
  const plots: Record<string, string> = {};
  for (const d of ['euclidean', 'loss'] as const) for (const g of ['accuracy gap', 'loss gap'] as const) plots[`${d}-${g.split(' ')[0]}`] = studyScatterChart(result, d, g);
  const written = await writeResult(dir, 'generalisation', result, plots);
  if (values.json === true) {
    out(JSON.stringify(result, null, 2));
    return 0;
  }
  out(`generalisation study: ${result.runs.length} runs on ${grid.dataset} (MLP ${grid.widths.join('×')}, ${grid.optimizer}, ${grid.epochs} epochs, trajectory: last ${grid.recordLast} steps) in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  out('Kendall coefficients between the magnitude dimension of the trajectory and the generalisation gap:');
  for (const l of correlationLines(result)) out(l);
  for (const w of result.warnings) out(`warning: ${w}`);
  out('');
  out(`wrote ${written.join(', ')} (runs in ${dir}/runs/)`);
  return 0;
}
