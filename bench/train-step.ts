/**
 * Side-by-side training-step benchmark (`npm run bench`; never a unit test).
 *
 * The same step — forward, mean softmax cross-entropy, backward, SGD update of every weight and bias — of an MLP
 * 784-256-256-10 at batch 128 on the same random batch from the same initial weights, in
 *   (1) geolens (its Trainer: one onnxruntime session per step, graph built and differentiated by geolens),
 *   (2) TensorFlow.js with the wasm backend,
 *   (3) PyTorch (Debian's python3-torch) as a child process with the same thread count (torch.set_num_threads).
 * After a warm-up the frameworks are timed in interleaved rounds (the order rotates every round) and the median
 * steps/s of the rounds is reported with the ratios geolens/PyTorch and geolens/tfjs from this one run.
 * A small CNN step (geolens and PyTorch) follows.
 *
 *   npm run bench -- [--threads N] [--rounds R] [--round-ms MS] [--no-torch] [--no-tfjs] [--no-cnn]
 *                    [--no-single-thread] [--explore]
 *
 * --explore additionally times the geolens step graph in raw onnxruntime sessions with different session options
 * (what the engine could change), interleaved with the Trainer.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createNodeEngine } from '../src/engine/node.js';
import type { Engine } from '../src/engine/engine.js';
import { buildModel, type ModelConfig, type ModelDef, type Weights } from '../src/models/index.js';
import { writeSafetensorsFile } from '../src/models/node.js';
import type { SafetensorsInput } from '../src/models/safetensors.js';
import { Trainer, buildTrainStep, oneHot } from '../src/train/trainer.js';
import { Rng } from '../src/util/random.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const BATCH = 128;
const LR = 0.01;
const SEED = 1;
const MLP: ModelConfig = { kind: 'mlp', inputShape: [784], widths: [256, 256], numClasses: 10 };
const CNN: ModelConfig = { kind: 'cnn', inputShape: [1, 28, 28], channels: [8, 16], hidden: 64, numClasses: 10 };

// ---------------------------------------------------------------------------------------------- options
interface Options {
  threads: number;
  rounds: number;
  roundMs: number;
  torch: boolean;
  tfjs: boolean;
  cnn: boolean;
  singleThread: boolean;
  explore: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { threads: availableParallelism(), rounds: 7, roundMs: 600, torch: true, tfjs: true, cnn: true, singleThread: true, explore: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--threads') o.threads = Math.floor(num());
    else if (a === '--rounds') o.rounds = Math.floor(num());
    else if (a === '--round-ms') o.roundMs = num();
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--no-tfjs') o.tfjs = false;
    else if (a === '--no-cnn') o.cnn = false;
    else if (a === '--no-single-thread') o.singleThread = false;
    else if (a === '--explore') o.explore = true;
    else throw new Error(`unknown option ${a}; see the header of bench/train-step.ts`);
  }
  if (o.threads === 1) o.singleThread = false;
  return o;
}

// ---------------------------------------------------------------------------------------------- FLOPs
/** Model FLOPs of one step: 2·MACs of every matmul/conv forward, ×3 for forward + weight grads + input grads,
 * minus the first layer's input gradient (nobody computes it). Elementwise work is not counted. */
function stepFlops(c: ModelConfig, n: number): number {
  const fwd: number[] = [];
  if (c.kind === 'mlp') {
    const dims = [c.inputShape.reduce((p, d) => p * d, 1), ...c.widths, c.numClasses];
    for (let i = 0; i + 1 < dims.length; i++) fwd.push(2 * n * dims[i]! * dims[i + 1]!);
  } else {
    let [ch, h, w] = c.inputShape as [number, number, number];
    for (const out of c.channels) {
      fwd.push(2 * n * h * w * out * ch * 9);
      ch = out;
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    const dims = [ch * h * w, ...(c.hidden > 0 ? [c.hidden] : []), c.numClasses];
    for (let i = 0; i + 1 < dims.length; i++) fwd.push(2 * n * dims[i]! * dims[i + 1]!);
  }
  return 3 * fwd.reduce((s, f) => s + f, 0) - fwd[0]!;
}

// ---------------------------------------------------------------------------------------------- series
/** One thing being timed: runs `steps` training steps and says how long they took (seconds) and the last loss. */
interface Series {
  label: string;
  threads: number;
  run(steps: number): Promise<{ seconds: number; loss: number }>;
  /** Losses of the next `k` steps, one by one (the correctness check). */
  losses(k: number): Promise<number[]>;
}

async function geolensSeries(engine: Engine, def: ModelDef, x: Float32Array, y: Int32Array, label: string): Promise<{ series: Series; initial: Weights }> {
  const trainer = await Trainer.create(engine, def, { optimizer: 'sgd', lr: LR, batchSize: BATCH, seed: SEED });
  const initial = trainer.snapshot().params;
  const series: Series = {
    label,
    threads: engine.threads,
    async run(steps) {
      let loss = NaN;
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) loss = await trainer.step(x, y);
      return { seconds: (performance.now() - t0) / 1000, loss };
    },
    async losses(k) {
      const out: number[] = [];
      for (let i = 0; i < k; i++) out.push(await trainer.step(x, y));
      return out;
    },
  };
  return { series, initial };
}

/** The geolens step graph in a raw onnxruntime session with extra session options (the --explore diagnostics). */
async function rawSessionSeries(def: ModelDef, params: Weights, x: Float32Array, y: Int32Array, threads: number, label: string, sessionOptions: Record<string, unknown>): Promise<Series> {
  const ort = await import('onnxruntime-node');
  const bytes = buildTrainStep(def, { optimizer: 'sgd' }).toBytes();
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
    enableCpuMemArena: true,
    ...sessionOptions,
  });
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {
    x: new ort.Tensor('float32', x, [BATCH, ...def.config.inputShape]),
    y_onehot: new ort.Tensor('float32', oneHot(y, def.config.numClasses), [BATCH, def.config.numClasses]),
    lr: new ort.Tensor('float32', Float32Array.of(LR), []),
  };
  const p: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(params)) p[k] = v.data.slice();
  const step = async (): Promise<number> => {
    for (const [k, v] of Object.entries(p)) feeds[k] = new ort.Tensor('float32', v, params[k]!.shape);
    const out = await session.run(feeds);
    for (const k of Object.keys(p)) p[k] = out[`${k}:new`]!.data as Float32Array;
    return (out['loss']!.data as Float32Array)[0]!;
  };
  return {
    label,
    threads,
    async run(steps) {
      let loss = NaN;
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) loss = await step();
      return { seconds: (performance.now() - t0) / 1000, loss };
    },
    async losses(k) {
      const out: number[] = [];
      for (let i = 0; i < k; i++) out.push(await step());
      return out;
    },
  };
}

/**
 * tfjs-core's node bundle registers almost no gradients (the @tensorflow/tfjs union package does, by importing
 * tfjs-core/dist/register_all_gradients, whose extensionless ESM imports Node cannot resolve). Register the
 * gradient configs from tfjs-core's own dist/gradients/*_grad.js files instead; tfjs keeps its engine and
 * registries on the global object, so they serve the bundle's ops.
 */
async function registerTfjsGradients(register: (config: never) => void): Promise<void> {
  const dir = join(HERE, '..', 'node_modules', '@tensorflow', 'tfjs-core', 'dist', 'gradients');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('_grad.js'))) {
    try {
      const m = (await import(pathToFileURL(join(dir, f)).href)) as Record<string, unknown>;
      for (const c of Object.values(m)) if (typeof c === 'object' && c !== null && 'kernelName' in c && 'gradFunc' in c) register(c as never);
    } catch {
      // a few configs (e.g. Prod) import modules Node's ESM resolver cannot load; the MLP needs none of them
    }
  }
}

interface TfjsHandle {
  series: Series;
  version: string;
  simd: boolean;
}

async function tfjsSeries(initial: Weights, x: Float32Array, y: Int32Array): Promise<TfjsHandle> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  await registerTfjsGradients(tf.registerGradient);
  // Node: tfjs-backend-wasm loads its .wasm from node_modules (no download); it has no wasm threads in Node
  // (tfjs issue #3830), so it runs on one thread with SIMD.
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not initialise');
  await tf.ready();
  const v = (name: string): InstanceType<typeof tf.Variable> => tf.variable(tf.tensor(initial[name]!.data, initial[name]!.shape), true, name);
  const layers: [InstanceType<typeof tf.Variable>, InstanceType<typeof tf.Variable>][] = [];
  for (let k = 1; `fc${k}.weight` in initial; k++) layers.push([v(`fc${k}.weight`), v(`fc${k}.bias`)]);
  const cls: [InstanceType<typeof tf.Variable>, InstanceType<typeof tf.Variable>] = [v('classifier.weight'), v('classifier.bias')];
  const xs = tf.tensor2d(x, [BATCH, 784]);
  const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
  const opt = tf.train.sgd(LR);
  const step = (): number => {
    const loss = opt.minimize(() => {
      let h: ReturnType<typeof tf.matMul> = xs;
      for (const [w, b] of layers) h = tf.relu(tf.add(tf.matMul(h, w), b));
      const logits = tf.add(tf.matMul(h, cls[0]), cls[1]);
      return tf.losses.softmaxCrossEntropy(ys, logits) as ReturnType<typeof tf.scalar>;
    }, true)!;
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  };
  return {
    version: tf.version_core,
    simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
    series: {
      label: 'TensorFlow.js wasm',
      threads: 1,
      async run(steps) {
        let loss = NaN;
        const t0 = performance.now();
        for (let i = 0; i < steps; i++) loss = step();
        return { seconds: (performance.now() - t0) / 1000, loss };
      },
      async losses(k) {
        return Array.from({ length: k }, step);
      },
    },
  };
}

/** The PyTorch child process (JSON lines over stdin/stdout; it times its own loop). */
class TorchChild {
  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    readonly version: string,
    readonly threads: number,
  ) {}

  static async start(dataPath: string, threads: number, config: unknown): Promise<TorchChild> {
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const proc = spawn(PYTHON, [join(HERE, 'train_step_torch.py'), '--threads', String(threads), '--data', dataPath, '--config', JSON.stringify(config)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdin.on('error', () => undefined); // a dead child shows up as the end of its stdout instead
    const rl: Interface = createInterface({ input: proc.stdout });
    const lines = rl[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`python exited: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const hello = JSON.parse(first.value) as { ready?: boolean; error?: string; torch?: string; threads?: number };
    if (!hello.ready) {
      proc.kill();
      throw new Error(hello.error ?? 'the PyTorch child did not start');
    }
    return new TorchChild(proc, lines, hello.torch!, hello.threads!);
  }

  async command(cmd: Record<string, unknown>): Promise<{ seconds: number; losses: number[] }> {
    this.proc.stdin.write(JSON.stringify(cmd) + '\n');
    const r = await this.lines.next();
    if (r.done) throw new Error('the PyTorch child exited');
    return JSON.parse(r.value) as { seconds: number; losses: number[] };
  }

  series(model: 'mlp' | 'cnn', threads: number): Series {
    return {
      label: `PyTorch ${this.version}`,
      threads,
      run: async (steps) => {
        const r = await this.command({ cmd: 'run', model, steps, threads });
        return { seconds: r.seconds, loss: r.losses[r.losses.length - 1]! };
      },
      losses: async (k) => (await this.command({ cmd: 'run', model, steps: k, threads, wantLosses: true })).losses,
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

// ---------------------------------------------------------------------------------------------- timing
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

/** Warm up each series, then time them in interleaved rounds of about `roundMs` each (order rotates). */
async function measure(list: Series[], opts: Options): Promise<Measured[]> {
  const stepsPerRound = new Map<Series, number>();
  for (const s of list) {
    // warm-up: at least 5 steps and ~1 s; the last chunk's rate sizes the rounds
    let steps = 2;
    let rate = 0;
    let spent = 0;
    for (;;) {
      const r = await s.run(steps);
      spent += r.seconds;
      rate = steps / r.seconds;
      if (spent >= 1 && steps >= 5) break;
      steps = Math.max(steps * 2, Math.ceil(rate * 0.3));
    }
    stepsPerRound.set(s, Math.max(3, Math.round((rate * opts.roundMs) / 1000)));
  }
  const rates = new Map<Series, number[]>(list.map((s) => [s, []]));
  for (let round = 0; round < opts.rounds; round++) {
    for (let j = 0; j < list.length; j++) {
      const s = list[(round + j) % list.length]!;
      const k = stepsPerRound.get(s)!;
      const r = await s.run(k);
      rates.get(s)!.push(k / r.seconds);
    }
  }
  return list.map((s) => ({ series: s, rates: rates.get(s)!, median: median(rates.get(s)!) }));
}

// ---------------------------------------------------------------------------------------------- output
const fmt = (v: number, d = 1): string => v.toFixed(d);

function table(title: string, flops: number, ms: Measured[]): void {
  console.log(`\n${title}  (${fmt(flops / 1e6)} MFLOP/step; median of ${ms[0]?.rates.length ?? 0} interleaved rounds)`);
  console.log(`  ${'framework'.padEnd(34)} ${'threads'.padStart(7)} ${'steps/s'.padStart(9)} ${'[min – max]'.padStart(17)} ${'GFLOP/s'.padStart(8)}`);
  for (const m of ms) {
    const lo = Math.min(...m.rates);
    const hi = Math.max(...m.rates);
    console.log(`  ${m.series.label.padEnd(34)} ${String(m.series.threads).padStart(7)} ${fmt(m.median).padStart(9)} ${`[${fmt(lo)} – ${fmt(hi)}]`.padStart(17)} ${fmt((m.median * flops) / 1e9, 2).padStart(8)}`);
  }
}

function ratioLine(name: string, a: Measured | undefined, b: Measured | undefined, target: number | undefined): void {
  if (!a || !b) return;
  const r = a.median / b.median;
  const t = target === undefined ? '' : `  (target ≥ ${target}×: ${r >= target ? 'met' : 'NOT met'})`;
  console.log(`  ${name.padEnd(44)} ${fmt(r, 2).padStart(7)}×${t}`);
}

function lossCheck(title: string, rows: { label: string; losses: number[] }[]): void {
  if (rows.length < 2) return;
  const ref = rows[0]!.losses;
  const worst = Math.max(...rows.slice(1).flatMap((r) => r.losses.map((l, i) => Math.abs(l - ref[i]!) / Math.max(1e-12, Math.abs(ref[i]!)))));
  const show = rows.map((r) => `${r.label} ${fmt(r.losses[0]!, 5)}→${fmt(r.losses[r.losses.length - 1]!, 5)}`).join(', ');
  console.log(`check ${title}: loss at steps 1→${ref.length} from the same weights and batch: ${show}; max rel. difference ${worst.toExponential(1)}${worst < 1e-3 ? ' (same computation)' : ' (DIFFERENT: look at this before trusting the timings)'}`);
}

// ---------------------------------------------------------------------------------------------- main
async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const rng = new Rng(SEED);
  const x = rng.fillUniform(new Float32Array(BATCH * 784), 0, 1);
  const y = Int32Array.from({ length: BATCH }, () => rng.int(10));
  const mlpDef = buildModel(MLP);
  const cnnDef = buildModel(CNN);
  const ortVersion = (JSON.parse(readFileSync(join(HERE, '..', 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;

  console.log('geolens training-step benchmark: MLP 784-256-256-10 and a small CNN, batch 128, softmax cross-entropy, SGD lr 0.01');
  console.log(`host: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} logical cores, load average ${loadavg().map((l) => fmt(l, 2)).join(' ')} at start; node ${process.version}, onnxruntime-node ${ortVersion}; threads n = ${opts.threads}`);
  if (loadavg()[0]! > availableParallelism() * 0.5) console.log('note: the machine is busy (load average above half the cores): expect noisy figures; the interleaved medians are the fairest comparison this run can give.');

  const engine = createNodeEngine({ threads: opts.threads });
  const engine1 = opts.singleThread ? createNodeEngine({ threads: 1 }) : undefined;
  const g = await geolensSeries(engine, mlpDef, x, y, 'geolens (Trainer, onnxruntime)');
  const g1 = engine1 ? await geolensSeries(engine1, mlpDef, x, y, 'geolens (Trainer, onnxruntime)') : undefined;
  const gc = opts.cnn ? await geolensSeries(engine, cnnDef, x, y, 'geolens (Trainer, onnxruntime)') : undefined;

  // the batch and initial weights for the other frameworks
  const dir = await mkdtemp(join(tmpdir(), 'geolens-bench-'));
  const file: Record<string, SafetensorsInput> = { x: { data: x, shape: [BATCH, 784] }, y: { data: y, shape: [BATCH] } };
  for (const [k, v] of Object.entries(g.initial)) file[`mlp.${k}`] = v;
  if (gc) for (const [k, v] of Object.entries(gc.initial)) file[`cnn.${k}`] = v;
  const dataPath = join(dir, 'batch-and-weights.safetensors');
  await writeSafetensorsFile(dataPath, file);

  let torch: TorchChild | undefined;
  if (!opts.torch) console.log('skip PyTorch: --no-torch');
  else if (!existsSync(PYTHON)) console.log(`skip PyTorch: ${PYTHON} is absent (apt-get install -y python3-torch)`);
  else {
    try {
      torch = await TorchChild.start(dataPath, opts.threads, { batch: BATCH, lr: LR, mlp: MLP, cnn: CNN });
      console.log(`PyTorch ${torch.version} (child process ${PYTHON}, torch.set_num_threads(${opts.threads}) → ${torch.threads}; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE removed from its environment)`);
    } catch (e) {
      console.log(`skip PyTorch: ${(e as Error).message} (apt-get install -y python3-torch)`);
    }
  }
  let tfjs: TfjsHandle | undefined;
  if (!opts.tfjs) console.log('skip TensorFlow.js: --no-tfjs');
  else {
    try {
      tfjs = await tfjsSeries(g.initial, x, y);
      console.log(`TensorFlow.js ${tfjs.version} wasm backend (SIMD ${tfjs.simd ? 'on' : 'off'}; 1 thread: tfjs-backend-wasm has no multithreading in Node)`);
    } catch (e) {
      console.log(`skip TensorFlow.js: ${(e as Error).message} (npm install --save-dev @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0)`);
    }
  }

  try {
    // correctness: the same 5 steps must give the same losses everywhere
    const check: { label: string; losses: number[] }[] = [{ label: 'geolens', losses: await g.series.losses(5) }];
    if (torch) check.push({ label: 'PyTorch', losses: await torch.series('mlp', opts.threads).losses(5) });
    if (tfjs) check.push({ label: 'tfjs', losses: await tfjs.series.losses(5) });
    lossCheck('MLP', check);

    // MLP at n threads
    const main: Series[] = [g.series];
    const torchMlp = torch?.series('mlp', opts.threads);
    if (torchMlp) main.push(torchMlp);
    if (tfjs) main.push(tfjs.series);
    if (opts.explore) {
      main.push(await rawSessionSeries(mlpDef, g.initial, x, y, opts.threads, 'raw session, engine options', {}));
      main.push(await rawSessionSeries(mlpDef, g.initial, x, y, opts.threads, 'raw session, N fixed to 128', { freeDimensionOverrides: { N: BATCH } }));
      main.push(await rawSessionSeries(mlpDef, g.initial, x, y, opts.threads, 'raw session, no spin-wait', { extra: { session: { intra_op: { allow_spinning: '0' } } } }));
      main.push(await rawSessionSeries(mlpDef, g.initial, x, y, opts.threads, 'raw session, optimisation "extended"', { graphOptimizationLevel: 'extended' }));
    }
    const mlpFlops = stepFlops(MLP, BATCH);
    const ms = await measure(main, opts);
    table(`MLP 784-256-256-10, batch ${BATCH}, ${opts.threads} thread(s)`, mlpFlops, ms);
    const find = (s: Series | undefined, list: Measured[]): Measured | undefined => list.find((m) => m.series === s);
    console.log('ratios (same run):');
    if (torchMlp) ratioLine('geolens / PyTorch (same threads)', find(g.series, ms), find(torchMlp, ms), 1.0);
    else console.log('  geolens / PyTorch: skipped (no PyTorch)');
    if (tfjs) ratioLine('geolens / TensorFlow.js wasm', find(g.series, ms), find(tfjs.series, ms), 20);
    else console.log('  geolens / TensorFlow.js wasm: skipped (no tfjs)');
    const gm = find(g.series, ms)!.median;
    const missed = (torchMlp && gm < find(torchMlp, ms)!.median) || (tfjs && gm < 20 * find(tfjs.series, ms)!.median);
    if (missed && !opts.explore) console.log('  a target is not met: rerun with --explore to time the same step graph under other onnxruntime session options');

    // MLP at one thread each (tfjs-wasm always runs on one thread in Node)
    if (g1) {
      const single: Series[] = [g1.series];
      const torch1 = torch?.series('mlp', 1);
      if (torch1) single.push(torch1);
      if (tfjs) single.push(tfjs.series);
      const ms1 = await measure(single, opts);
      table(`MLP 784-256-256-10, batch ${BATCH}, 1 thread each`, mlpFlops, ms1);
      console.log('ratios (same run, 1 thread each):');
      if (torch1) ratioLine('geolens / PyTorch', find(g1.series, ms1), find(torch1, ms1), undefined);
      if (tfjs) ratioLine('geolens / TensorFlow.js wasm', find(g1.series, ms1), find(tfjs.series, ms1), undefined);
    }

    // small CNN
    if (gc) {
      const cnnFlops = stepFlops(CNN, BATCH);
      const cc: { label: string; losses: number[] }[] = [{ label: 'geolens', losses: await gc.series.losses(5) }];
      const torchCnn = torch?.series('cnn', opts.threads);
      if (torchCnn) cc.push({ label: 'PyTorch', losses: await torchCnn.losses(5) });
      console.log('');
      lossCheck('CNN', cc);
      const list: Series[] = [gc.series];
      if (torchCnn) list.push(torchCnn);
      const mc = await measure(list, opts);
      table(`CNN conv3x3(8)-pool-conv3x3(16)-pool-fc64-fc10 on 1×28×28, batch ${BATCH}, ${opts.threads} thread(s)`, cnnFlops, mc);
      if (torchCnn) {
        console.log('ratios (same run):');
        ratioLine('geolens / PyTorch (same threads)', find(gc.series, mc), find(torchCnn, mc), undefined);
      }
    }
    console.log(`\nload average at end: ${loadavg().map((l) => fmt(l, 2)).join(' ')}`);
  } finally {
    await torch?.stop();
    await engine.dispose();
    await engine1?.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
}
