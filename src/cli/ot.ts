/**
 * `geolens ot`: semi-discrete optimal transport in the latent space of an autoencoder run (AE-OT, METHODS.md §5).
 * Parses flags, calls `runOt`, writes `ot.json`, `ot-potential.safetensors` (h, also the checkpoint --resume reads),
 * `ot-convergence.svg`, `ot-energy.svg`, `ot-latent.svg`, `ot-classes.svg` (with --classifier) and `ot-generated.png`
 * (image data), and prints tables.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadDataset } from '../data/node.js';
import { openTarget, writeResult } from '../measure/node.js';
import { autoencoderRunData, loadOtCheckpoint, openAutoencoderRun, saveOtCheckpoint } from '../probes/ot/node.js';
import { runOt, type OtCheckpoint, type OtRunOptions } from '../probes/ot/run.js';
import type { OtResult } from '../probes/ot/types.js';
import { otClassesChart, otConvergenceChart, otEnergyChart, otGeneratedPng, otLatentChart } from '../report/ot.js';
import '../report/node.js'; // the DOM document the charts draw into (linkedom)
import { numberFlag, parseFlags, usage, UsageError, type FlagSpec } from './args.js';
import { formatTable, HELP_FLAG, optionalNumberFlag, probeEngine, probeProgress, threadsFlag, THREADS_FLAG } from './probe-common.js';

const FLAGS: FlagSpec = {
  dataset: { type: 'string', help: "data to encode (default: the run's own dataset, --split part), e.g. idx:../shared/data/mnist" },
  split: { type: 'string', choices: ['train', 'test', 'all'], help: "for the run's own dataset: which part [default: train]" },
  targets: { type: 'string', help: 'encode at most N samples (a seeded subset): the N target codes [default: all]' },
  source: { type: 'string', default: 'uniform', choices: ['uniform', 'gaussian'], help: "source measure: uniform on the codes' bounding box, or a Gaussian with their mean and std" },
  init: { type: 'string', default: 'voronoi', choices: ['voronoi', 'zero'], help: 'initial h: the Voronoi cells of the codes (h_i = −|y_i|²/2), or 0 as pyOMT' },
  samples: { type: 'string', default: '100000', help: 'Monte-Carlo (Sobol) samples per step, M (doubled when the error stalls)' },
  'max-samples': { type: 'string', default: String(2 ** 24), help: 'never more samples per step than this' },
  'max-steps': { type: 'string', default: '1000', help: 'steps at most (resumed steps count)' },
  tolerance: { type: 'string', default: '0.01', help: 'stop when max_i |μ(W_i) − ν_i|·N is below this' },
  lr: { type: 'string', help: "Adam's learning rate on h [default: min(0.02, 0.5·N^(−2/d)): scaled to the spacing of the cells; halved at every stall]" },
  patience: { type: 'string', default: '20', help: 'a stall: this many steps without a better ‖g − ν‖₂ (the learning rate decays, the samples double while too few per cell)' },
  'lr-decay': { type: 'string', default: '0.5', help: 'multiply the learning rate by this at every stall (1: constant, as pyOMT)' },
  'chunk-rows': { type: 'string', help: 'samples per onnxruntime run [default: about 2^21 scores per run]' },
  'merge-duplicates': { type: 'boolean', default: false, help: 'merge exactly repeated codes into one target (summed mass) instead of refusing them' },
  generate: { type: 'string', default: '64', help: 'generated samples in the picture' },
  generation: { type: 'string', default: 'cells', choices: ['cells', 'piecewise-linear'], help: "cells: ∇u_h(x) = y_i (training codes); piecewise-linear: pyOMT's interpolation between neighbouring cells" },
  'top-k': { type: 'string', default: '4', help: 'piecewise-linear: cells per sample paired with the best one' },
  'max-angle': { type: 'string', help: 'piecewise-linear: largest angle (radians) between the supporting planes of a pair [default: the median]' },
  weight: { type: 'string', default: '0.5', help: 'piecewise-linear: a generated code is (1 − w)·y_best + w·y_other' },
  classifier: { type: 'string', help: 'a classifier of the same data (run directory or .onnx) for the class distribution of generated samples' },
  classify: { type: 'string', default: '2000', help: 'generated samples classified' },
  seed: { type: 'string', default: '0', help: 'seed of the target subset and the generated samples' },
  'checkpoint-every': { type: 'string', default: '10', help: 'write ot-potential.safetensors every k steps' },
  resume: { type: 'boolean', default: false, help: 'continue the solve from ot-potential.safetensors in the results folder' },
  threads: THREADS_FLAG,
  out: { type: 'string', help: 'results folder [default: <run>/results]' },
  json: { type: 'boolean', default: false, help: 'print the result as JSON instead of tables' },
  quiet: { type: 'boolean', default: false, help: 'no progress output' },
  help: HELP_FLAG,
};

const SUMMARY = [
  'Semi-discrete optimal transport in the latent space of an autoencoder (AE-OT, Lei–Luo–Yau–Gu; pyOMT): the Brenier',
  'potential u_h(x) = max_i(⟨x, y_i⟩ + h_i) from a uniform (or Gaussian) source to the codes y_i of the data, by Adam on',
  'the convex energy with quasi-random (Sobol) estimates of the cell measures; then generate: source → ∇u_h → decoder.',
  '',
  'e.g.: geolens train --model autoencoder --bottleneck 2 --optimizer adam --lr 0.003 --out runs/ae',
  '      geolens ot runs/ae [--samples 100000] [--max-steps 1000] [--classifier runs/clf] [--resume] [--out dir] [--json]',
].join('\n');

const CMD = 'ot';

export async function otCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseFlags(CMD, argv, FLAGS);
  if (values.help) {
    out(usage(`${CMD} <autoencoder run directory>`, SUMMARY, FLAGS));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`geolens ${CMD}: give one autoencoder run directory (geolens train --model autoencoder --out <dir>)${positionals.length ? `, got ${positionals.length}: ${positionals.join(' ')}` : ''}.`);
  const path = positionals[0]!;
  const int = (name: string, min = 1): number => numberFlag(CMD, name, values[name], { integer: true, min });
  const options: OtRunOptions = {
    source: values.source as 'uniform' | 'gaussian',
    init: values.init as 'voronoi' | 'zero',
    samples: int('samples'),
    maxSamples: int('max-samples'),
    maxSteps: int('max-steps', 0),
    tolerance: numberFlag(CMD, 'tolerance', values.tolerance, { min: 0 }),
    patience: int('patience'),
    lrDecay: numberFlag(CMD, 'lr-decay', values['lr-decay'], { min: 0, max: 1 }),
    checkpointEvery: int('checkpoint-every'),
    mergeDuplicates: values['merge-duplicates'] === true,
    generate: int('generate'),
    classify: int('classify'),
    seed: int('seed', 0),
  };
  if (!(options.tolerance! > 0)) throw new UsageError(`geolens ${CMD}: --tolerance must be > 0.`);
  if (options.maxSamples! < options.samples!) throw new UsageError(`geolens ${CMD}: --max-samples (${options.maxSamples}) is below --samples (${options.samples}).`);
  const lr = optionalNumberFlag(CMD, 'lr', values.lr, { min: 0 });
  if (lr !== undefined) options.lr = lr;
  const chunkRows = optionalNumberFlag(CMD, 'chunk-rows', values['chunk-rows'], { integer: true, min: 1 });
  if (chunkRows !== undefined) options.chunkRows = chunkRows;
  const targets = optionalNumberFlag(CMD, 'targets', values.targets, { integer: true, min: 2 });
  if (targets !== undefined) options.targets = targets;
  if (values.generation === 'piecewise-linear') {
    const maxAngle = optionalNumberFlag(CMD, 'max-angle', values['max-angle'], { min: 0, max: Math.PI });
    options.generation = { mode: 'piecewise-linear', topK: int('top-k', 2), weight: numberFlag(CMD, 'weight', values.weight, { min: 0, max: 1 }), ...(maxAngle !== undefined ? { maxAngle } : {}) };
  }
  if (typeof values.dataset === 'string' && values.split !== undefined) throw new UsageError(`geolens ${CMD}: --split picks a part of the run's own dataset; with --dataset choose the part in the spec.`);
  const threads = threadsFlag(CMD, values);
  const json = values.json === true;
  const progress = probeProgress(values);

  const ae = await openAutoencoderRun(path);
  const data = typeof values.dataset === 'string' ? await loadDataset(values.dataset, { seed: options.seed! }) : await autoencoderRunData(ae, (values.split as 'train' | 'test' | 'all' | undefined) ?? 'train');
  options.datasetSpec = typeof values.dataset === 'string' ? values.dataset : ae.config.dataset.spec;
  if (typeof values.classifier === 'string') options.classifier = (await openTarget(values.classifier)).model;
  const dir = typeof values.out === 'string' ? resolve(values.out) : join(ae.dir, 'results');
  const potential = join(dir, 'ot-potential.safetensors');
  if (values.resume === true) {
    if (!existsSync(potential)) throw new UsageError(`geolens ${CMD}: --resume: ${potential} does not exist; run without --resume first (or give the same --out).`);
    options.resume = await loadOtCheckpoint(potential);
    progress.line(`resuming the solve from step ${options.resume.state.step} (${potential})`);
  }
  await mkdir(dir, { recursive: true });
  options.onCheckpoint = (c: OtCheckpoint) => saveOtCheckpoint(potential, c);
  let stop = false;
  const onSigint = (): void => {
    if (stop) process.exit(130);
    stop = true;
    progress.line('interrupt: stopping after this step and writing the checkpoint (Ctrl-C again to quit at once)');
  };
  options.shouldStop = () => stop;
  process.on('SIGINT', onSigint);
  const engine = probeEngine(threads);
  try {
    const run = await runOt(engine, { def: ae.def, params: ae.params, source: resolve(ae.dir) }, data, options, (stage, d, t, detail) => progress.update(stage, d, t, detail ?? ''));
    progress.done();
    const r = run.result;
    const classes = otClassesChart(r);
    const png = otGeneratedPng(run);
    const written = await writeResult(dir, 'ot', r, { convergence: otConvergenceChart(r), energy: otEnergyChart(r), latent: otLatentChart(r), ...(classes ? { classes } : {}) }, png ? { [r.generation.images!.file]: png } : {}, { compact: true });
    written.push(potential);
    if (json) out(JSON.stringify({ ot: r, files: written }, null, 2));
    else {
      for (const l of printOt(r)) out(l);
      out('');
      out(`wrote ${written.join(', ')}`);
    }
    if (r.solve.status === 'interrupted') {
      // the same command with --resume: the checkpoint only fits the codes and settings it was written with
      const again = argv.filter((a) => a !== '--resume');
      out(`interrupted at step ${r.solve.steps}; resume with: geolens ot ${again.join(' ')} --resume`);
      return 130;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    progress.done();
    await engine.dispose();
  }
}

const p3 = (v: number): string => (Number.isFinite(v) ? v.toPrecision(3) : String(v));

/** The result as text: the solve, the generation and the class distribution. */
export function printOt(r: OtResult): string[] {
  const s = r.solve;
  const lines = [
    `AE-OT on ${r.dataset.name}: ${r.targets.n} codes (${r.targets.distinct} distinct) in ${r.targets.dimension}-d, autoencoder reconstruction MSE ${p3(r.autoencoder.reconstructionError)}`,
    `  source ${r.options.source}, init ${r.options.init}, Adam lr ${p3(r.options.lr)}, ${r.options.samples.toLocaleString('en-US')} Sobol samples per batch, tolerance ${r.options.tolerance}`,
    '',
    ...formatTable([
      ['solve', 'status', 'steps', 'samples/step', 'max error', 'held-out max error', '‖g − ν‖₂', 'empty cells', 'seconds'],
      ['', s.status, String(s.steps), s.samples.toLocaleString('en-US'), p3(s.maxError), p3(s.heldOutMaxError), p3(s.norm), String(s.emptyCells), s.seconds.toFixed(1)],
    ]),
  ];
  const marks = [0, 10, 50, 100, 200, 500, 1000, 2000, 5000].filter((k) => k < s.history.length);
  if (s.history.length > 1) lines.push('', `  max error at steps ${marks.map((k) => `${s.history[k]!.step}: ${p3(s.history[k]!.maxError)}`).join(', ')}, last ${s.history[s.history.length - 1]!.step}: ${p3(s.history[s.history.length - 1]!.maxError)}`);
  const g = r.generation;
  lines.push('', `generation (${g.mode}): ${g.count} samples in the picture; the ${Math.max(g.count, g.classDistribution?.samples ?? 0)} generated samples use ${g.distinct} distinct ${g.mode === 'cells' ? 'training codes' : 'neighbour pairs'}; median distance to the nearest training code / code spacing ${p3(g.nearestCodeRatio)}`);
  if (g.extension) lines.push(`  top-${g.extension.topK} pairs with support angle ≤ ${p3(g.extension.maxAngle)} rad: ${g.extension.keptPairs} of ${g.extension.candidatePairs}; weight ${g.extension.weight}`);
  const c = g.classDistribution;
  if (c) {
    lines.push('', `class distribution of ${c.samples} generated samples (classifier ${c.classifier}; its accuracy on the reconstructions ${(100 * c.reconstructionAccuracy).toFixed(1)}%): total variation ${p3(c.totalVariation)}`);
    lines.push(...formatTable([['class', ...c.data.map((_, k) => String(k))], ['data %', ...c.data.map((v) => (100 * v).toFixed(1))], ['generated %', ...c.generated.map((v) => (100 * v).toFixed(1))]]));
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines;
}

