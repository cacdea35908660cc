/**
 * `geolens probe separation`: the law of data separation (He & Su, PNAS 2023) on a run directory or an .onnx model.
 * Separation fuzziness D_l = Tr(SS_w SS_b⁺) at the flattened input (l = 0) and at each selected layer (l = 1, 2, …),
 * the fit ln D_l = a + l·ln ρ, and with --over-training the same fit at every checkpoint of a run.
 */
import { resolve } from 'node:path';
import { GeolensError } from '../errors.js';
import { openTarget, probeData, writeResult } from '../measure/node.js';
import type { ProbeTarget } from '../measure/target.js';
import { runSeparation, runSeparationOverTraining } from '../probes/separation/run.js';
import type { SeparationLaw, SeparationOverTrainingResult, SeparationResult, SeparationVariant } from '../probes/separation/types.js';
import { separationVerdict } from '../probes/separation/verdict.js';
import { separationLawChart, separationOverTrainingChart } from '../report/separation.js';
import '../report/node.js'; // the DOM document the charts draw into (linkedom)
import { numberFlag, UsageError, type FlagSpec } from './args.js';
import { dataFlags, formatTable, HELP_FLAG, JSON_FLAG, optionalNumberFlag, OUT_FLAG, probeArgs, probeEngine, probeProgress, probeResultsDir, threadsFlag, THREADS_FLAG } from './probe-common.js';

const CMD = 'probe separation';
const SPLITS = ['train', 'test', 'all'] as const;

const FLAGS: FlagSpec = {
  dataset: { type: 'string', help: "data to measure (spec as in geolens train, e.g. 'idx:../shared/data/mnist#resize=10x10,normalize=0.5:0.5,perClass=100') [default: the run's own dataset; required for an .onnx file]" },
  split: { type: 'string', choices: SPLITS, help: "part of the run's own dataset (the law is about the training data) [default: train]" },
  'per-class': { type: 'string', help: 'keep N samples per class (seeded by --seed)' },
  seed: { type: 'string', help: "seed of --per-class and of the dataset spec's perClass [default: the run's seed, else 0]" },
  layers: { type: 'string', default: 'auto', help: "layers l = 1, 2, … after the input (l = 0): 'auto' (the output of each nonlinearity, then the logits), an op such as 'relu', or tensor names separated by commas" },
  variant: { type: 'string', default: 'definition', choices: ['definition', 'balanced'], help: "class weighting: the paper's definition, or the authors' code (1/K per class)" },
  'over-training': { type: 'boolean', default: false, help: 'also fit the law at every checkpoint epoch of a run directory (ρ and Pearson r per epoch)' },
  checkpoints: { type: 'string', default: 'all', help: "with --over-training: 'all' or the epochs to use, e.g. 0,1,2,5,10,600 (each must have a checkpoint)" },
  out: OUT_FLAG,
  json: JSON_FLAG,
  threads: THREADS_FLAG,
  quiet: { type: 'boolean', default: false, help: 'no progress bar; print only the fit' },
  help: HELP_FLAG,
};

const SUMMARY = [
  'Law of data separation (He & Su, PNAS 2023): separation fuzziness D_l = Tr(SS_w SS_b⁺) of the data at the',
  'flattened input (l = 0) and at each selected layer (l = 1, 2, …), and the least-squares fit',
  'ln D_l = a + l·ln ρ. The law holds when Pearson r ≤ −0.9 and the 95% interval of ρ lies below 1 (D decays',
  'geometrically with depth), judged on fits over at least 4 layers.',
  'Writes separation.json and separation.svg (with --over-training also separation-over-training.json/.svg).',
].join('\n');

const fmtD = (v: number): string => (v === 0 ? '0' : v.toExponential(4));
const fmtN = (v: number | null, d = 3): string => (v === null ? '—' : v.toFixed(d));
const fmtSigned = (v: number | null, d = 3): string => (v === null ? '—' : (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(d));
const fmtR = (r: number | null): string => (r === null ? 'undefined' : fmtSigned(r, 4));

/** The printed tables; widths count code points. */
const table = (rows: string[][], right: boolean[]): string[] => formatTable(rows, { right, width: (c) => [...c].length });

/** A fit with |r| ≥ threshold but r > 0: D grows with depth geometrically (lawHolds is false there). */
const grows = (r: number | null, threshold: number): boolean => r !== null && r >= threshold;

/** The fit of the final model, as printed. */
export function fitLines(law: SeparationLaw): string[] {
  const f = law.fit;
  if (!f) return ['  fit: not enough layers with D > 0 (see warnings)'];
  const ci = f.rhoCI95 ? ` (95% CI ${f.rhoCI95[0].toFixed(4)}–${f.rhoCI95[1].toFixed(4)})` : ' (no CI with 2 layers)';
  const holds = separationVerdict(f).text;
  return [
    `  fit ln D_l = ${f.intercept.toFixed(3)} ${f.slope >= 0 ? '+' : '−'} ${Math.abs(f.slope).toFixed(4)}·l over ${f.numLayersFitted} layers`,
    `  ρ = ${f.rho.toFixed(4)}${ci}; each layer ${f.rho < 1 ? `divides D by ${(1 / f.rho).toFixed(3)}` : `multiplies D by ${f.rho.toFixed(3)}`}`,
    `  Pearson r = ${fmtR(f.pearsonR)}: ${holds}`,
  ];
}

/** The --checkpoints list (ascending, each with a checkpoint); undefined for 'all'. */
function checkpointList(spec: string, target: ProbeTarget, overTraining: boolean): number[] | undefined {
  if (spec.trim() === 'all') return undefined;
  if (!overTraining) throw new UsageError(`geolens ${CMD}: --checkpoints picks the epochs of --over-training; add --over-training.`);
  const have = target.run?.checkpoints ?? [];
  const list = spec.split(',').map((e) => numberFlag(CMD, 'checkpoints', e, { integer: true, min: 0 }));
  const missing = list.filter((e) => !have.includes(e));
  if (missing.length) {
    throw new UsageError(`geolens ${CMD}: --checkpoints: no checkpoint for epoch ${missing.join(', ')}; the run has checkpoints at epochs ${have.length > 40 ? `${have.slice(0, 40).join(', ')}, … (${have.length} in all)` : have.join(', ')}.`);
  }
  return [...new Set(list)].sort((a, b) => a - b);
}

export async function separationCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const args = probeArgs(CMD, argv, FLAGS, SUMMARY, out);
  if (!args) return 0;
  const { values, path } = args;
  const perClass = optionalNumberFlag(CMD, 'per-class', values['per-class'], { integer: true, min: 1 });
  const threads = threadsFlag(CMD, values);
  const { dataset, split } = dataFlags(CMD, values, 'train');
  const variant = values.variant as SeparationVariant;
  const layerSpec = String(values.layers);
  const overTraining = values['over-training'] === true;
  const quiet = values.quiet === true;
  const asJson = values.json === true;

  const target: ProbeTarget = await openTarget(path);
  if (overTraining && !target.run) {
    throw new UsageError(`geolens ${CMD}: --over-training needs a run directory (from geolens train) with checkpoints; ${path} is an .onnx file.`);
  }
  const epochsWanted = checkpointList(String(values.checkpoints), target, overTraining);
  const seed = optionalNumberFlag(CMD, 'seed', values.seed, { integer: true, min: 0 }) ?? target.run?.config.train.seed ?? 0;
  const ds = await probeData(target, { ...(dataset !== undefined ? { dataset } : {}), ...(split ? { split } : {}), ...(perClass !== undefined ? { perClass } : {}), seed });
  const n = ds.y.length;
  const K = ds.numClasses;
  const p0 = ds.x.data.length / n;
  const options = { layers: layerSpec, variant, source: resolve(path), sourceKind: target.kind, datasetSpec: dataset ?? target.run!.config.dataset.spec, split: split ?? null, perClass: perClass ?? null, seed };
  const progress = probeProgress(values);
  const onProgress = (stage: string, d: number, t: number, detail?: string): void => progress.update(stage, d, t, detail);
  const engine = probeEngine(threads, { maxSessions: 4 });
  const dir = probeResultsDir(target, values);
  const written: string[] = [];
  const t0 = Date.now();
  try {
    // The final model.
    const result = await runSeparation(engine, target.model, ds, options, onProgress);
    progress.done();
    const law: SeparationLaw = { ...result, layers: result.layers };
    const counting = result.layerCounting;
    const meta = result.layers;
    written.push(...(await writeResult(dir, 'separation', result, { '': separationLawChart(result, `Law of data separation — ${ds.name}, n = ${n}`) })));

    // Every checkpoint of a run.
    let ot: SeparationOverTrainingResult | undefined;
    if (overTraining) {
      const run = target.run!;
      ot = await runSeparationOverTraining(engine, { epochs: epochsWanted ?? run.checkpoints, modelAt: run.modelAt }, ds, options, onProgress);
      progress.done();
      written.push(...(await writeResult(dir, 'separation-over-training', ot, { '': separationOverTrainingChart(ot, `Law of data separation over training — ${ds.name}`) })));
    }
    const secs = (Date.now() - t0) / 1000;

    if (asJson) {
      out(JSON.stringify(ot ? { separation: result, overTraining: ot } : result, null, 2));
      return 0;
    }
    const lines: string[] = [];
    lines.push(`law of data separation: ${path} (${target.kind === 'run' ? 'final model of the run' : 'ONNX model'})`);
    lines.push(`  data: ${ds.name}${split ? ` (${split} part of the run's dataset)` : ''}, n = ${n}, K = ${K} classes, p = ${p0} input features`);
    lines.push(`  ${counting}`);
    lines.push(`  variant: ${variant}`);
    if (!quiet) {
      lines.push('');
      const rows = [['l', 'layer', 'op', 'p', 'D_l', 'ln D_l', 'log10 D_l', 'residual']];
      for (const l of result.layers) rows.push([String(l.index), l.name, l.op, String(l.featureDim), fmtD(l.D), fmtN(l.logD), fmtN(l.log10D), fmtSigned(l.residual)]);
      lines.push(...table(rows, [true, false, false, true, true, true, true, true]));
    }
    lines.push('');
    lines.push(...fitLines(law));
    if (ot) {
      lines.push('');
      lines.push(`over training: the fit at each of ${ot.epochs.length} checkpoints`);
      if (!quiet) {
        const rows = [['epoch', 'ρ', 'Pearson r', 'law holds', 'D_0', `D_${meta.length - 1}`]];
        const threshold = law.fit?.lawThreshold ?? 0.9;
        for (const e of ot.epochs) rows.push([String(e.epoch), fmtN(e.rho, 4), fmtR(e.pearsonR), e.lawHolds ? 'yes' : grows(e.pearsonR, threshold) ? 'no (D grows)' : 'no', fmtD(e.D[0]!), fmtD(e.D[e.D.length - 1]!)]);
        lines.push(...table(rows, [true, true, true, false, true, true]));
      }
      const firstHolds = ot.epochs.find((e, i) => ot.epochs.slice(i).every((x) => x.lawHolds));
      lines.push(firstHolds ? `  the law holds (r ≤ −${law.fit?.lawThreshold ?? 0.9}, ρ < 1) from epoch ${firstHolds.epoch} on` : '  the law does not hold at the last checkpoint');
    }
    const allWarnings = [...law.warnings, ...(ot?.warnings ?? [])];
    if (allWarnings.length) {
      lines.push('');
      lines.push(`warnings (${allWarnings.length}):`);
      for (const w of allWarnings.slice(0, 10)) lines.push(`  - ${w}`);
      if (allWarnings.length > 10) lines.push(`  … ${allWarnings.length - 10} more in the JSON`);
    }
    lines.push('');
    lines.push(`wrote ${written.join(', ')} (${secs.toFixed(1)}s)`);
    for (const l of lines) out(l);
    return 0;
  } finally {
    progress.done();
    await engine.dispose();
  }
}
