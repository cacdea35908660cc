/**
 * `geolens study manifold-complexity`: a fixed ReLU architecture cannot encode every manifold (Lei, Luo, Yau & Gu,
 * arXiv 1805.10451). Trains each architecture on the circles Σ_k with 2k alternating arcs and prints, per k, the
 * exact linear pieces the network cuts Σ_k into, the pieces Σ_k needs, the architecture's bounds and the fit. Writes
 * manifold-complexity.json, -pieces.svg and -fit.svg.
 */
import { resolve } from 'node:path';
import { writeResult } from '../measure/node.js';
import '../report/node.js'; // the DOM document the charts draw into (linkedom)
import { manifoldFitChart, manifoldPiecesChart } from '../report/manifold-complexity.js';
import { MANIFOLD_SWEEP_DEFAULTS, runManifoldComplexity } from '../studies/manifold-complexity/run.js';
import type { ManifoldComplexityStudyResult } from '../studies/manifold-complexity/types.js';
import { numberFlag, parseFlags, parseWidths, usage, UsageError, type FlagSpec } from './args.js';
import { formatTable, HELP_FLAG, JSON_FLAG, probeEngine, QUIET_FLAG, threadsFlag, THREADS_FLAG } from './probe-common.js';
import { createProgress } from './progress.js';

const CMD = 'study manifold-complexity';
const D = MANIFOLD_SWEEP_DEFAULTS;

const FLAGS: FlagSpec = {
  k: { type: 'string', default: D.ks.join(','), help: 'class pairs k of the sweep (Σ_k: the circle cut into 2k alternating arcs)' },
  small: { type: 'string', default: D.architectures[0].widths.join(','), help: "the fixed small architecture's hidden widths, e.g. 4 or 8x2" },
  large: { type: 'string', default: D.architectures[1].widths.join(','), help: "the larger architecture's hidden widths ('none': only the small one)" },
  'ambient-dim': { type: 'string', default: String(D.ambientDim), help: 'dimension of the input space the circle lies in (a seeded random plane of it)' },
  epochs: { type: 'string', default: String(D.epochs), help: 'Adam epochs per network' },
  lr: { type: 'string', default: String(D.lr), help: 'Adam learning rate' },
  'batch-size': { type: 'string', default: String(D.batchSize), help: 'batch size' },
  samples: { type: 'string', default: String(D.trainSamples), help: 'training samples per k (as many held-out samples)' },
  mesh: { type: 'string', default: String(D.mesh), help: 'vertices of the polygon the circle is meshed into for the exact piece count' },
  seed: { type: 'string', default: String(D.seed), help: 'seed of the plane, the samples, the initialisation and the batch order' },
  threads: THREADS_FLAG,
  out: { type: 'string', default: 'studies/manifold-complexity', help: 'folder for manifold-complexity.json and its plots' },
  json: JSON_FLAG,
  quiet: QUIET_FLAG,
  help: HELP_FLAG,
};

const SUMMARY = [
  'Manifold complexity in practice (Lei, Luo, Yau & Gu, arXiv 1805.10451): a fixed ReLU architecture cuts a manifold into',
  'a bounded number of linear pieces, so it cannot fit every manifold. Σ_k is the unit circle cut into 2k arcs of',
  'alternating class; a classifier correct on it needs ≥ k linear pieces on it, and p pieces allow at most',
  'min(1, 1/2 + p/(2k)) accuracy. Each architecture is trained on every Σ_k; the pieces are counted exactly.',
].join('\n');

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** The sweep as a table: one row per (k, architecture). */
export function manifoldSweepLines(r: ManifoldComplexityStudyResult): string[] {
  const rows = [['k', 'architecture', 'pieces needed', 'pieces on Σ_k', 'curve bound', 'plane regions', 'Serra bound', 'Lei bound', 'class changes', 'held-out acc.', 'ceiling']];
  for (const p of r.points) {
    const a = r.architectures.find((x) => x.name === p.architecture)!;
    const big = (b: { value: number | null; log10: number }): string => (b.value !== null ? String(b.value) : `10^${b.log10.toFixed(1)}`);
    rows.push([String(p.k), `${a.name} ${a.widths.join('×')}`, String(p.piecesNeeded), String(p.pieces), a.curveBound.exact, String(p.planeRegions), big(a.serra), big(a.lei), `${p.classChanges} / ${2 * p.k}`, pct(p.testAccuracy), pct(p.accuracyCeiling)]);
  }
  return formatTable(rows, { right: [true, false, true, true, true, true, true, true, true, true, true], width: (c) => [...c].length });
}

const list = (name: string, v: string | boolean | undefined): number[] => String(v).split(',').map((x) => numberFlag(CMD, name, x.trim(), { integer: true, min: 1 }));

export async function studyManifoldCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseFlags(CMD, argv, FLAGS);
  if (values.help) {
    out(usage(CMD, SUMMARY, FLAGS));
    return 0;
  }
  if (positionals.length) throw new UsageError(`geolens ${CMD}: takes no positional arguments (got ${positionals.join(' ')}).`);
  const architectures = [{ name: 'small', widths: parseWidths(CMD, String(values.small)) }];
  if (values.large !== 'none') architectures.push({ name: 'large', widths: parseWidths(CMD, String(values.large)) });
  const samples = numberFlag(CMD, 'samples', values.samples, { integer: true, min: 2 });
  const batchSize = numberFlag(CMD, 'batch-size', values['batch-size'], { integer: true, min: 1 });
  if (samples < batchSize) throw new UsageError(`geolens ${CMD}: --samples (${samples}) must be at least --batch-size (${batchSize}).`);
  const progress = createProgress(process.stderr, { quiet: values.quiet === true || values.json === true });
  const engine = probeEngine(threadsFlag(CMD, values));
  const t0 = Date.now();
  let result: ManifoldComplexityStudyResult;
  try {
    result = await runManifoldComplexity(
      engine,
      {
        ks: [...new Set(list('k', values.k))].sort((a, b) => a - b),
        architectures,
        ambientDim: numberFlag(CMD, 'ambient-dim', values['ambient-dim'], { integer: true, min: 2 }),
        epochs: numberFlag(CMD, 'epochs', values.epochs, { integer: true, min: 1 }),
        lr: numberFlag(CMD, 'lr', values.lr, { min: Number.MIN_VALUE }),
        batchSize,
        trainSamples: samples,
        testSamples: samples,
        mesh: numberFlag(CMD, 'mesh', values.mesh, { integer: true, min: 3 }),
        seed: numberFlag(CMD, 'seed', values.seed, { integer: true, min: 0 }),
        onPoint: (p) => progress.line(`k = ${p.k}, ${p.architecture}: ${p.pieces} pieces on Σ_k (needs ${p.piecesNeeded}), held-out accuracy ${pct(p.testAccuracy)} (${p.seconds.toFixed(1)}s)`),
      },
      (stage, d, t, detail) => progress.update(stage, d, t, detail),
    );
  } finally {
    progress.done();
    await engine.dispose();
  }
  const dir = resolve(String(values.out));
  const written = await writeResult(dir, 'manifold-complexity', result, { pieces: manifoldPiecesChart(result), fit: manifoldFitChart(result) });
  if (values.json === true) {
    out(JSON.stringify({ ...result, files: written }, null, 2));
    return 0;
  }
  out(`manifold complexity: ${result.points.length} networks on Σ_k, k = ${result.manifold.ks.join(', ')} (${((Date.now() - t0) / 1000).toFixed(0)}s)`);
  for (const l of manifoldSweepLines(result)) out(l);
  for (const w of result.warnings) out(`warning: ${w}`);
  out('');
  out(`wrote ${written.join(', ')}`);
  return 0;
}
