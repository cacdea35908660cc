/**
 * `geolens compare <dir-a> <dir-b> …`: several runs or models side by side — their separation curves on one plot and
 * their DIM spectra side by side from their saved results, and the topology distance between their final classifiers
 * (Wu et al. 2025; `compareFolders` → `runTopology`) on one labelled dataset, printed as a table and drawn in the page.
 */
import { resolve } from 'node:path';
import type { TopologyResult } from '../probes/topology/types.js';
import { compareLabels, writeCompare } from '../report/node.js';
import type { TopologyComparison } from '../studies/compare.js';
import { compareFolders } from '../studies/compare.node.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';
import { formatTable, HELP_FLAG, optionalNumberFlag, probeEngine, probeProgress, QUIET_FLAG, threadsFlag, THREADS_FLAG } from './probe-common.js';

const CMD = 'compare';

const FLAGS: FlagSpec = {
  out: { type: 'string', default: 'compare.html', help: 'the HTML file to write' },
  labels: { type: 'string', help: 'names of the runs, separated by commas [default: the folder names]' },
  dataset: { type: 'string', help: "labelled data of the topology distance (spec as in geolens train) [default: the held-out part of the runs' shared dataset]" },
  reading: { type: 'string', default: 'correctness', choices: ['correctness', 'disagreement'], help: 'the topology distance: correctness E|1[f(x)=y] − 1[f′(x)=y]| or disagreement P[argmax f(x) ≠ argmax f′(x)]' },
  n: { type: 'string', help: 'measure the topology distance on a seeded random subset of n points [default: all]' },
  seed: { type: 'string', help: 'seed of that subset and of a --dataset spec [default: 0]' },
  topology: { type: 'string', default: 'on', choices: ['on', 'off'], help: 'off: no topology distance (no model is loaded; the page is drawn from the saved results alone)' },
  threads: THREADS_FLAG,
  quiet: QUIET_FLAG,
  help: HELP_FLAG,
};

const SUMMARY = [
  'Put several analysed runs or models side by side (each folder: a run directory or analysis folder with results/, or',
  'a results folder): their separation curves on one plot, their DIM spectra side by side, and the topology distance',
  'between their final classifiers (Wu et al. 2025: both readings with Hoeffding intervals, MDS, and the parameter',
  'distance where the architectures match) on one labelled dataset. Runs that cannot be compared (other inputs or',
  'classes, different data without --dataset) are said so in the page.',
].join('\n');

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '—');

/** The pairs of the topology distance as printed lines: both readings, the interval, the parameter distance. */
export function comparisonLines(c: TopologyComparison): string[] {
  if (c.status !== 'ok') return [`topology distance: none — ${c.reason}`];
  const r: TopologyResult = c.result;
  const P = c.parameterDistance;
  const rows = [['run', 'run', 'd correctness', `${Number((100 * r.confidence).toPrecision(4))}% interval`, 'd disagreement', '‖w − w′‖₂']];
  const n = r.models.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      rows.push([r.models[i]!.name, r.models[j]!.name, f3(r.correctness.distance[i]![j]!), `${f3(r[r.reading].lower[i]![j]!)}–${f3(r[r.reading].upper[i]![j]!)}`, f3(r.disagreement.distance[i]![j]!), P[i]![j] !== null ? P[i]![j]!.toPrecision(4) : '—']);
    }
  }
  return [
    `topology distance (${r.reading} reading, Hoeffding ±${r.halfWidth.toFixed(3)} at ${Number((100 * r.confidence).toPrecision(4))}%) on ${c.data}:`,
    ...formatTable(rows, { right: [false, false, true, true, true, true], width: (s) => [...s].length }),
    ...(c.note ? [`  note: ${c.note}`] : []),
    ...(r.parameterDistance.distance ? [] : [`  ‖w − w′‖₂ only between runs of the same architecture ('—': ${r.parameterDistance.reason})`]),
  ];
}

export async function compareCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseFlags(CMD, argv, FLAGS);
  if (values.help) {
    out(usage('compare <dir-a> <dir-b> …', SUMMARY, FLAGS));
    return 0;
  }
  if (positionals.length < 2) throw new UsageError(`geolens compare: give at least two folders to compare (got ${positionals.length}).`);
  const labels = typeof values.labels === 'string' ? values.labels.split(',').map((s) => s.trim()) : compareLabels(positionals);
  if (labels.length !== positionals.length) throw new UsageError(`geolens compare: --labels names ${labels.length} runs, but ${positionals.length} folders are given.`);
  const n = optionalNumberFlag(CMD, 'n', values.n, { integer: true, min: 1 });
  const seed = optionalNumberFlag(CMD, 'seed', values.seed, { integer: true, min: 0 });
  let topology: TopologyComparison | undefined;
  if (values.topology === 'on') {
    const engine = probeEngine(threadsFlag(CMD, values));
    const progress = probeProgress(values);
    try {
      topology = await compareFolders(
        engine,
        positionals,
        labels,
        {
          reading: values.reading as 'correctness' | 'disagreement',
          ...(typeof values.dataset === 'string' ? { dataset: values.dataset } : {}),
          ...(n !== undefined ? { n } : {}),
          ...(seed !== undefined ? { seed } : {}),
        },
        (stage, d, t, detail) => progress.update(`topology ${stage}`, d, t, detail),
      );
    } finally {
      progress.done();
      await engine.dispose();
    }
    if (!values.quiet) out(comparisonLines(topology).join('\n'));
  }
  const file = await writeCompare(positionals, resolve(String(values.out)), labels, topology ? { topology } : {});
  out(`comparison: ${file}`);
  return 0;
}
