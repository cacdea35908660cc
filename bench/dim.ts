/**
 * Side-by-side DIM benchmark (`npm run bench:dim`; never a unit test).
 *
 * Throughput of input Jacobians + Data Information Matrix spectra for an MLP 784-256-256-10 (ReLU) on a batch of
 * B = 256 random 784-d inputs, from the same weights, in
 *   (1) geolens: `inputJacobian` (its batched reverse-mode Jacobian graph on onnxruntime, one run of B samples) and
 *       `dimSpectrum` (the C×C reduction A^{1/2} J Jᵀ A^{1/2} in JS, float64),
 *   (2) PyTorch (Debian's python3-torch) as a PyTorch user would write it: J by
 *       torch.autograd.functional.jacobian(vectorize=True) and, when importable, functorch vmap(jacrev) (logits as
 *       its aux output), then J Jᵀ by bmm (float32, as geolens' graph) and the spectra of all B points at once:
 *       batched torch.linalg.eigh on the B × C × C matrices (float64 from the Gram matrix on, as geolens).
 *       Each method at its best thread layout: one fresh child per OMP_NUM_THREADS × OPENBLAS_NUM_THREADS ∈ {1, N}²
 *       (OMP_WAIT_POLICY=PASSIVE), a short probe of each (printed), the best kept (common.ts: PeerPool).
 * After a warm-up the series are timed in interleaved rounds (the order rotates every round); the median points/s
 * of the rounds is reported with the ratio geolens / the better PyTorch method from this one run, GFLOP/s and the
 * share of the measured fp32 peak (bench/roofline.ts). A profile splits each side into its Jacobian and its
 * spectrum part; the last output is a summary table to paste.
 *
 *   npm run bench:dim -- [--threads N] [--batch B] [--rounds R] [--round-ms MS] [--no-torch] [--no-profile]
 *                        [--no-roofline]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInputJacobian } from '../src/autodiff/jacobian.js';
import { inputJacobian, inputJacobianOutputs } from '../src/measure/jacobians.js';
import { importDefinition } from '../src/measure/target.js';
import { createNodeEngine } from '../src/engine/node.js';
import { buildModel, initWeights, type ModelConfig } from '../src/models/index.js';
import { writeSafetensorsFile } from '../src/models/node.js';
import type { SafetensorsInput } from '../src/models/safetensors.js';
import { dimSpectrum, dimSpectrumFromGram } from '../src/probes/dim/compute.js';
import type { Tensor } from '../src/tensor.js';
import { Rng } from '../src/util/random.js';
import { fmt, layoutLabel, layoutShort, measure, measuredOf, parseBenchArgs, peerLayouts, printHost, printSummary, ratioLine, runBench, startTorchPool, table as measuredTable, type BenchOptions, type Measured, type MeasureOptions, type PeerLayout, type PeerPool, type SummaryRow, type TorchChild, type WarmUp } from './common.js';
import { machinePeak, refinePeak, rooflineColumns, type Peak } from './roofline.js';

const SEED = 1;
const MLP: ModelConfig = { kind: 'mlp', inputShape: [784], widths: [256, 256], numClasses: 10 };
const C = 10;
const D = 784;
/** Issue 9's target: geolens / the better of PyTorch's autograd and functorch. */
const TARGET = 1.5;

/**
 * Model FLOPs per point: the forward pass 2F (F = Σ d_i·d_{i+1}, the MLP's multiply-adds), one vector-Jacobian
 * product per class through every layer 2·C·F, and J Jᵀ 2·C²·d; the C×C spectra are not counted.
 */
function dimFlopsPerPoint(widths: number[]): number {
  const dims = [D, ...widths, C];
  let f = 0;
  for (let i = 0; i + 1 < dims.length; i++) f += dims[i]! * dims[i + 1]!;
  return 2 * f * (1 + C) + 2 * C * C * D;
}

interface Options extends BenchOptions {
  batch: number;
  profile: boolean;
  roofline: boolean;
}

function parseArgs(argv: string[]): Options {
  return parseBenchArgs<Options>(argv, { batch: 256, profile: true, roofline: true }, {
    '--batch': (o, num) => (o.batch = Math.floor(num())),
    '--no-roofline': (o) => (o.roofline = false),
    '--no-profile': (o) => (o.profile = false),
  }, 'bench/dim.ts');
}

/** One thing being timed: `run(k)` does k rounds of B points and says how long they took (seconds). */
interface Series {
  label: string;
  /** Part of the work: 'all' (Jacobians + spectra) or a profile part. */
  part: 'all' | 'jacobian' | 'dim' | 'overhead';
  /** The peer's layout (PyTorch series). */
  layout?: PeerLayout;
  run(rounds: number): Promise<number>;
}

// ------------------------------------------------------------------------------------------------ PyTorch child
/** dim_torch.py's first line also names the Jacobian methods it has. */
type DimTorch = TorchChild<{ methods: string[] }>;

const torchMethods = (torch: DimTorch): string[] => torch.hello.methods ?? ['autograd'];

function torchSeries(torch: DimTorch, method: string, part: Series['part'], layout: PeerLayout): Series {
  const what = part === 'all' ? 'Jacobian + DIM' : part === 'jacobian' ? 'Jacobian only' : 'DIM reduction only';
  return {
    label: `PyTorch ${method}: ${what} (${layoutLabel(layout)})`,
    part,
    layout,
    run: async (rounds) => (await torch.command<{ seconds: number }>({ cmd: 'run', method, part, rounds })).seconds,
  };
}

// ------------------------------------------------------------------------------------------------ timing
/** Warm-up: at least 3 batches and ~0.8 s; rounds of at least 2 batches. */
const WARM_UP: WarmUp = { first: 1, seconds: 0.8, units: 3, minPerRound: 2 };

/** Interleaved rounds of about `roundMs` each (see `measure`); points/s. */
const timeRounds = (list: Series[], opts: Options): Promise<Measured<Series>[]> => measure(list, { rounds: opts.rounds, roundMs: opts.roundMs, warmUp: WARM_UP, seconds: (sec) => sec, perUnit: opts.batch });

/** The layout probe: 3 interleaved rounds of ~300 ms after a short warm-up. */
const PROBE: MeasureOptions<Series> = { rounds: 3, roundMs: 300, warmUp: { first: 1, seconds: 0.4, units: 2, minPerRound: 2 }, seconds: (sec) => sec };

const seriesThreads = (s: Series, threads: number): number => (s.layout ? Math.max(s.layout.omp, s.layout.blas) : threads);

function table(title: string, ms: Measured<Series>[], threads: number, batch: number, flopsPerPoint?: number, peak?: Peak): void {
  measuredTable(title, ms, {
    label: { header: 'series', width: 78 },
    threads: (s) => (s.layout ? layoutShort(s.layout) : threads),
    rate: { header: 'points/s', width: 10 },
    rangeWidth: 19,
    extra: (s) => [{ header: 'ms/batch', width: 9, cell: (median) => fmt((1000 * batch) / median, 2) }, ...(flopsPerPoint ? rooflineColumns(peak, flopsPerPoint, seriesThreads(s, threads)) : [])],
  });
}

// ------------------------------------------------------------------------------------------------ main
async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const B = opts.batch;
  const def = buildModel(MLP);
  const { params, buffers } = initWeights(def, SEED);
  const model = importDefinition(def, params, buffers, 'bench-mlp');
  const rng = new Rng(SEED);
  const x: Tensor = { data: rng.fillUniform(new Float32Array(B * D), 0, 1), shape: [B, D] };

  console.log(`geolens DIM benchmark: input Jacobians + DIM spectra, MLP 784-256-256-10 (ReLU, initial weights seed ${SEED}), batch B = ${B} of U(0,1) inputs`);
  printHost(opts.threads);

  const engine = createNodeEngine({ threads: opts.threads });
  const jopts = { input: model.input.name, logits: model.logits, numClasses: C, batchSize: B };
  const geolensAll: Series = {
    label: 'geolens: Jacobian graph (J Jᵀ in the graph) + dimSpectrumFromGram',
    part: 'all',
    async run(rounds) {
      const t0 = performance.now();
      for (let i = 0; i < rounds; i++) {
        const j = await inputJacobianOutputs(engine, model.graph, jopts, x, ['probs', 'jacobian_gram']);
        dimSpectrumFromGram(j.jacobian_gram, j.probs, D);
      }
      return (performance.now() - t0) / 1000;
    },
  };
  // profile parts
  const session = await engine.load(buildInputJacobian(model.graph, jopts));
  const pre = await inputJacobian(engine, model.graph, jopts, x);
  const geolensJac: Series = {
    label: 'geolens: Jacobian graph only (session.run)',
    part: 'jacobian',
    async run(rounds) {
      const t0 = performance.now();
      for (let i = 0; i < rounds; i++) await session.run({ [model.input.name]: x as { data: Float32Array; shape: number[] } }, ['probs', 'jacobian']);
      return (performance.now() - t0) / 1000;
    },
  };
  const geolensJacAll: Series = {
    label: 'geolens: inputJacobian only (4 outputs, J copied out)',
    part: 'jacobian',
    async run(rounds) {
      const t0 = performance.now();
      for (let i = 0; i < rounds; i++) await inputJacobian(engine, model.graph, jopts, x);
      return (performance.now() - t0) / 1000;
    },
  };
  const geolensDim: Series = {
    label: 'geolens: dimSpectrum from J only (JS, 1 thread)',
    part: 'dim',
    async run(rounds) {
      const t0 = performance.now();
      for (let i = 0; i < rounds; i++) dimSpectrum(pre.jacobian, pre.probs);
      return (performance.now() - t0) / 1000;
    },
  };

  const dir = await mkdtemp(join(tmpdir(), 'geolens-bench-dim-'));
  let pool: PeerPool<DimTorch> | undefined;
  try {
    const file: Record<string, SafetensorsInput> = { x: { data: x.data as Float32Array, shape: [B, D] } };
    for (const [k, v] of Object.entries(params)) file[k] = v;
    const dataPath = join(dir, 'batch-and-weights.safetensors');
    await writeSafetensorsFile(dataPath, file);
    pool = await startTorchPool<{ methods: string[] }>({
      enabled: opts.torch,
      script: 'dim_torch.py',
      dataPath,
      layouts: peerLayouts(opts.threads),
      config: { widths: (MLP as { widths: number[] }).widths, inputDim: D },
      describe: (t) => `; Jacobian methods: ${torchMethods(t).join(', ')}`,
    });
    const peak = opts.roofline ? await machinePeak(opts.threads, pool as never) : undefined;

    // correctness: the same eigenvalues on the first points
    const gs = dimSpectrum(pre.jacobian, pre.probs);
    const first = pool.entries[0]?.child;
    const methods = first ? torchMethods(first) : [];
    for (const method of methods) {
      const t = await first!.command<{ eigenvalues: number[][] }>({ cmd: 'check', method });
      let worst = 0;
      t.eigenvalues.forEach((lam, i) => {
        const g = gs.points[i]!.eigenvalues;
        for (let k = 0; k < lam.length; k++) worst = Math.max(worst, Math.abs(lam[k]! - g[k]!) / g[0]!);
      });
      console.log(`check (${method}): eigenvalues of the first ${t.eigenvalues.length} points, max |λ_k(torch) − λ_k(geolens)| / λ_1 = ${worst.toExponential(1)}${worst < 1e-4 ? ' (same computation)' : ' (DIFFERENT: look at this before trusting the timings)'}`);
    }

    // each method's best layout
    const chosen = new Map<string, { child: DimTorch; layout: PeerLayout }>();
    for (const method of methods) {
      const c = await pool.choose<Series>(`${method} Jacobian + DIM (B = ${B})`, 'points/s', (child, l) => torchSeries(child, method, 'all', l), { ...PROBE, perUnit: B });
      if (c) chosen.set(method, c);
    }
    await pool.keep(...[...chosen.values()].map((c) => c.child));

    const flopsPerPoint = dimFlopsPerPoint((MLP as { widths: number[] }).widths);
    const list: Series[] = [geolensAll];
    const torchAll = [...chosen].map(([m, c]) => torchSeries(c.child, m, 'all', c.layout));
    list.push(...torchAll);
    const ms = await timeRounds(list, opts);
    table(`input Jacobians + DIM spectra, MLP 784-256-256-10, B = ${B}, ${opts.threads} thread(s); ${fmt(flopsPerPoint / 1e6, 2)} MFLOP/point`, ms, opts.threads, B, flopsPerPoint, peak);
    const g = measuredOf(geolensAll, ms)!;
    const best = torchAll.length ? torchAll.reduce((a, b) => (measuredOf(a, ms)!.median >= measuredOf(b, ms)!.median ? a : b)) : undefined;
    if (torchAll.length) {
      console.log('ratios (same run):');
      for (const t of torchAll) ratioLine(`geolens / ${t.label.replace(/:.*$/, '')}${t === best ? ' (better)' : ''}`, g, measuredOf(t, ms), t === best ? TARGET : undefined, { nameWidth: 45 });
    } else console.log('  geolens / PyTorch: skipped (no PyTorch)');

    if (opts.profile) {
      const parts: Series[] = [geolensJacAll, geolensJac, geolensDim];
      const bestMethod = best?.label.replace(/^PyTorch (\w+):.*$/, '$1');
      const bc = bestMethod ? chosen.get(bestMethod) : undefined;
      if (bc && bestMethod) parts.push(torchSeries(bc.child, bestMethod, 'jacobian', bc.layout), torchSeries(bc.child, bestMethod, 'dim', bc.layout));
      const mp = await timeRounds(parts, opts);
      table('profile: where the time goes (each part alone; points/s of that part)', mp, opts.threads, B);
      const ms_ = (s: Series): number => (1000 * B) / mp.find((m) => m.series === s)!.median;
      const total = (1000 * B) / g.median;
      console.log(`  geolens per batch of ${B}: ${fmt(total, 1)} ms in all (Jacobian graph with J Jᵀ inside, then C×C spectra in JS). For comparison, the J-copying path: inputJacobian ${fmt(ms_(geolensJacAll), 1)} ms (session.run with probs + jacobian alone ${fmt(ms_(geolensJac), 1)} ms) + dimSpectrum from J ${fmt(ms_(geolensDim), 1)} ms`);
      if (bc && bestMethod) console.log(`  PyTorch ${bestMethod} per batch: Jacobian ${fmt(ms_(parts[3]!), 1)} ms + DIM reduction (bmm + batched eigh) ${fmt(ms_(parts[4]!), 1)} ms`);
    }
    await refinePeak(peak, opts.threads, pool as never);
    const cell = (m: Measured<Series>): string => `${fmt(m.median, 0)} points/s, ${fmt((m.median * flopsPerPoint) / 1e9, 1)} GFLOP/s${peak ? ` (${fmt((100 * m.median * flopsPerPoint) / 1e9 / peak.at(seriesThreads(m.series, opts.threads)), 0)}% peak)` : ''}`;
    const rows: SummaryRow[] = torchAll.map((t) => {
      const m = measuredOf(t, ms)!;
      return { work: `input-Jacobians + DIM spectra, MLP 784-d, B = ${B}, ${opts.threads} threads vs ${t.label.replace(/^PyTorch (\w+):.*$/, '$1')}${t === best ? ' (the better)' : ''}`, geolens: cell(g), peer: `${cell(m)}, ${layoutShort(t.layout!)}`, ratio: g.median / m.median, ...(t === best ? { target: TARGET } : {}) };
    });
    if (!rows.length) rows.push({ work: `input-Jacobians + DIM spectra, MLP 784-d, B = ${B}, ${opts.threads} threads`, geolens: cell(g), peer: '–' });
    printSummary('DIM spectra (the target is against the better PyTorch method)', rows);
  } finally {
    await pool?.stopAll();
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

await runBench(main);
