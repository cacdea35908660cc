/**
 * Side-by-side magnitude benchmark (`npm run bench:magnitude`; never a unit test).
 *
 * The magnitude function at 20 scales (t = 0.2, 0.4, …, 4: the cloud's convergence scale is ≈ 3.9) of trajectory-like
 * clouds — a random walk x_{k+1} = x_k + 0.01·ξ_k in 10,000 dimensions (float32, as recorded weights are), the first
 * N = 500, 1000, 2000, 4000 points — in
 *   (1) geolens: Euclidean distances as float64 GEMMs on onnxruntime, then per scale Z = exp(−tD) (on this linear
 *       grid by one Hadamard product Z(t − Δ) ∘ exp(−ΔD) per scale, as `solveScales` does for any linear grid) and the exact
 *       Cholesky solve (blocked, Gemm panels on onnxruntime) or conjugate gradient warm-started from the previous
 *       scale (mixed precision: float32 products with float64 residual refinement), with the float64 residual
 *       ‖Zw − 1‖ of every solve; working buffers are reused between runs (src/probes/magnitude/scratch.ts);
 *   (2) NumPy/SciPy (Debian's python3-scipy) as a child process: the same distances (centred GEMM; numpy's X @ X.T
 *       is a syrk), Z = np.exp(−t·D), scipy.linalg.cho_factor / cho_solve as magnipy does, and the same residual.
 * Each side at its best thread count: geolens' onnxruntime threads and the peer's OPENBLAS_NUM_THREADS / OMP_NUM_THREADS
 * ∈ {1, 2} (the peer in a fresh child per setting, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from its environment)
 * are tried at N = 1000 and the fastest kept (for geolens per solver). GFLOP/s count N²·d for the distances (the
 * Gram matrix's lower triangle, as a syrk), N³/3 per Cholesky factorisation and 2N² per CG product. The peer waits in a blocking read while geolens runs (and the bench
 * sleeps 0.3 s after each peer reply, past OpenBLAS's spin-wait); onnxruntime does not spin between ops. Rounds are
 * interleaved, medians reported with the ratios geolens/SciPy of one run. Then geolens' iterative path alone at
 * N = 10,000 (SciPy's dense float64 Cholesky would take minutes per scale there), against the two-minute target.
 *
 *   npm run bench:magnitude -- [--sizes 500,1000,2000,4000] [--big 10000 | --no-big] [--rounds R] [--no-scipy]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy } from '../src/data/npy.js';
import type { Engine } from '../src/engine/engine.js';
import { createNodeEngine } from '../src/engine/node.js';
import { euclideanDistances } from '../src/probes/magnitude/dense.js';
import { giveBack } from '../src/probes/magnitude/scratch.js';
import { MagnitudeSolverState } from '../src/probes/magnitude/solve.js';
import type { MagnitudeSolver } from '../src/probes/magnitude/types.js';
import { Rng } from '../src/util/random.js';
import { fmt, loadAverage, median, PYTHON, printHost, runBench, TorchChild } from './common.js';

const DIM = 10_000;
const SCALES = Array.from({ length: 20 }, (_, k) => Number((0.2 * (k + 1)).toFixed(1)));

interface Options {
  sizes: number[];
  big: number;
  rounds: number;
  scipy: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizes: [500, 1000, 2000, 4000], big: 10_000, rounds: 3, scipy: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--sizes') o.sizes = argv[++i]!.split(',').map(Number);
    else if (a === '--big') o.big = Number(argv[++i]);
    else if (a === '--no-big') o.big = 0;
    else if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--no-scipy') o.scipy = false;
    else throw new Error(`unknown option ${a}; see the header of bench/magnitude.ts`);
  }
  return o;
}

/** The random walk: row k = Σ_{j<k} 0.01·ξ_j, float32 [n, DIM]. */
function randomWalk(n: number, seed = 1): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n * DIM);
  const acc = new Float64Array(DIM);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < DIM; j++) acc[j]! += 0.01 * rng.normal();
    for (let j = 0; j < DIM; j++) x[i * DIM + j] = acc[j]!;
  }
  return x;
}

interface Timing {
  distances: number;
  solves: number;
  magnitude: number[];
  residual: number;
  /** CG: iterations over the 20 scales (float32 products); absent for Cholesky and SciPy. */
  iterations?: number;
  /** CPU seconds of the process (all threads) for distances and solves: what a loaded machine does not inflate as much. */
  cpu: number;
}

async function geolens(engine: Engine, x: Float32Array, n: number, solver: MagnitudeSolver): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const D = await euclideanDistances(engine, x.subarray(0, n * DIM), n, DIM);
  const t1 = performance.now();
  const s = new MagnitudeSolverState(engine, D, n, { solver, consumeDistances: true }); // as runMagnitude does
  const solves = await s.solveScales(SCALES);
  const t2 = performance.now();
  const c1 = process.cpuUsage(c0);
  s.dispose();
  giveBack(D);
  const iterations = solver === 'cg' ? solves.reduce((a, r) => a + (r.iterations ?? 0), 0) : undefined;
  return { distances: (t1 - t0) / 1000, solves: (t2 - t1) / 1000, magnitude: solves.map((r) => r.magnitude), residual: Math.max(...solves.map((r) => r.residual)), cpu: (c1.user + c1.system) / 1e6, ...(iterations !== undefined ? { iterations } : {}) };
}

type Peer = TorchChild;

async function startPeer(dataPath: string, threads: number): Promise<Peer> {
  const saved = { o: process.env.OPENBLAS_NUM_THREADS, m: process.env.OMP_NUM_THREADS };
  process.env.OPENBLAS_NUM_THREADS = String(threads);
  process.env.OMP_NUM_THREADS = String(threads);
  try {
    return await TorchChild.start('magnitude_scipy.py', dataPath, threads, { scales: SCALES });
  } finally {
    for (const [k, v] of [['OPENBLAS_NUM_THREADS', saved.o], ['OMP_NUM_THREADS', saved.m]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function peerRun(peer: Peer, n: number): Promise<Timing> {
  const r = await peer.command<{ seconds: { distances: number; solves: number }; cpu: number; magnitude: number[]; residual: number; error?: string }>({ cmd: 'run', n });
  if (r.error) throw new Error(r.error);
  await sleep(300); // past OpenBLAS's spin-wait, so its idle threads do not compete with geolens
  return { ...r.seconds, cpu: r.cpu, magnitude: r.magnitude, residual: r.residual };
}

const total = (t: Timing): number => t.distances + t.solves;
/** GFLOP/s: distances N²·d (a syrk's count), Cholesky 20·N³/3, CG 2N² per product. */
const gemmRate = (n: number, t: Timing): number => (n * n * DIM) / t.distances / 1e9;
const solveRate = (n: number, t: Timing): number => (t.iterations !== undefined ? t.iterations * 2 * n * n : (SCALES.length * n ** 3) / 3) / t.solves / 1e9;
const maxRel = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / Math.abs(b[i]!)));

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const nMax = Math.max(...o.sizes, 1000);
  console.log(`geolens magnitude benchmark: the magnitude function at ${SCALES.length} scales (t = ${SCALES[0]}…${SCALES[SCALES.length - 1]}) of a random walk in R^${DIM} (float32 points), N = ${o.sizes.join(', ')}${o.big ? `; iterative path alone at N = ${o.big}` : ''}`);
  printHost(2);
  const dir = mkdtempSync(join(tmpdir(), 'geolens-bench-mag-'));
  const t0 = performance.now();
  const x = randomWalk(Math.max(nMax, o.big));
  console.log(`cloud: ${fmt((performance.now() - t0) / 1000, 1)} s to draw ${Math.max(nMax, o.big)} points`);
  const dataPath = join(dir, 'walk.npy');
  const engines = new Map<number, Engine>([1, 2].map((t) => [t, createNodeEngine({ threads: t })]));
  let peer: Peer | undefined;
  try {
    // ------------------------------------------------------------ thread layouts, at N = 1000
    let scipyOk = o.scipy && existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import scipy'], { stdio: 'ignore' }).status === 0;
    if (!o.scipy) console.log('skip SciPy: --no-scipy');
    else if (!scipyOk) console.log(`skip SciPy: ${PYTHON} has no scipy (apt-get install -y python3-scipy)`);
    if (scipyOk) writeFileSync(dataPath, encodeNpy({ data: x.subarray(0, nMax * DIM), shape: [nMax, DIM] }));
    console.log('\nthread layouts at N = 1000 (distances + 20 solves, one run each after a warm-up):');
    const gBest: Record<MagnitudeSolver, [number, number]> = { cholesky: [1, Infinity], cg: [1, Infinity] };
    for (const t of [1, 2]) {
      for (const solver of ['cholesky', 'cg'] as const) {
        await geolens(engines.get(t)!, x, 500, solver);
        const r = await geolens(engines.get(t)!, x, 1000, solver);
        if (total(r) < gBest[solver][1]) gBest[solver] = [t, total(r)];
        console.log(`  geolens ${solver === 'cg' ? 'CG' : 'Cholesky'}, onnxruntime threads ${t}: ${fmt(total(r), 2)} s`);
      }
    }
    const gThreads = { cholesky: gBest.cholesky[0], cg: gBest.cg[0] };
    let pThreads = 1;
    if (scipyOk) {
      const pTimes: [number, number][] = [];
      for (const t of [1, 2]) {
        const p = await startPeer(dataPath, t);
        await peerRun(p, 500);
        const r = await peerRun(p, 1000);
        await p.stop();
        pTimes.push([t, total(r)]);
        console.log(`  SciPy, OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=${t} (fresh child): ${fmt(total(r), 2)} s`);
      }
      pThreads = pTimes.reduce((a, b) => (b[1] < a[1] ? b : a))[0];
      peer = await startPeer(dataPath, pThreads);
      console.log(`  kept: SciPy ${pThreads} thread(s) (${peer.version})`);
    }
    console.log(`  kept: geolens Cholesky ${gThreads.cholesky} thread(s), CG ${gThreads.cg} thread(s)`);
    const engineFor = (solver: MagnitudeSolver): Engine => engines.get(gThreads[solver])!;

    // ------------------------------------------------------------ side by side
    const rows: { n: number; chol: Timing; cg: Timing; scipy?: Timing }[] = [];
    for (const n of o.sizes) {
      const rounds = n >= 4000 ? 1 : o.rounds;
      const runs: { chol: Timing[]; cg: Timing[]; scipy: Timing[] } = { chol: [], cg: [], scipy: [] };
      for (let r = 0; r < rounds; r++) {
        const order = [0, 1, 2].map((k) => (k + r) % 3);
        for (const k of order) {
          if (k === 0) runs.chol.push(await geolens(engineFor('cholesky'), x, n, 'cholesky'));
          else if (k === 1) runs.cg.push(await geolens(engineFor('cg'), x, n, 'cg'));
          else if (peer) runs.scipy.push(await peerRun(peer, n));
        }
      }
      const med = (ts: Timing[]): Timing => {
        const m = median(ts.map(total));
        return ts.find((t) => total(t) === m) ?? ts.reduce((a, b) => (Math.abs(total(b) - m) < Math.abs(total(a) - m) ? b : a));
      };
      const row = { n, chol: med(runs.chol), cg: med(runs.cg), ...(runs.scipy.length ? { scipy: med(runs.scipy) } : {}) };
      rows.push(row);
      const s = row.scipy;
      const check = s ? `; |geolens − SciPy|/SciPy ≤ ${maxRel(row.chol.magnitude, s.magnitude).toExponential(1)} (Cholesky), ${maxRel(row.cg.magnitude, s.magnitude).toExponential(1)} (CG)` : '';
      console.log(`  N = ${n}: done (${rounds} round${rounds > 1 ? 's' : ''}, load ${loadAverage()})${check}; largest ‖Zw − 1‖₂: Cholesky ${row.chol.residual.toExponential(1)}, CG ${row.cg.residual.toExponential(1)} (${row.cg.iterations} iterations)${s ? `, SciPy ${s.residual.toExponential(1)}` : ''}`);
    }

    console.log(`\nmagnitude function, 20 scales, seconds (median of interleaved rounds; 1 round at N ≥ 4000; load ${loadAverage()}); geolens Cholesky ${gThreads.cholesky} thread(s), CG ${gThreads.cg}, SciPy ${pThreads}`);
    const head = ['N', 'SciPy dist', 'SciPy solves', 'SciPy all', 'geolens dist', 'Cholesky', 'CG', 'all (Chol.)', 'all (CG)', 'ratio Chol.', 'ratio CG'];
    console.log('  ' + head.map((h, i) => (i ? h.padStart(13) : h.padEnd(6))).join(''));
    for (const r of rows) {
      const s = r.scipy;
      const cells = [String(r.n), s ? fmt(s.distances, 2) : '—', s ? fmt(s.solves, 2) : '—', s ? fmt(total(s), 2) : '—', fmt(r.chol.distances, 2), fmt(r.chol.solves, 2), fmt(r.cg.solves, 2), fmt(total(r.chol), 2), fmt(r.cg.distances + r.cg.solves, 2), s ? `${fmt(total(s) / total(r.chol), 2)}×` : '—', s ? `${fmt(total(s) / total(r.cg), 2)}×` : '—'];
      console.log('  ' + cells.map((c, i) => (i ? c.padStart(13) : c.padEnd(6))).join(''));
    }
    console.log('  (ratio = SciPy time / geolens time: above 1 means geolens is faster)');
    console.log('\nCPU seconds of the same runs (process CPU time, all threads; the load inflates wall time more than this)');
    console.log('  ' + ['N', 'SciPy', 'Cholesky', 'CG', 'ratio Chol.', 'ratio CG'].map((h, i) => (i ? h.padStart(12) : h.padEnd(6))).join(''));
    for (const r of rows) {
      const s = r.scipy;
      const cells = [String(r.n), s ? fmt(s.cpu, 2) : '—', fmt(r.chol.cpu, 2), fmt(r.cg.cpu, 2), s ? `${fmt(s.cpu / r.chol.cpu, 2)}×` : '—', s ? `${fmt(s.cpu / r.cg.cpu, 2)}×` : '—'];
      console.log('  ' + cells.map((c, i) => (i ? c.padStart(12) : c.padEnd(6))).join(''));
    }
    console.log('\nGFLOP/s (distances: N²·d; Cholesky: 20·N³/3; CG: 2N² per float32 product)');
    const rhead = ['N', 'SciPy dist', 'SciPy chol', 'geolens dist', 'geolens chol', 'geolens CG'];
    console.log('  ' + rhead.map((h, i) => (i ? h.padStart(13) : h.padEnd(6))).join(''));
    for (const r of rows) {
      const s = r.scipy;
      const cells = [String(r.n), s ? fmt(gemmRate(r.n, s), 1) : '—', s ? fmt(solveRate(r.n, s), 1) : '—', fmt(gemmRate(r.n, r.chol), 1), fmt(solveRate(r.n, r.chol), 1), fmt(solveRate(r.n, r.cg), 1)];
      console.log('  ' + cells.map((c, i) => (i ? c.padStart(13) : c.padEnd(6))).join(''));
    }
    const at2000 = rows.find((r) => r.n === 2000);
    if (at2000?.scipy) {
      const best = Math.max(total(at2000.scipy) / total(at2000.chol), total(at2000.scipy) / total(at2000.cg));
      console.log(`  N = 2000: geolens (best solver) / SciPy speed ratio ${fmt(best, 2)}× (target ≥ 1.0×: ${best >= 1 ? 'met' : 'NOT met'})`);
    }
    console.log('\ngrowth with N (exponent k in time ∝ N^k between consecutive sizes):');
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1]!;
      const b = rows[i]!;
      const k = (ta: number, tb: number): string => fmt(Math.log(tb / ta) / Math.log(b.n / a.n), 2);
      const parts = [`geolens Cholesky ${k(total(a.chol), total(b.chol))}`, `geolens CG ${k(total(a.cg), total(b.cg))}`, `geolens distances ${k(a.chol.distances, b.chol.distances)}`];
      if (a.scipy && b.scipy) parts.push(`SciPy ${k(total(a.scipy), total(b.scipy))}`, `SciPy solves ${k(a.scipy.solves, b.scipy.solves)}`, `SciPy distances ${k(a.scipy.distances, b.scipy.distances)}`);
      console.log(`  ${a.n} → ${b.n}: ${parts.join(', ')}`);
    }
    await peer?.stop();
    peer = undefined;

    // ------------------------------------------------------------ the iterative path at scale
    if (o.big) {
      console.log(`\niterative path at N = ${o.big} (geolens CG, distances + 20 scales, one run; load ${loadAverage()}):`);
      const r = await geolens(engineFor('cg'), x, o.big, 'cg');
      const m = r.magnitude;
      console.log(`  distances ${fmt(r.distances, 1)} s (${fmt(gemmRate(o.big, r), 1)} GFLOP/s) + 20 CG solves ${fmt(r.solves, 1)} s (${r.iterations} iterations, ${fmt(solveRate(o.big, r), 1)} GFLOP/s) = ${fmt(total(r), 1)} s wall, ${fmt(r.cpu, 1)} s CPU (target < 120 s: ${total(r) < 120 ? 'met' : 'NOT met'}); |tX| from ${fmt(m[0]!, 1)} to ${fmt(m[m.length - 1]!, 1)}, largest residual ${r.residual.toExponential(1)}`);
    }
    console.log(`\nload average at end: ${loadAverage()}`);
  } finally {
    await peer?.stop();
    for (const e of engines.values()) await e.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await runBench(main);
