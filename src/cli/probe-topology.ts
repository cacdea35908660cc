/**
 * `geolens probe topology`: the metric topology of classifiers (Wu, Huang, Li, Liu 2025; METHODS.md §4) — the
 * probabilistic distances between several networks (the checkpoints of one run, the final models of several runs,
 * .onnx files) with Hoeffding intervals, equivalence classes, a classical-MDS embedding, checks, and the parameter
 * distance of the same pairs. Parses flags, calls `runTopology`, writes `topology.json` + `topology-distances.svg` +
 * `topology-mds.svg` (+ `topology-parameters.svg` when the architectures match) and prints tables.
 */
import { basename, resolve } from 'node:path';
import { openTarget, probeData, writeResult } from '../measure/node.js';
import type { ProbeTarget } from '../measure/target.js';
import { runTopology, TOPOLOGY_DEFAULT_CONFIDENCE, TOPOLOGY_DEFAULT_TIE_EPSILON, type TopologyModel } from '../probes/topology/run.js';
import type { TopologyReading } from '../probes/topology/types.js';
import { topologyDistancesChart, topologyMdsChart, topologyParametersChart } from '../report/topology.js';
import '../report/node.js'; // the DOM document the charts draw into (linkedom)
import { numberFlag, parseFlags, usage, UsageError, type FlagSpec } from './args.js';
import { dataFlags, HELP_FLAG, JSON_FLAG, optionalNumberFlag, probeEngine, probeProgress, probeResultsDir, threadsFlag, THREADS_FLAG } from './probe-common.js';
import { topologyLines } from './print-topology.js';

const CMD = 'probe topology';

const FLAGS: FlagSpec = {
  reading: { type: 'string', default: 'correctness', choices: ['correctness', 'disagreement'], help: 'the distance: correctness E|1[f_w(x)=y] − 1[f_w′(x)=y]| or disagreement P[argmax f_w(x) ≠ argmax f_w′(x)] (both are computed; this one defines classes and plots)' },
  confidence: { type: 'string', default: String(TOPOLOGY_DEFAULT_CONFIDENCE), help: 'confidence 1 − δ of the Hoeffding intervals' },
  'tie-epsilon': { type: 'string', default: String(TOPOLOGY_DEFAULT_TIE_EPSILON), help: 'a point is tied for a network when its top-2 softmax probabilities differ by ≤ ε' },
  checkpoints: { type: 'string', default: 'all', help: "for one run directory: 'all' or the epochs to compare, e.g. 0,5,10" },
  dataset: { type: 'string', help: "labelled data (spec as in geolens train, e.g. idx:../shared/data/mnist) [default: the first run's held-out part; required when only .onnx files are given]" },
  split: { type: 'string', choices: ['train', 'test', 'all'], help: "part of the run's own dataset [default: test]" },
  n: { type: 'string', help: 'use a seeded random subset of n points [default: all]' },
  seed: { type: 'string', help: "seed of the subset and of the dataset spec [default: the first run's seed, else 0]" },
  'batch-size': { type: 'string', default: '500', help: 'samples per onnxruntime run' },
  out: { type: 'string', help: 'results folder [default: <first run>/results, or <model>.results next to the first .onnx file]' },
  json: JSON_FLAG,
  threads: THREADS_FLAG,
  quiet: { type: 'boolean', default: false, help: 'no progress bar; print the chosen reading only' },
  help: HELP_FLAG,
};

const SUMMARY = [
  'Metric topology of classifiers (Wu, Huang, Li, Liu 2025, arXiv 2501.11265): the probabilistic distance between',
  'networks on labelled data, in the correctness reading d = E|1[f_w(x)=y] − 1[f_w′(x)=y]| (default) and the',
  'disagreement reading d = P[argmax f_w(x) ≠ argmax f_w′(x)], each with a Hoeffding interval; the share of tied',
  'points per network; equivalence classes (d = 0 within the interval, single linkage); classical MDS of the',
  'quotient; checks (symmetry, triangle inequality, |acc(w) − acc(w′)| ≤ d); the Euclidean parameter distance of',
  'the same pairs where the architectures match.',
  '',
  'targets: one run directory = its checkpoints (--checkpoints); several run directories = their final models;',
  '.onnx files as they are (every network must take the same input and have the same classes).',
  'Writes topology.json, topology-distances.svg, topology-mds.svg (and topology-parameters.svg).',
].join('\n');

/** The --checkpoints list of a run (ascending, each with a checkpoint). */
function checkpointList(spec: string, path: string, have: number[]): number[] {
  if (spec.trim() === 'all') return have;
  const list = spec.split(',').map((e) => numberFlag(CMD, 'checkpoints', e, { integer: true, min: 0 }));
  const missing = list.filter((e) => !have.includes(e));
  if (missing.length) {
    throw new UsageError(`geolens ${CMD}: --checkpoints: ${path} has no checkpoint for epoch ${missing.join(', ')}; it has checkpoints at epochs ${have.length > 40 ? `${have.slice(0, 40).join(', ')}, … (${have.length} in all)` : have.join(', ')}.`);
  }
  return [...new Set(list)].sort((a, b) => a - b);
}

/** Short distinct names for several targets: the file or folder name, else the path as given. */
function targetNames(paths: string[]): string[] {
  const short = paths.map((p) => basename(p.replace(/[\\/]+$/, '')).replace(/\.onnx$/i, ''));
  const names = short.map((s, i) => (short.filter((t) => t === s).length > 1 ? paths[i]! : s));
  return names.map((s, i) => (names.filter((t) => t === s).length > 1 ? `${s} (${i + 1})` : s));
}

async function networks(targets: ProbeTarget[], paths: string[], checkpoints: string): Promise<{ models: TopologyModel[]; what: string }> {
  if (targets.length === 1) {
    const t = targets[0]!;
    if (!t.run) throw new UsageError(`geolens ${CMD}: ${paths[0]} is one network; give two or more .onnx files or run directories, or one run directory with checkpoints.`);
    const epochs = checkpointList(checkpoints, paths[0]!, t.run.checkpoints);
    if (epochs.length < 2) {
      throw new UsageError(`geolens ${CMD}: ${paths[0]} has ${epochs.length === 0 ? 'no checkpoints' : `only the checkpoint of epoch ${epochs[0]}`}${checkpoints.trim() === 'all' ? '' : ' among --checkpoints'}; compare at least 2 (train with --checkpoint-every 1, or give several runs).`);
    }
    const models: TopologyModel[] = [];
    for (const e of epochs) models.push({ name: `epoch ${e}`, model: await t.run.modelAt(e), epoch: e, source: `${resolve(paths[0]!)} (checkpoint epoch ${e})` });
    return { models, what: `${paths[0]}: ${epochs.length} checkpoints (epochs ${epochs.join(', ')})` };
  }
  if (checkpoints.trim() !== 'all') throw new UsageError(`geolens ${CMD}: --checkpoints picks the checkpoints of one run directory; with several targets their final models are compared.`);
  const names = targetNames(paths);
  const models = targets.map((t, i) => ({ name: names[i]!, model: t.model, source: resolve(paths[i]!) }));
  const kinds = targets.map((t) => (t.kind === 'run' ? 'final model of the run' : 'ONNX model'));
  return { models, what: `${targets.length} networks (${[...new Set(kinds)].join(', ')})` };
}

/** `geolens probe topology <target> [<target> …] [flags]`; prints to `out`, returns the exit code. */
export async function topologyCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseFlags(CMD, argv, FLAGS);
  if (values.help) {
    out(usage(`${CMD} <run-dir | model.onnx> [<run-dir | model.onnx> …]`, SUMMARY, FLAGS));
    return 0;
  }
  if (positionals.length === 0) throw new UsageError(`geolens ${CMD}: give one run directory (its checkpoints are compared) or several run directories / .onnx files.\n(run 'geolens ${CMD} --help' for details)`);
  const reading = values.reading as TopologyReading;
  const confidence = numberFlag(CMD, 'confidence', values.confidence);
  if (!(confidence > 0 && confidence < 1)) throw new UsageError(`geolens ${CMD}: --confidence '${String(values.confidence)}' must be between 0 and 1 (exclusive), e.g. 0.95.`);
  const tieEpsilon = numberFlag(CMD, 'tie-epsilon', values['tie-epsilon'], { min: 0, max: 1 });
  const n = optionalNumberFlag(CMD, 'n', values.n, { integer: true, min: 1 });
  const batchSize = numberFlag(CMD, 'batch-size', values['batch-size'], { integer: true, min: 1 });
  const threads = threadsFlag(CMD, values);
  const { dataset, split } = dataFlags(CMD, values, 'test');
  const asJson = values.json === true;
  const quiet = values.quiet === true;

  const targets: ProbeTarget[] = [];
  for (const p of positionals) targets.push(await openTarget(p));
  const { models, what } = await networks(targets, positionals, String(values.checkpoints));
  const home = targets.find((t) => t.run) ?? targets[0]!;
  const seed = optionalNumberFlag(CMD, 'seed', values.seed, { integer: true, min: 0 }) ?? home.run?.config.train.seed ?? 0;
  const ds = await probeData(home, { ...(dataset !== undefined ? { dataset } : {}), ...(split ? { split } : {}), seed });
  const progress = probeProgress(values);
  const engine = probeEngine(threads, { maxSessions: 2 });
  const dir = probeResultsDir(home, values);
  const t0 = Date.now();
  try {
    const result = await runTopology(
      engine,
      models,
      ds,
      { reading, confidence, tieEpsilon, ...(n !== undefined ? { n } : {}), seed, batchSize, datasetSpec: dataset ?? home.run?.config.dataset.spec ?? null, split: split ?? null },
      (stage, d, t, detail) => progress.update(stage, d, t, detail),
    );
    progress.done();
    const title = `${ds.name}, ${models.length} networks, m = ${result.m}`;
    const params = topologyParametersChart(result, `Probabilistic vs parameter distance — ${title}`);
    const written = await writeResult(dir, 'topology', result, {
      distances: topologyDistancesChart(result, `Distances between classifiers — ${title}`),
      mds: topologyMdsChart(result, `Classical MDS of the quotient — ${title}`),
      ...(params ? { parameters: params } : {}),
    });
    if (asJson) {
      out(JSON.stringify(result, null, 2));
      return 0;
    }
    const header = [
      `metric topology of classifiers: ${what}`,
      `  data: ${ds.name}${dataset === undefined ? ` (${split} part of the run's dataset)` : ''}, m = ${result.m}${result.m < ds.y.length ? ` of ${ds.y.length}` : ''} points, ${ds.numClasses} classes`,
    ];
    for (const l of topologyLines(result, header, quiet)) out(l);
    out('');
    out(`wrote ${written.join(', ')} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    return 0;
  } finally {
    progress.done();
    await engine.dispose();
  }
}
