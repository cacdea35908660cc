/**
 * Side-by-side semi-discrete OT benchmark (`npm run bench:ot`; never a unit test).
 *
 * Iterations per second of pyOMT's step — assign M quasi-random samples of the cube [−½, ½]^d to the power cells of
 * N targets (argmax_i ⟨x, y_i⟩ + h_i), histogram, Adam on h, re-centre — for N = 10,000 targets in d = 64 with
 * M = 100,000 samples per step (the issue's size), in
 *   (1) geolens: the solver's onnxruntime graph (MatMul + Add + ArgMax → int32, float32) in chunks of rows, a JS
 *       count over the indices, adamStep; the Sobol points cached between steps as solveSemiDiscreteOt does, and
 *       regenerated every step as pyOMT does;
 *   (2) PyTorch on CPU (bench/ot_torch.py, Debian's python3-torch): pyOMT_raw.py's loop (SobolEngine reset + draw,
 *       mm over chunks of targets with a running max, bincount, Adam), and the same step chunked over samples.
 * Each side at its best thread layout: geolens with 1 and N intra-op threads; PyTorch in fresh child processes for
 * every OMP_NUM_THREADS × OPENBLAS_NUM_THREADS ∈ {1, N}² (OMP_WAIT_POLICY=PASSIVE) and both code layouts, each
 * printed (common.ts: PeerPool). The layouts are chosen on a short probe (--probe-samples per step), then the best of
 * each side are timed at full size in interleaved rounds of one step, with GFLOP/s of the MatMul and the share of
 * the measured fp32 peak (bench/roofline.ts). First, both sides' histograms at h = 0 are compared (same Sobol
 * points). The last output is a summary table to paste.
 *
 *   npm run bench:ot -- [--threads N] [--targets N] [--dim d] [--samples M] [--probe-samples M'] [--rounds R]
 *                       [--no-torch] [--no-roofline]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeEngine } from '../src/engine/node.js';
import type { CompiledGraph, Engine } from '../src/engine/engine.js';
import { writeSafetensorsFile } from '../src/models/node.js';
import { GraphBuilder } from '../src/onnx/builder.js';
import { adamStep, cellMeasureError, defaultChunkRows, otAssignGraph, SobolSequence, transposeTargets } from '../src/probes/ot/index.js';
import { Rng } from '../src/util/random.js';
import { existsSync } from 'node:fs';
import { fmt, layoutEnv, layoutLabel, layoutShort, measure, parseBenchArgs, PeerPool, peerLayouts, PYTHON, printHost, printSummary, ratioLine, runBench, table, TorchChild, type BenchOptions, type Measured, type MeasureOptions, type PeerLayout, type SummaryRow } from './common.js';
import { machinePeak, refinePeak, rooflineColumns } from './roofline.js';

interface Options extends BenchOptions {
  targets: number;
  dim: number;
  samples: number;
  probeSamples: number;
  roofline: boolean;
}

function parseArgs(argv: string[]): Options {
  const o = parseBenchArgs<Options>(argv, { targets: 10_000, dim: 64, samples: 100_000, probeSamples: 10_000, roofline: true }, {
    '--no-roofline': (o) => (o.roofline = false),
    '--targets': (o, num) => (o.targets = Math.floor(num())),
    '--dim': (o, num) => (o.dim = Math.floor(num())),
    '--samples': (o, num) => (o.samples = Math.floor(num())),
    '--probe-samples': (o, num) => (o.probeSamples = Math.floor(num())),
  }, 'bench/ot.ts');
  if (!argv.includes('--rounds')) o.rounds = 3;
  return o;
}

interface Series {
  label: string;
  threads: number;
  /** The peer's thread layout (PyTorch series). */
  layout?: PeerLayout;
  /** k steps; seconds. */
  run(k: number): Promise<number>;
}

// ------------------------------------------------------------------------------------------------ geolens
/** pyOMT's step on geolens' pieces: the solver's assignment graph, a JS histogram, adamStep. */
class GeolensOt {
  private readonly yt: Float32Array;
  private readonly sobol: SobolSequence;
  private cache: Float32Array | undefined;
  readonly h: Float64Array;
  readonly m: Float64Array;
  readonly v: Float64Array;
  private readonly nu: Float64Array;
  readonly rows: number;
  private constructor(
    private readonly session: CompiledGraph,
    private readonly y: Float32Array,
    private readonly n: number,
    private readonly d: number,
    private readonly samples: number,
    private readonly cached: boolean,
  ) {
    this.yt = transposeTargets(y, n, d);
    this.sobol = new SobolSequence(d);
    this.h = new Float64Array(n);
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
    this.nu = new Float64Array(n).fill(1 / n);
    this.rows = defaultChunkRows(n);
  }

  static async create(engine: Engine, y: Float32Array, n: number, d: number, samples: number, cached: boolean): Promise<GeolensOt> {
    return new GeolensOt(await engine.load(otAssignGraph(d)), y, n, d, samples, cached);
  }

  private points(start: number, count: number, out: Float32Array): Float32Array {
    const u = this.sobol.fill(start, count, new Float64Array(count * this.d));
    for (let i = 0; i < u.length; i++) out[i] = u[i]! - 0.5;
    return out;
  }

  /** Histogram at the current h. */
  async counts(): Promise<Int32Array> {
    const { n, d, rows } = this;
    const M = this.samples;
    if (this.cached && !this.cache) this.cache = this.points(0, M, new Float32Array(M * d));
    const counts = new Int32Array(n);
    const h = { data: Float32Array.from(this.h), shape: [n] };
    const yt = { data: this.yt, shape: [d, n] };
    const scratch = new Float32Array(rows * d);
    for (let s = 0; s < M; s += rows) {
      const c = Math.min(rows, M - s);
      const x = this.cache ? this.cache.subarray(s * d, (s + c) * d) : this.points(s, c, scratch.subarray(0, c * d));
      const cell = (await this.session.run({ x: { data: x, shape: [c, d] }, yt, h }, ['cell'])).cell!.data as Int32Array;
      for (let r = 0; r < c; r++) counts[cell[r]!]!++;
    }
    return counts;
  }

  async step(): Promise<number> {
    const err = cellMeasureError(await this.counts(), this.samples, this.nu);
    adamStep(this, err.diff, 0.1);
    return err.maxError;
  }
}

/** The in-graph histogram alternative: OneHot(argmax) summed over the rows (an [rows, N] one-hot per chunk). */
function oneHotHistogramGraph(d: number, n: number): GraphBuilder {
  const b = new GraphBuilder('ot_onehot_hist');
  const x = b.input('x', ['M', d]);
  const yt = b.input('yt', [d, n]);
  const h = b.input('h', [n]);
  const idx = b.op('ArgMax', [b.add(b.matmul(x, yt), h)], { axis: 1, keepdims: 0 });
  const oh = b.op('OneHot', [idx, b.constInt64([n], []), b.constFloat([0, 1])], { axis: -1 });
  b.namedOutput('counts', b.reduceSum(oh, [0]), [n]);
  return b;
}

// ------------------------------------------------------------------------------------------------ main
async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const { targets: N, dim: d } = o;
  console.log(`geolens OT benchmark: one pyOMT step (assign M Sobol samples of [−½, ½]^${d} to ${N.toLocaleString('en-US')} power cells, histogram, Adam on h) with M = ${o.samples.toLocaleString('en-US')}; thread layouts chosen on a probe with M = ${o.probeSamples.toLocaleString('en-US')}`);
  printHost(o.threads);
  console.log('note: this machine is shared with other engineers: the timings are noisy; ratios come from interleaved rounds of one run.');
  const y = new Rng(1).fillNormal(new Float32Array(N * d), 0.15);
  const engines = new Map<number, Engine>();
  const engineFor = (t: number): Engine => {
    let e = engines.get(t);
    if (!e) engines.set(t, (e = createNodeEngine({ threads: t })));
    return e;
  };
  const geolens = async (t: number, samples: number, cached: boolean): Promise<Series> => {
    const ot = await GeolensOt.create(engineFor(t), y, N, d, samples, cached);
    return {
      label: `geolens, ${cached ? 'samples cached' : 'Sobol regenerated every step'} (${ot.rows} rows/run)`,
      threads: t,
      async run(k) {
        const t0 = performance.now();
        for (let i = 0; i < k; i++) await ot.step();
        return (performance.now() - t0) / 1000;
      },
    };
  };
  const dir = await mkdtemp(join(tmpdir(), 'geolens-bench-ot-'));
  const pools: PeerPool<TorchChild>[] = [];
  const children: TorchChild[] = [];
  try {
    const dataPath = join(dir, 'targets.safetensors');
    await writeSafetensorsFile(dataPath, { targets: { data: y, shape: [N, d] } });
    type Code = 'pyomt' | 'samples';
    const codeLabel = (code: Code): string => (code === 'pyomt' ? 'pyOMT layout (target chunks of 1000)' : 'sample chunks of 256');
    const startChild = (l: PeerLayout, code: Code, samples: number): Promise<TorchChild> =>
      TorchChild.start('ot_torch.py', dataPath, l.omp, { samples, batP: code === 'pyomt' ? 1000 : 256, layout: code }, layoutEnv(l));
    const torchSeries = (c: TorchChild, l: PeerLayout, code: Code): Series => ({
      label: `PyTorch ${c.version} ${codeLabel(code)}, ${layoutLabel(l)}`,
      threads: Math.max(l.omp, l.blas),
      layout: l,
      run: async (k) => (await c.command<{ seconds: number }>({ cmd: 'run', steps: k })).seconds,
    });
    const torchOk = o.torch && existsSync(PYTHON);
    if (o.torch && !torchOk) console.log(`skip PyTorch: ${PYTHON} is absent (apt-get install -y python3-torch)`);

    // ---------------------------------------------------------------- check: the same histogram at h = 0
    if (torchOk) {
      const g = await GeolensOt.create(engineFor(o.threads), y, N, d, o.probeSamples, true);
      const gc = await g.counts();
      try {
        const c = await startChild({ omp: o.threads, blas: 1 }, 'samples', o.probeSamples);
        const tc = (await c.command<{ counts: number[] }>({ cmd: 'hist' })).counts;
        await c.stop();
        let differ = 0;
        let moved = 0;
        for (let i = 0; i < N; i++) {
          if (tc[i] !== gc[i]) differ++;
          moved += Math.abs(tc[i]! - gc[i]!);
        }
        console.log(`check: histograms at h = 0 on the same ${o.probeSamples.toLocaleString('en-US')} Sobol points: ${differ} of ${N} cells differ, ${moved / 2} samples assigned differently${moved / 2 <= o.probeSamples * 1e-3 ? ' (same computation up to float32 ties)' : ' (DIFFERENT: look at this before trusting the timings)'}`);
      } catch (e) {
        console.log(`skip the histogram check: ${(e as Error).message}`);
      }
    }

    // ---------------------------------------------------------------- probe: each side's best thread layout
    const WARM = { first: 1, seconds: 0, units: 1, minPerRound: 1 };
    const PROBE: MeasureOptions<Series> = { rounds: 2, roundMs: 1, warmUp: WARM, seconds: (s) => s, perUnit: 60 };
    const probeList: Series[] = [];
    for (const t of [...new Set([1, o.threads])]) probeList.push(await geolens(t, o.probeSamples, true));
    const probe = await measure(probeList, PROBE);
    table(`probe (geolens): steps per minute with M = ${o.probeSamples.toLocaleString('en-US')}, N = ${N.toLocaleString('en-US')}, d = ${d}`, probe, {
      label: { header: 'series', width: 78 },
      threads: (s) => s.threads,
      rate: { header: 'steps/min', width: 9 },
      rangeWidth: 17,
      extra: [{ header: 's/step', width: 8, cell: (m) => fmt(60 / m, 2) }],
    });
    const bestG = probe.sort((a, b) => b.median - a.median)[0]!;
    // PyTorch: fresh children per thread layout for each code layout (common.ts: PeerPool), the best of all
    let bestT: { layout: PeerLayout; code: Code; rate: number } | undefined;
    if (torchOk) {
      for (const code of ['pyomt', 'samples'] as const) {
        const pool = await PeerPool.start(peerLayouts(o.threads), (l) => startChild(l, code, o.probeSamples));
        pools.push(pool);
        const c = await pool.choose(`PyTorch ${codeLabel(code)}, M = ${o.probeSamples.toLocaleString('en-US')}`, 'steps/min', (child, l) => torchSeries(child, l, code), PROBE);
        if (o.roofline) await machinePeak(o.threads, pool as never); // the GEMM in every layout's child (once)
        await pool.stopAll();
        if (c && (!bestT || c.rate > bestT.rate)) bestT = { layout: c.layout, code, rate: c.rate };
      }
    }

    // ---------------------------------------------------------------- full size, interleaved
    const list: Series[] = [await geolens(bestG.series.threads, o.samples, true), await geolens(bestG.series.threads, o.samples, false)];
    if (bestT) {
      try {
        const c = await startChild(bestT.layout, bestT.code, o.samples);
        children.push(c);
        list.push(torchSeries(c, bestT.layout, bestT.code));
      } catch (e) {
        console.log(`skip PyTorch at full size: ${(e as Error).message}`);
      }
    }
    const peak = o.roofline ? await machinePeak(o.threads) : undefined; // cached when the PyTorch pools measured it
    const flopsPerStep = 2 * o.samples * N * d;
    const full = await measure(list, { rounds: o.rounds, roundMs: 1, warmUp: WARM, seconds: (s) => s, perUnit: 60 });
    table(`OT step at full size: N = ${N.toLocaleString('en-US')} targets, d = ${d}, M = ${o.samples.toLocaleString('en-US')} samples, each side at its best layout; ${fmt(flopsPerStep / 1e9, 1)} GFLOP/step (the MatMul)`, full, {
      label: { header: 'series', width: 78 },
      threads: (s) => (s.layout ? layoutShort(s.layout) : s.threads),
      rate: { header: 'steps/min', width: 9 },
      rangeWidth: 17,
      extra: (s) => [{ header: 's/step', width: 8, cell: (m) => fmt(60 / m, 2) }, ...rooflineColumns(peak, flopsPerStep / 60, s.threads)],
    });
    await refinePeak(peak, o.threads);
    const summary: SummaryRow[] = [];
    const cell = (m: Measured<Series>): string => `${fmt(60 / m.median, 2)} s/step, ${fmt((m.median * flopsPerStep) / 60 / 1e9, 1)} GFLOP/s${peak ? ` (${fmt((100 * m.median * flopsPerStep) / 60 / 1e9 / peak.at(m.series.threads), 0)}% peak)` : ''}`;
    if (full.length > 2) {
      console.log('ratios (same run):');
      ratioLine('geolens (samples cached) / PyTorch', full[0], full[2], 1, { nameWidth: 46, targetText: '1.0' });
      ratioLine('geolens (Sobol every step, as pyOMT) / PyTorch', full[1], full[2], 1, { nameWidth: 46, targetText: '1.0' });
      const peer = `${cell(full[2]!)}, ${codeLabel(bestT!.code)} ${layoutShort(bestT!.layout)}`;
      summary.push({ work: `OT step N = ${N}, d = ${d}, M = ${o.samples}, samples cached`, geolens: cell(full[0]!), peer, ratio: full[0]!.median / full[2]!.median, target: 1 });
      summary.push({ work: 'same, Sobol every step (as pyOMT)', geolens: cell(full[1]!), peer, ratio: full[1]!.median / full[2]!.median, target: 1 });
    } else {
      console.log(`  geolens / PyTorch: skipped (${o.torch ? `no PyTorch at ${PYTHON}` : '--no-torch'})`);
      summary.push({ work: `OT step N = ${N}, d = ${d}, M = ${o.samples}, samples cached`, geolens: cell(full[0]!), peer: '–' });
    }

    // ---------------------------------------------------------------- profile: the histogram in the graph vs in JS
    const e = engineFor(bestG.series.threads);
    const rows = defaultChunkRows(N);
    const xs = new SobolSequence(d).fill(0, rows, new Float32Array(rows * d)).map((v) => v - 0.5);
    const feeds = { x: { data: xs, shape: [rows, d] }, yt: { data: transposeTargets(y, N, d), shape: [d, N] }, h: { data: new Float32Array(N), shape: [N] } };
    const argmax = await e.load(otAssignGraph(d));
    const onehot = await e.load(oneHotHistogramGraph(d, N));
    const chunks = 40;
    const time = async (f: () => Promise<unknown>): Promise<number> => {
      const t0 = performance.now();
      for (let i = 0; i < chunks; i++) await f();
      return (performance.now() - t0) / chunks;
    };
    await time(() => argmax.run(feeds));
    await time(() => onehot.run(feeds));
    const js = await time(async () => {
      const cell = (await argmax.run(feeds, ['cell'])).cell!.data as Int32Array;
      const counts = new Int32Array(N);
      for (let r = 0; r < rows; r++) counts[cell[r]!]!++;
    });
    const graph = await time(() => onehot.run(feeds, ['counts']));
    console.log(`\nprofile (${rows} rows per run, ${bestG.series.threads} thread(s)): ArgMax + JS count ${fmt(js, 2)} ms per run; ArgMax + OneHot + ReduceSum in the graph ${fmt(graph, 2)} ms per run (the solver uses the JS count)`);
    printSummary(`semi-discrete OT step, geolens at ${bestG.series.threads} thread(s)`, summary);
  } finally {
    for (const c of children) await c.stop();
    for (const p of pools) await p.stopAll();
    for (const e of engines.values()) await e.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

await runBench(main);
