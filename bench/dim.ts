/**
 * Side-by-side DIM benchmark (`npm run bench:dim`; never a unit test).
 *
 * Throughput of input Jacobians + Data Information Matrix spectra for an MLP 784-256-256-10 (ReLU) on a batch of
 * B = 256 random 784-d inputs, from the same weights, in
 *   (1) geolens: `inputJacobian` (its batched reverse-mode Jacobian graph on onnxruntime, one run of B samples) and
 *       `dimSpectrum` (the C×C reduction A^{1/2} J Jᵀ A^{1/2} in JS, float64),
 *   (2) PyTorch (Debian's python3-torch) as a child process with the same thread count: J by
 *       torch.autograd.functional.jacobian(vectorize=True) and, when importable, functorch vmap(jacrev), then the same
 *       C×C reduction in torch (float64 from the Gram matrix on).
 * After a warm-up the series are timed in interleaved rounds (the order rotates every round); the median points/s
 * of the rounds is reported with the ratio geolens/PyTorch from this one run. A profile splits each side into its
 * Jacobian and its spectrum part.
 *
 *   npm run bench:dim -- [--threads N] [--batch B] [--rounds R] [--round-ms MS] [--no-torch] [--no-profile]
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildInputJacobian, inputJacobian, inputJacobianOutputs } from '../src/autodiff/jacobian.js';
import { importDefinition } from '../src/cli/target.js';
import { createNodeEngine } from '../src/engine/node.js';
import { buildModel, initWeights, type ModelConfig } from '../src/models/index.js';
import { writeSafetensorsFile } from '../src/models/node.js';
import type { SafetensorsInput } from '../src/models/safetensors.js';
import { dimSpectrum, dimSpectrumFromGram } from '../src/probes/dim/compute.js';
import type { Tensor } from '../src/tensor.js';
import { Rng } from '../src/util/random.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const SEED = 1;
const MLP: ModelConfig = { kind: 'mlp', inputShape: [784], widths: [256, 256], numClasses: 10 };
const C = 10;
const D = 784;

interface Options {
  threads: number;
  batch: number;
  rounds: number;
  roundMs: number;
  torch: boolean;
  profile: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { threads: availableParallelism(), batch: 256, rounds: 7, roundMs: 600, torch: true, profile: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--threads') o.threads = Math.floor(num());
    else if (a === '--batch') o.batch = Math.floor(num());
    else if (a === '--rounds') o.rounds = Math.floor(num());
    else if (a === '--round-ms') o.roundMs = num();
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--no-profile') o.profile = false;
    else throw new Error(`unknown option ${a}; see the header of bench/dim.ts`);
  }
  return o;
}

/** One thing being timed: `run(k)` does k rounds of B points and says how long they took (seconds). */
interface Series {
  label: string;
  /** Part of the work: 'all' (Jacobians + spectra) or a profile part. */
  part: 'all' | 'jacobian' | 'dim' | 'overhead';
  run(rounds: number): Promise<number>;
}

// ------------------------------------------------------------------------------------------------ PyTorch child
class TorchChild {
  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    readonly version: string,
    readonly threads: number,
    readonly methods: string[],
  ) {}

  static async start(dataPath: string, threads: number, config: unknown): Promise<TorchChild> {
    // OpenBLAS settings meant for this process's onnxruntime are not the child's business
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const proc = spawn(PYTHON, [join(HERE, 'dim_torch.py'), '--threads', String(threads), '--data', dataPath, '--config', JSON.stringify(config)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdin.on('error', () => undefined);
    const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`python exited: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const hello = JSON.parse(first.value) as { ready?: boolean; error?: string; torch?: string; threads?: number; methods?: string[] };
    if (!hello.ready) {
      proc.kill();
      throw new Error(hello.error ?? 'the PyTorch child did not start');
    }
    return new TorchChild(proc, lines, hello.torch!, hello.threads!, hello.methods ?? ['autograd']);
  }

  async command<T>(cmd: Record<string, unknown>): Promise<T> {
    this.proc.stdin.write(JSON.stringify(cmd) + '\n');
    const r = await this.lines.next();
    if (r.done) throw new Error('the PyTorch child exited');
    return JSON.parse(r.value) as T;
  }

  series(method: string, part: Series['part'], threads: number): Series {
    const what = part === 'all' ? 'Jacobian + DIM' : part === 'jacobian' ? 'Jacobian only' : 'DIM reduction only';
    return {
      label: `PyTorch ${method}: ${what}`,
      part,
      run: async (rounds) => (await this.command<{ seconds: number }>({ cmd: 'run', method, part, rounds, threads })).seconds,
    };
  }

  async stop(): Promise<void> {
    this.proc.stdin.write(JSON.stringify({ cmd: 'quit' }) + '\n');
    this.proc.stdin.end();
    await new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null) resolve();
      else this.proc.once('exit', () => resolve());
    });
  }
}

// ------------------------------------------------------------------------------------------------ timing
interface Measured {
  series: Series;
  rates: number[];
  median: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Warm up each series, then time them in interleaved rounds of about `roundMs` each (order rotates); points/s. */
async function measure(list: Series[], opts: Options): Promise<Measured[]> {
  const per = new Map<Series, number>();
  for (const s of list) {
    let k = 1;
    let spent = 0;
    let rate = 0;
    for (;;) {
      const sec = await s.run(k);
      spent += sec;
      rate = k / sec;
      if (spent >= 0.8 && k >= 3) break;
      k = Math.max(k * 2, Math.ceil(rate * 0.3));
    }
    per.set(s, Math.max(2, Math.round((rate * opts.roundMs) / 1000)));
  }
  const rates = new Map<Series, number[]>(list.map((s) => [s, []]));
  for (let round = 0; round < opts.rounds; round++) {
    for (let j = 0; j < list.length; j++) {
      const s = list[(round + j) % list.length]!;
      const k = per.get(s)!;
      const sec = await s.run(k);
      rates.get(s)!.push((k * opts.batch) / sec);
    }
  }
  return list.map((s) => ({ series: s, rates: rates.get(s)!, median: median(rates.get(s)!) }));
}

const fmt = (v: number, d = 1): string => v.toFixed(d);

function table(title: string, ms: Measured[], threads: number, batch: number): void {
  console.log(`\n${title}  (median of ${ms[0]?.rates.length ?? 0} interleaved rounds)`);
  console.log(`  ${'series'.padEnd(52)} ${'threads'.padStart(7)} ${'points/s'.padStart(10)} ${'[min – max]'.padStart(19)} ${'ms/batch'.padStart(9)}`);
  for (const m of ms) {
    const lo = Math.min(...m.rates);
    const hi = Math.max(...m.rates);
    console.log(`  ${m.series.label.padEnd(52)} ${String(threads).padStart(7)} ${fmt(m.median).padStart(10)} ${`[${fmt(lo)} – ${fmt(hi)}]`.padStart(19)} ${fmt((1000 * batch) / m.median, 2).padStart(9)}`);
  }
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
  const ortVersion = (JSON.parse(readFileSync(join(HERE, '..', 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;

  console.log(`geolens DIM benchmark: input Jacobians + DIM spectra, MLP 784-256-256-10 (ReLU, initial weights seed ${SEED}), batch B = ${B} of U(0,1) inputs`);
  console.log(`host: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} logical cores, load average ${loadavg().map((l) => fmt(l, 2)).join(' ')} at start; node ${process.version}, onnxruntime-node ${ortVersion}; threads n = ${opts.threads}`);
  if (loadavg()[0]! > availableParallelism() * 0.5) console.log('note: the machine is busy (load average above half the cores): expect noisy figures; the interleaved medians are the fairest comparison this run can give.');

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
  let torch: TorchChild | undefined;
  try {
    const file: Record<string, SafetensorsInput> = { x: { data: x.data as Float32Array, shape: [B, D] } };
    for (const [k, v] of Object.entries(params)) file[k] = v;
    const dataPath = join(dir, 'batch-and-weights.safetensors');
    await writeSafetensorsFile(dataPath, file);
    if (!opts.torch) console.log('skip PyTorch: --no-torch');
    else if (!existsSync(PYTHON)) console.log(`skip PyTorch: ${PYTHON} is absent (apt-get install -y python3-torch)`);
    else {
      try {
        torch = await TorchChild.start(dataPath, opts.threads, { widths: (MLP as { widths: number[] }).widths, inputDim: D });
        console.log(`PyTorch ${torch.version} (child process ${PYTHON}, torch.set_num_threads(${opts.threads}) → ${torch.threads}; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE removed from its environment; Jacobian methods: ${torch.methods.join(', ')})`);
      } catch (e) {
        console.log(`skip PyTorch: ${(e as Error).message} (apt-get install -y python3-torch)`);
      }
    }

    // correctness: the same eigenvalues on the first points
    const gs = dimSpectrum(pre.jacobian, pre.probs);
    if (torch) {
      for (const method of torch.methods) {
        const t = await torch.command<{ eigenvalues: number[][] }>({ cmd: 'check', method });
        let worst = 0;
        t.eigenvalues.forEach((lam, i) => {
          const g = gs.points[i]!.eigenvalues;
          for (let k = 0; k < lam.length; k++) worst = Math.max(worst, Math.abs(lam[k]! - g[k]!) / g[0]!);
        });
        console.log(`check (${method}): eigenvalues of the first ${t.eigenvalues.length} points, max |λ_k(torch) − λ_k(geolens)| / λ_1 = ${worst.toExponential(1)}${worst < 1e-4 ? ' (same computation)' : ' (DIFFERENT: look at this before trusting the timings)'}`);
      }
    }

    const list: Series[] = [geolensAll];
    const torchAll = torch ? torch.methods.map((m) => torch!.series(m, 'all', opts.threads)) : [];
    list.push(...torchAll);
    const ms = await measure(list, opts);
    table(`input Jacobians + DIM spectra, MLP 784-256-256-10, B = ${B}, ${opts.threads} thread(s)`, ms, opts.threads, B);
    const g = ms.find((m) => m.series === geolensAll)!;
    if (torchAll.length) {
      console.log('ratios (same run):');
      for (const t of torchAll) {
        const m = ms.find((q) => q.series === t)!;
        const r = g.median / m.median;
        console.log(`  geolens / ${t.label.replace(/:.*$/, '')}`.padEnd(48) + `${fmt(r, 2).padStart(7)}×  (target ≥ 1.0×: ${r >= 1 ? 'met' : 'NOT met'})`);
      }
    } else console.log('  geolens / PyTorch: skipped (no PyTorch)');

    if (opts.profile) {
      const parts: Series[] = [geolensJacAll, geolensJac, geolensDim];
      const best = torchAll.length ? torchAll.reduce((a, b) => (ms.find((m) => m.series === a)!.median >= ms.find((m) => m.series === b)!.median ? a : b)) : undefined;
      const bestMethod = best?.label.replace(/^PyTorch (\w+):.*$/, '$1');
      if (torch && bestMethod) parts.push(torch.series(bestMethod, 'jacobian', opts.threads), torch.series(bestMethod, 'dim', opts.threads));
      const mp = await measure(parts, opts);
      table('profile: where the time goes (each part alone; points/s of that part)', mp, opts.threads, B);
      const ms_ = (s: Series): number => (1000 * B) / mp.find((m) => m.series === s)!.median;
      const total = (1000 * B) / g.median;
      console.log(`  geolens per batch of ${B}: ${fmt(total, 1)} ms in all (Jacobian graph with J Jᵀ inside, then C×C spectra in JS). For comparison, the J-copying path: inputJacobian ${fmt(ms_(geolensJacAll), 1)} ms (session.run with probs + jacobian alone ${fmt(ms_(geolensJac), 1)} ms) + dimSpectrum from J ${fmt(ms_(geolensDim), 1)} ms`);
      if (torch && bestMethod) {
        const tj = parts[4]!;
        const td = parts[5]!;
        console.log(`  PyTorch ${bestMethod} per batch: Jacobian ${fmt(ms_(tj), 1)} ms + DIM reduction ${fmt(ms_(td), 1)} ms`);
      }
    }
    console.log(`\nload average at end: ${loadavg().map((l) => fmt(l, 2)).join(' ')}`);
  } finally {
    await torch?.stop();
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
}
