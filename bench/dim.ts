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
import { fmt, loadAverage, measure, measuredOf, parseBenchArgs, printHost, ratioLine, runBench, startTorch, table as measuredTable, type BenchOptions, type Measured, type TorchChild, type WarmUp } from './common.js';

const SEED = 1;
const MLP: ModelConfig = { kind: 'mlp', inputShape: [784], widths: [256, 256], numClasses: 10 };
const C = 10;
const D = 784;

interface Options extends BenchOptions {
  batch: number;
  profile: boolean;
}

function parseArgs(argv: string[]): Options {
  return parseBenchArgs<Options>(argv, { batch: 256, profile: true }, {
    '--batch': (o, num) => (o.batch = Math.floor(num())),
    '--no-profile': (o) => (o.profile = false),
  }, 'bench/dim.ts');
}

/** One thing being timed: `run(k)` does k rounds of B points and says how long they took (seconds). */
interface Series {
  label: string;
  /** Part of the work: 'all' (Jacobians + spectra) or a profile part. */
  part: 'all' | 'jacobian' | 'dim' | 'overhead';
  run(rounds: number): Promise<number>;
}

// ------------------------------------------------------------------------------------------------ PyTorch child
/** dim_torch.py's first line also names the Jacobian methods it has. */
type DimTorch = TorchChild<{ methods: string[] }>;

const torchMethods = (torch: DimTorch): string[] => torch.hello.methods ?? ['autograd'];

function torchSeries(torch: DimTorch, method: string, part: Series['part'], threads: number): Series {
  const what = part === 'all' ? 'Jacobian + DIM' : part === 'jacobian' ? 'Jacobian only' : 'DIM reduction only';
  return {
    label: `PyTorch ${method}: ${what}`,
    part,
    run: async (rounds) => (await torch.command<{ seconds: number }>({ cmd: 'run', method, part, rounds, threads })).seconds,
  };
}

// ------------------------------------------------------------------------------------------------ timing
/** Warm-up: at least 3 batches and ~0.8 s; rounds of at least 2 batches. */
const WARM_UP: WarmUp = { first: 1, seconds: 0.8, units: 3, minPerRound: 2 };

/** Interleaved rounds of about `roundMs` each (see `measure`); points/s. */
const timeRounds = (list: Series[], opts: Options): Promise<Measured<Series>[]> => measure(list, { rounds: opts.rounds, roundMs: opts.roundMs, warmUp: WARM_UP, seconds: (sec) => sec, perUnit: opts.batch });

function table(title: string, ms: Measured<Series>[], threads: number, batch: number): void {
  measuredTable(title, ms, {
    label: { header: 'series', width: 52 },
    threads: () => threads,
    rate: { header: 'points/s', width: 10 },
    rangeWidth: 19,
    extra: { header: 'ms/batch', width: 9, cell: (median) => fmt((1000 * batch) / median, 2) },
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
  let torch: DimTorch | undefined;
  try {
    const file: Record<string, SafetensorsInput> = { x: { data: x.data as Float32Array, shape: [B, D] } };
    for (const [k, v] of Object.entries(params)) file[k] = v;
    const dataPath = join(dir, 'batch-and-weights.safetensors');
    await writeSafetensorsFile(dataPath, file);
    torch = await startTorch({
      enabled: opts.torch,
      script: 'dim_torch.py',
      dataPath,
      threads: opts.threads,
      config: { widths: (MLP as { widths: number[] }).widths, inputDim: D },
      describe: (t) => `; Jacobian methods: ${torchMethods(t).join(', ')}`,
    });

    // correctness: the same eigenvalues on the first points
    const gs = dimSpectrum(pre.jacobian, pre.probs);
    if (torch) {
      for (const method of torchMethods(torch)) {
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
    const torchAll = torch ? torchMethods(torch).map((m) => torchSeries(torch!, m, 'all', opts.threads)) : [];
    list.push(...torchAll);
    const ms = await timeRounds(list, opts);
    table(`input Jacobians + DIM spectra, MLP 784-256-256-10, B = ${B}, ${opts.threads} thread(s)`, ms, opts.threads, B);
    const g = measuredOf(geolensAll, ms)!;
    if (torchAll.length) {
      console.log('ratios (same run):');
      for (const t of torchAll) ratioLine(`geolens / ${t.label.replace(/:.*$/, '')}`, g, measuredOf(t, ms), 1, { nameWidth: 45, targetText: '1.0' });
    } else console.log('  geolens / PyTorch: skipped (no PyTorch)');

    if (opts.profile) {
      const parts: Series[] = [geolensJacAll, geolensJac, geolensDim];
      const best = torchAll.length ? torchAll.reduce((a, b) => (measuredOf(a, ms)!.median >= measuredOf(b, ms)!.median ? a : b)) : undefined;
      const bestMethod = best?.label.replace(/^PyTorch (\w+):.*$/, '$1');
      if (torch && bestMethod) parts.push(torchSeries(torch, bestMethod, 'jacobian', opts.threads), torchSeries(torch, bestMethod, 'dim', opts.threads));
      const mp = await timeRounds(parts, opts);
      table('profile: where the time goes (each part alone; points/s of that part)', mp, opts.threads, B);
      const ms_ = (s: Series): number => (1000 * B) / mp.find((m) => m.series === s)!.median;
      const total = (1000 * B) / g.median;
      console.log(`  geolens per batch of ${B}: ${fmt(total, 1)} ms in all (Jacobian graph with J Jᵀ inside, then C×C spectra in JS). For comparison, the J-copying path: inputJacobian ${fmt(ms_(geolensJacAll), 1)} ms (session.run with probs + jacobian alone ${fmt(ms_(geolensJac), 1)} ms) + dimSpectrum from J ${fmt(ms_(geolensDim), 1)} ms`);
      if (torch && bestMethod) {
        const tj = parts[3]!;
        const td = parts[4]!;
        console.log(`  PyTorch ${bestMethod} per batch: Jacobian ${fmt(ms_(tj), 1)} ms + DIM reduction ${fmt(ms_(td), 1)} ms`);
      }
    }
    console.log(`\nload average at end: ${loadAverage()}`);
  } finally {
    await torch?.stop();
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

await runBench(main);
