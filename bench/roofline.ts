/**
 * The roofline of the benches: this machine's measured fp32 peak, a large GEMM (C = A·B, n × n × n, default
 * n = 2048: 17.2 GFLOP, large enough to run at the BLAS kernels' full speed) timed
 *   (1) in onnxruntime through the geolens engine (one MatMul node, MLAS), at 1 thread and at the bench's n threads,
 *   (2) in PyTorch (torch.mm, OpenBLAS) in each thread layout's child (`{"cmd": "gemm"}`, answered by
 *       torch_common.py), or in children of its own (bench/gemm_torch.py) when a bench has none;
 * best of `reps` runs after one warm-up. The peak at t threads is the best GEMM of any engine with at most t threads;
 * every bench prints each series' GFLOP/s as a share of it. Measured once per process (cached); `refinePeak` measures
 * again before a bench's closing summary and keeps the better figures.
 *
 *   npm run bench:roofline -- [--threads N] [--n 2048] [--no-torch]
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createNodeEngine } from '../src/engine/node.js';
import { GraphBuilder } from '../src/onnx/builder.js';
import { Rng } from '../src/util/random.js';
import { fmt, layoutEnv, layoutShort, PeerPool, peerLayouts, printHost, PYTHON, runBench, TorchChild, type Column, type PeerLayout } from './common.js';

export const GEMM_N = 2048;
const REPS = 3;

/** One measured GEMM. */
export interface GemmFigure {
  engine: 'onnxruntime' | 'PyTorch';
  /** Threads it used: onnxruntime's intra-op threads, or the peer's layout. */
  threads: number;
  layout?: PeerLayout;
  gflops: number;
}

/** The measured peak: every GEMM figure, and the best at each thread count. */
export interface Peak {
  n: number;
  figures: GemmFigure[];
  /** GFLOP/s of the best GEMM using at most t threads. */
  at(threads: number): number;
}

const flops = (n: number): number => 2 * n * n * n;

async function ortGemm(threads: number, n: number): Promise<number> {
  const engine = createNodeEngine({ threads });
  try {
    const b = new GraphBuilder('gemm');
    b.namedOutput('c', b.matmul(b.input('a', [n, n]), b.input('b', [n, n])), [n, n]);
    const session = await engine.load(b);
    const rng = new Rng(1);
    const feeds = { a: { data: rng.fillUniform(new Float32Array(n * n), 0, 1), shape: [n, n] }, b: { data: rng.fillUniform(new Float32Array(n * n), 0, 1), shape: [n, n] } };
    await session.run(feeds, ['c']);
    let best = Infinity;
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      await session.run(feeds, ['c']);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return flops(n) / best / 1e9;
  } finally {
    await engine.dispose();
  }
}

/** torch.mm in a child at its layout (any bench's PyTorch child answers {"cmd": "gemm"}). */
async function torchGemm(child: TorchChild, n: number): Promise<number> {
  const r = await child.command<{ seconds: number }>({ cmd: 'gemm', n, reps: REPS });
  return flops(n) / r.seconds / 1e9;
}

const usedThreads = (l: PeerLayout): number => Math.max(l.omp, l.blas);

let cached: Promise<Peak> | undefined;

/**
 * The machine's fp32 peak for a bench at `threads` threads (measured on the first call, then cached for the process).
 * `torch`: the bench's PyTorch children by layout (their GEMM is timed in place); `'own'` starts gemm_torch.py
 * children; undefined leaves PyTorch out.
 */
export function machinePeak(threads: number, torch?: PeerPool<TorchChild<object>> | 'own', n = GEMM_N): Promise<Peak> {
  cached ??= measurePeak(threads, torch, n);
  return cached;
}

async function gemmFigures(threads: number, torch: PeerPool<TorchChild<object>> | 'own' | undefined, n: number): Promise<GemmFigure[]> {
  const figures: GemmFigure[] = [];
  for (const t of [...new Set([1, threads])]) figures.push({ engine: 'onnxruntime', threads: t, gflops: await ortGemm(t, n) });
  let pool = torch === 'own' ? undefined : torch;
  if (torch === 'own' && existsSync(PYTHON)) pool = await PeerPool.start(peerLayouts(threads), (l) => TorchChild.start('gemm_torch.py', '', l.omp, {}, layoutEnv(l)));
  try {
    for (const e of pool?.entries ?? []) figures.push({ engine: 'PyTorch', threads: usedThreads(e.layout), layout: e.layout, gflops: await torchGemm(e.child, n) });
  } finally {
    if (torch === 'own') await pool?.stopAll();
  }
  return figures;
}

async function measurePeak(threads: number, torch: PeerPool<TorchChild<object>> | 'own' | undefined, n: number): Promise<Peak> {
  const figures = await gemmFigures(threads, torch, n);
  const peak: Peak = { n, figures, at: (t) => Math.max(...figures.filter((f) => f.threads <= t).map((f) => f.gflops)) };
  printPeak(peak, threads);
  return peak;
}

/**
 * Measure the GEMMs again (onnxruntime, and the PyTorch children still alive) and keep the better figure of each:
 * on a shared machine one measurement can fall in a busy moment. The closing summaries use the refined peak.
 */
export async function refinePeak(peak: Peak | undefined, threads: number, torch?: PeerPool<TorchChild<object>>): Promise<void> {
  if (!peak) return;
  for (const f of await gemmFigures(threads, torch, peak.n)) {
    const same = peak.figures.find((g) => g.engine === f.engine && g.threads === f.threads && g.layout?.omp === f.layout?.omp && g.layout?.blas === f.layout?.blas);
    if (!same) peak.figures.push(f);
    else same.gflops = Math.max(same.gflops, f.gflops);
  }
  process.stdout.write('refined (best of both measurements) ');
  printPeak(peak, threads);
}

/** One line: every GEMM figure and the peak at 1 and n threads. */
export function printPeak(p: Peak, threads: number): void {
  const each = p.figures.map((f) => `${f.engine} ${f.layout ? layoutShort(f.layout) : `${f.threads}t`} ${fmt(f.gflops, 1)}`).join(', ');
  const ts = [...new Set([1, threads])];
  console.log(`roofline: fp32 GEMM ${p.n}³ (best of ${REPS}), GFLOP/s: ${each}; peak used: ${ts.map((t) => `${t} thread(s) ${fmt(p.at(t), 1)}`).join(', ')} (on a busy machine a series timed at a quieter moment can exceed 100% of it)`);
}

/** The GFLOP/s and %-of-peak columns of a table, for a series that does `flopsPerUnit` per counted unit on `threads`. */
export function rooflineColumns(peak: Peak | undefined, flopsPerUnit: number, threads: number): Column[] {
  const gf = (median: number): number => (median * flopsPerUnit) / 1e9;
  const cols: Column[] = [{ header: 'GFLOP/s', width: 8, cell: (m) => fmt(gf(m), 2) }];
  if (peak) cols.push({ header: '% peak', width: 7, cell: (m) => `${fmt((100 * gf(m)) / peak.at(threads), 1)}%` });
  return cols;
}

// ------------------------------------------------------------------------------------------------ standalone
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, d: number): number => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
  const threads = arg('--threads', 2);
  printHost(threads);
  await machinePeak(threads, argv.includes('--no-torch') ? undefined : 'own', arg('--n', GEMM_N));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runBench(main);
