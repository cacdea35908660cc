/**
 * `geolens probe regions`: the exact linear regions of a piecewise-linear classifier on a plane slice (through three
 * data points, or the input plane of a 2-D model) or a segment between two data points (Lei, Luo, Yau & Gu, arXiv
 * 1805.10451), with the decision boundary, Lei et al.'s and Serra et al.'s bounds, region density near the data, the
 * linear pieces of a `manifold` class sheet, and with --over-training the regions on the same slice at every
 * checkpoint. Writes regions.json + regions.svg (with --over-training regions-over-training.json + .svg).
 */
import { resolve } from 'node:path';
import { openTarget, probeData, writeResult } from '../measure/node.js';
import type { ProbeTarget } from '../measure/target.js';
import { runRegions, runRegionsOverTraining, type RegionsRunOptions, type RegionsSliceSpec } from '../probes/regions/run.js';
import { regionsDensityChart, regionsOverTrainingChart, regionsSegmentChart, regionsTilingChart } from '../report/regions.js';
import '../report/node.js'; // the DOM document the charts draw into (linkedom)
import { numberFlag, UsageError, type FlagSpec } from './args.js';
import { dataFlags, HELP_FLAG, JSON_FLAG, QUIET_FLAG, optionalNumberFlag, OUT_FLAG, probeArgs, probeEngine, probeProgress, probeResultsDir, threadsFlag, THREADS_FLAG } from './probe-common.js';
import { printRegions, printRegionsOverTraining } from './print-regions.js';

const CMD = 'probe regions';

const FLAGS: FlagSpec = {
  dataset: { type: 'string', help: "data the slice is built from and the density is measured on [default: the run's own held-out data; required for an .onnx file]" },
  split: { type: 'string', choices: ['train', 'test', 'all'], help: "for a run's own dataset: which part [default: test]" },
  'per-class': { type: 'string', help: 'keep N samples per class (seeded by --seed)' },
  seed: { type: 'string', default: '0', help: 'seed of --per-class, of the density radius sample and of the onnxruntime check' },
  slice: { type: 'string', help: "the plane: 'points:i,j,k' (through three data points) or 'input' (the input plane of a 2-D model) [default: input for 2-D inputs, else the first point of each of three classes]" },
  segment: { type: 'string', help: "a segment instead of a plane: 'i,j' (the line through data points i and j)" },
  extent: { type: 'string', help: 'the slice: s0,s1,t0,t1 (plane) or t0,t1 (segment) in slice coordinates, or one number: the margin around the anchor points as a fraction of their span (a list starting with a minus: --extent=-2,2,-1,1) [default: 0.5 through points, 0.1 for the input plane, 0 for a segment]' },
  radius: { type: 'string', help: "density radius in input units, or 'none' [default: the median nearest-neighbour distance of the data]" },
  manifold: { type: 'string', help: "manifold complexity: the class whose sheet of the embedded 'manifold' dataset to cut (e.g. 0)" },
  'manifold-shape': { type: 'string', default: 'both', choices: ['patch', 'curve', 'both'], help: 'with --manifold: a 2-D patch of the sheet, a 1-D curve on it, or both' },
  'manifold-resolution': { type: 'string', help: 'with --manifold: mesh cells per side [default: 24 for a patch, 256 for a curve]' },
  'manifold-extent': { type: 'string', default: '2', help: 'with --manifold: half-width a of the latent square [−a, a]² (segment [−a, a])' },
  'over-training': { type: 'boolean', default: false, help: 'also count the regions on the same slice at every checkpoint of a run' },
  checkpoints: { type: 'string', default: 'all', help: "with --over-training: 'all' or the epochs to use, e.g. 0,1,5,10" },
  'max-regions': { type: 'string', default: '2000000', help: 'stop with an error beyond this many regions' },
  summary: { type: 'boolean', default: false, help: 'leave the polygons and the boundary polylines out of regions.json (counts, bounds, densities; the picture is still drawn)' },
  check: { type: 'string', default: '256', help: 'region interior points at which the affine logits are checked against onnxruntime (0: none)' },
  threads: THREADS_FLAG,
  out: OUT_FLAG,
  json: JSON_FLAG,
  quiet: QUIET_FLAG,
  help: HELP_FLAG,
};

const SUMMARY = [
  'Exact linear regions (Lei, Luo, Yau & Gu, arXiv 1805.10451) of a piecewise-linear classifier (Gemm/MatMul/Conv,',
  'Relu/LeakyRelu/PRelu, MaxPool, BatchNorm, Add, …) on a plane slice of its input space or a segment: every region with',
  'its activation pattern, affine logits, area and predicted class; the exact decision boundary; the bounds of Lei et al.',
  'and Serra, Tjandraatmadja & Ramalingam (2018); region density near the data vs far from it.',
  '',
  'e.g.: geolens probe regions runs/moons                         (the input plane of a 2-D model)',
  '      geolens probe regions runs/mnist --slice points:0,1,2     (the plane through three digits)',
  '      geolens probe regions runs/mnist --segment 0,1',
  '      geolens probe regions runs/default --manifold 0 --over-training',
].join('\n');

function intList(flag: string, v: string, n: number): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length !== n) throw new UsageError(`geolens ${CMD}: --${flag} needs ${n} data indices separated by commas, got '${v}'.`);
  const out = parts.map((p) => numberFlag(CMD, flag, p, { integer: true, min: 0 }));
  if (new Set(out).size !== n) throw new UsageError(`geolens ${CMD}: --${flag} '${v}' repeats a point; give ${n} different points.`);
  return out;
}

function sliceSpec(values: Record<string, string | boolean | undefined>): RegionsSliceSpec | undefined {
  const slice = typeof values.slice === 'string' ? values.slice.trim() : undefined;
  const segment = typeof values.segment === 'string' ? values.segment : undefined;
  if (slice !== undefined && segment !== undefined) throw new UsageError(`geolens ${CMD}: give --slice (a plane) or --segment (a line), not both.`);
  if (segment !== undefined) return { kind: 'segment', points: intList('segment', segment, 2) as [number, number] };
  if (slice === undefined) return undefined;
  if (slice === 'input') return { kind: 'input-plane' };
  const m = /^points:(.*)$/.exec(slice);
  if (!m) throw new UsageError(`geolens ${CMD}: --slice '${slice}' is not valid; write points:i,j,k (three data indices) or input.`);
  return { kind: 'points', points: intList('slice', m[1]!, 3) as [number, number, number] };
}

function extentFlag(v: string | boolean | undefined, segment: boolean): { extent?: number[]; margin?: number } {
  if (typeof v !== 'string') return {};
  const parts = v.split(',').map((s) => numberFlag(CMD, 'extent', s.trim()));
  if (parts.length === 1) {
    if (parts[0]! < 0) throw new UsageError(`geolens ${CMD}: --extent margin must be ≥ 0, got ${v}.`);
    return { margin: parts[0]! };
  }
  const want = segment ? 2 : 4;
  if (parts.length !== want) throw new UsageError(`geolens ${CMD}: --extent needs ${segment ? 't0,t1 for a segment' : 's0,s1,t0,t1 for a plane'} (or one number, a margin), got '${v}'.`);
  return { extent: parts };
}

function checkpointList(spec: string, target: ProbeTarget, overTraining: boolean): number[] | undefined {
  if (spec.trim() === 'all') return undefined;
  if (!overTraining) throw new UsageError(`geolens ${CMD}: --checkpoints picks the epochs of --over-training; add --over-training.`);
  const have = target.run?.checkpoints ?? [];
  const list = spec.split(',').map((e) => numberFlag(CMD, 'checkpoints', e, { integer: true, min: 0 }));
  const missing = list.filter((e) => !have.includes(e));
  if (missing.length) throw new UsageError(`geolens ${CMD}: --checkpoints: no checkpoint for epoch ${missing.join(', ')}; the run has checkpoints at epochs ${have.join(', ')}.`);
  return [...new Set(list)].sort((a, b) => a - b);
}

export async function regionsCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const args = probeArgs(CMD, argv, FLAGS, SUMMARY, out);
  if (!args) return 0;
  const { values, path } = args;
  const seed = numberFlag(CMD, 'seed', values.seed, { integer: true, min: 0 });
  const perClass = optionalNumberFlag(CMD, 'per-class', values['per-class'], { integer: true, min: 1 });
  const threads = threadsFlag(CMD, values);
  const slice = sliceSpec(values);
  const { extent, margin } = extentFlag(values.extent, slice?.kind === 'segment');
  const radius = values.radius === 'none' ? null : optionalNumberFlag(CMD, 'radius', values.radius, { min: 0 });
  if (radius === 0) throw new UsageError(`geolens ${CMD}: --radius must be > 0 (or 'none').`);
  const manifoldClass = optionalNumberFlag(CMD, 'manifold', values.manifold, { integer: true, min: 0 });
  const manifoldResolution = optionalNumberFlag(CMD, 'manifold-resolution', values['manifold-resolution'], { integer: true, min: 1, max: 4096 });
  const manifoldExtent = numberFlag(CMD, 'manifold-extent', values['manifold-extent'], { min: 1e-9 });
  const maxRegions = numberFlag(CMD, 'max-regions', values['max-regions'], { integer: true, min: 1 });
  const checkPoints = numberFlag(CMD, 'check', values.check, { integer: true, min: 0 });
  const overTraining = values['over-training'] === true;
  const data = dataFlags(CMD, values, 'test');

  const target = await openTarget(path);
  if (overTraining && !target.run) throw new UsageError(`geolens ${CMD}: --over-training needs a run directory (from geolens train) with checkpoints; ${path} is an .onnx file.`);
  const epochsWanted = checkpointList(String(values.checkpoints), target, overTraining);
  const ds = await probeData(target, { ...data, ...(perClass !== undefined ? { perClass } : {}), seed });
  const options: RegionsRunOptions = {
    ...(slice ? { slice } : {}),
    ...(extent ? { extent } : {}),
    ...(margin !== undefined ? { margin } : {}),
    ...(radius !== undefined ? { radius } : {}),
    ...(manifoldClass !== undefined
      ? { manifold: { class: manifoldClass, shape: values['manifold-shape'] as 'patch' | 'curve' | 'both', latentExtent: manifoldExtent, ...(manifoldResolution !== undefined ? { resolution: manifoldResolution } : {}) } }
      : {}),
    checkPoints,
    maxRegions,
    seed,
    source: resolve(path),
    sourceKind: target.kind,
    datasetSpec: data.dataset ?? target.run?.config.dataset.spec ?? ds.name,
  };
  const progress = probeProgress(values);
  const onProgress = (stage: string, d: number, t: number, detail?: string): void => progress.update(stage, d, t, detail);
  const engine = probeEngine(threads);
  const dir = probeResultsDir(target, values);
  try {
    const full = await runRegions(engine, target.model, ds, options, onProgress);
    progress.done();
    // --summary: the picture is drawn from the full result, the JSON leaves the polygons out
    const result = values.summary === true ? { ...full, regions: null, boundary: null } : full;
    const where = result.slice.how === 'input-plane' ? 'the input plane' : result.slice.how === 'explicit' ? 'the given plane' : `${result.slice.kind === 'plane' ? 'plane' : 'segment'} through points ${result.slice.points!.join(', ')}`;
    const title = `Linear regions — ${ds.name}, ${where}`;
    const svg = full.slice.kind === 'plane' ? regionsTilingChart(full, title) : regionsSegmentChart(full, title);
    const written = await writeResult(dir, 'regions', result, svg ? { '': svg } : {}, {}, { compact: result.regions !== null || (result.intervals?.length ?? 0) > 1000 });
    const lines = printRegions(result, path, target.kind);
    let ot;
    if (overTraining) {
      const run = target.run!;
      ot = await runRegionsOverTraining(engine, { epochs: epochsWanted ?? run.checkpoints, modelAt: run.modelAt }, ds, options, onProgress);
      progress.done();
      const dens = regionsDensityChart(ot, `Region density near the data over training — ${ds.name}`);
      written.push(...(await writeResult(dir, 'regions-over-training', ot, { '': regionsOverTrainingChart(ot, `Linear regions over training — ${ds.name}`), ...(dens ? { density: dens } : {}) })));
      lines.push(...printRegionsOverTraining(ot));
    }
    if (values.json === true) {
      out(JSON.stringify(ot ? { regions: result, overTraining: ot, files: written } : { ...result, files: written }, null, 2));
      return 0;
    }
    for (const l of lines) out(l);
    out('');
    out(`wrote ${written.join(', ')}`);
    return 0;
  } finally {
    progress.done();
    await engine.dispose();
  }
}
