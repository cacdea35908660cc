/**
 * Side-by-side training-step benchmark (`npm run bench`; never a unit test).
 *
 * The same step — forward, mean softmax cross-entropy, backward, SGD update of every weight and bias — of an MLP
 * 784-256-256-10 at batch 128 on the same random batch from the same initial weights, in
 *   (1) geolens (its Trainer: one onnxruntime session per step, graph built and differentiated by geolens),
 *   (2) TensorFlow.js with the wasm backend,
 *   (3) PyTorch (Debian's python3-torch) at its best thread layout: one fresh child process per
 *       OMP_NUM_THREADS × OPENBLAS_NUM_THREADS ∈ {1, N}² (OMP_WAIT_POLICY=PASSIVE, torch.set_num_threads = OMP), a
 *       short probe of each (printed), the best kept for the rounds, the others stopped (common.ts: PeerPool).
 * After a warm-up the frameworks are timed in interleaved rounds (the order rotates every round) and the median
 * steps/s of the rounds is reported with the ratios geolens/PyTorch and geolens/tfjs from this one run.
 * A small CNN step (geolens and PyTorch, its own best layout) follows, then a scaling table of the MLP step
 * (batch 32…1024 at width 256, width 128…1024 at batch 128). Every table gives GFLOP/s and the share of the
 * measured fp32 peak (bench/roofline.ts); the last output is a summary table to paste.
 *
 *   npm run bench -- [--threads N] [--rounds R] [--round-ms MS] [--no-torch] [--no-tfjs] [--no-cnn]
 *                    [--no-single-thread] [--no-scaling] [--no-roofline] [--explore]
 *
 * --explore additionally times the geolens step graph in raw onnxruntime sessions with different session options
 * (what the engine could change), interleaved with the Trainer.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createNodeEngine } from '../src/engine/node.js';
import type { Engine } from '../src/engine/engine.js';
import { buildModel, type ClassifierConfig, type ModelDef, type Weights } from '../src/models/index.js';
import { writeSafetensorsFile } from '../src/models/node.js';
import type { SafetensorsInput } from '../src/models/safetensors.js';
import { Trainer, buildTrainStep, oneHot } from '../src/train/trainer.js';
import { Rng } from '../src/util/random.js';
import { fmt, HERE, layoutLabel, layoutShort, measure, measuredOf as find, parseBenchArgs, peerLayouts, printHost, printSummary, ratioLine, runBench, startTorchPool, table as measuredTable, type BenchOptions, type Chosen, type Measured, type MeasureOptions, type PeerLayout, type SummaryRow, type TorchChild, type WarmUp } from './common.js';
import { machinePeak, refinePeak, rooflineColumns, type Peak } from './roofline.js';

const BATCH = 128;
const LR = 0.01;
const SEED = 1;
const MLP: ClassifierConfig = { kind: 'mlp', inputShape: [784], widths: [256, 256], numClasses: 10 };
const CNN: ClassifierConfig = { kind: 'cnn', inputShape: [1, 28, 28], channels: [8, 16], hidden: 64, numClasses: 10 };
/** Issue 9's targets for geolens / PyTorch at its best layout. */
const TARGET = { mlp: 1.3, mlp1: 1.1, cnn: 1.0 };

// ---------------------------------------------------------------------------------------------- options
interface Options extends BenchOptions {
  tfjs: boolean;
  cnn: boolean;
  singleThread: boolean;
  scaling: boolean;
  roofline: boolean;
  explore: boolean;
}

function parseArgs(argv: string[]): Options {
  const o = parseBenchArgs<Options>(argv, { tfjs: true, cnn: true, singleThread: true, scaling: true, roofline: true, explore: false }, {
    '--no-tfjs': (o) => (o.tfjs = false),
    '--no-scaling': (o) => (o.scaling = false),
    '--no-roofline': (o) => (o.roofline = false),
    '--no-cnn': (o) => (o.cnn = false),
    '--no-single-thread': (o) => (o.singleThread = false),
    '--explore': (o) => (o.explore = true),
  }, 'bench/train-step.ts');
  if (o.threads === 1) o.singleThread = false;
  return o;
}

// ---------------------------------------------------------------------------------------------- FLOPs
/** Model FLOPs of one step: 2·MACs of every matmul/conv forward, ×3 for forward + weight grads + input grads,
 * minus the first layer's input gradient (nobody computes it). Elementwise work is not counted. */
function stepFlops(c: ClassifierConfig, n: number): number {
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
  /** Intra-op threads, or the peer's layout. */
  threads: number;
  layout?: PeerLayout;
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
    y_onehot: new ort.Tensor('float32', oneHot(y, (def.config as ClassifierConfig).numClasses), [BATCH, (def.config as ClassifierConfig).numClasses]),
    lr: new ort.Tensor('float32', Float32Array.of(LR), []),
  };
  const p: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(params)) p[k] = v.data.slice();
  const step = async (): Promise<number> => {
    for (const [k, v] of Object.entries(p)) feeds[k] = new ort.Tensor('float32', v, params[k]!.shape);
    const out = await session.run(feeds);
    for (const k of Object.keys(p)) p[k] = out[`${k}:new`]!.data as Float32Array;
    const loss = (out['loss']!.data as Float32Array)[0]!;
    for (const t of Object.values(out)) t.dispose(); // as the engine does (the data arrays are JS-owned copies)
    return loss;
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

/** A model's step in a PyTorch child at its layout (train_step_torch.py; it times its own loop). */
function torchSeries(torch: TorchChild, model: 'mlp' | 'cnn', layout: PeerLayout): Series {
  const command = (cmd: Record<string, unknown>) => torch.command<{ seconds: number; losses: number[] }>(cmd);
  return {
    label: `PyTorch ${torch.version} (${layoutLabel(layout)})`,
    threads: Math.max(layout.omp, layout.blas),
    layout,
    run: async (steps) => {
      const r = await command({ cmd: 'run', model, steps });
      return { seconds: r.seconds, loss: r.losses[r.losses.length - 1]! };
    },
    losses: async (k) => (await command({ cmd: 'run', model, steps: k, wantLosses: true })).losses,
  };
}

// ---------------------------------------------------------------------------------------------- timing
/** Warm-up: at least 5 steps and ~1 s; rounds of at least 3 steps. */
const WARM_UP: WarmUp = { first: 2, seconds: 1, units: 5, minPerRound: 3 };

/** Interleaved rounds of about `roundMs` each (see `measure`); steps/s. */
const timeRounds = (list: Series[], opts: Options): Promise<Measured<Series>[]> => measure(list, { rounds: opts.rounds, roundMs: opts.roundMs, warmUp: WARM_UP, seconds: (r) => r.seconds });

/** The layout probe: 3 interleaved rounds of ~300 ms after a short warm-up. */
const PROBE: MeasureOptions<Series> = { rounds: 3, roundMs: 300, warmUp: { first: 2, seconds: 0.4, units: 3, minPerRound: 3 }, seconds: (r: { seconds: number }) => r.seconds };

// ---------------------------------------------------------------------------------------------- output
function table(title: string, flops: number, ms: Measured<Series>[], peak: Peak | undefined): void {
  measuredTable(title, ms, {
    note: `${fmt(flops / 1e6)} MFLOP/step`,
    label: { header: 'framework', width: 44 },
    threads: (s) => (s.layout ? layoutShort(s.layout) : s.threads),
    rate: { header: 'steps/s', width: 9 },
    rangeWidth: 17,
    extra: (s) => rooflineColumns(peak, flops, s.threads),
  });
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

  console.log('geolens training-step benchmark: MLP 784-256-256-10 and a small CNN, batch 128, softmax cross-entropy, SGD lr 0.01');
  printHost(opts.threads);

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

  const pool = await startTorchPool({ enabled: opts.torch, script: 'train_step_torch.py', dataPath, layouts: peerLayouts(opts.threads), config: { batch: BATCH, lr: LR, mlp: MLP, cnn: CNN } });
  const peak = opts.roofline ? await machinePeak(opts.threads, pool as never) : undefined;
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

  // the rows are written at the end, against the refined peak
  const summary: (() => SummaryRow)[] = [];
  const addSummary = (work: string, gs: Series, ps: Series | undefined, ms: Measured<Series>[], flops: number, target: number): number => summary.push(() => {
    const gm = find(gs, ms)!.median;
    const pm = ps && find(ps, ms)?.median;
    const cell = (m: number, t: number): string => `${fmt(m, 0)} steps/s, ${fmt((m * flops) / 1e9, 1)} GFLOP/s${peak ? ` (${fmt((100 * m * flops) / 1e9 / peak.at(t), 0)}% peak)` : ''}`;
    return { work, geolens: cell(gm, gs.threads), peer: ps?.layout && pm ? `${cell(pm, ps.threads)}, ${layoutShort(ps.layout)}` : '–', ...(pm ? { ratio: gm / pm } : {}), target };
  });
  try {
    // correctness: the same 5 steps must give the same losses everywhere (on a child no probe has trained yet)
    const fresh = pool.entries[0];
    const check: { label: string; losses: number[] }[] = [{ label: 'geolens', losses: await g.series.losses(5) }];
    if (fresh) check.push({ label: 'PyTorch', losses: await torchSeries(fresh.child, 'mlp', fresh.layout).losses(5) });
    if (tfjs) check.push({ label: 'tfjs', losses: await tfjs.series.losses(5) });
    lossCheck('MLP', check);
    const cc: { label: string; losses: number[] }[] = [];
    if (gc) {
      cc.push({ label: 'geolens', losses: await gc.series.losses(5) });
      if (fresh) cc.push({ label: 'PyTorch', losses: await torchSeries(fresh.child, 'cnn', fresh.layout).losses(5) });
      lossCheck('CNN', cc);
    }

    // each workload's best PyTorch layout; the 1-thread rows use the 1×1 child
    const bestMlp = await pool.choose(`MLP step (batch ${BATCH})`, 'steps/s', (c, l) => torchSeries(c, 'mlp', l), PROBE);
    const bestCnn = gc ? await pool.choose(`CNN step (batch ${BATCH})`, 'steps/s', (c, l) => torchSeries(c, 'cnn', l), PROBE) : undefined;
    const one = { omp: 1, blas: 1 };
    const child1 = g1 ? pool.at(one) : undefined;
    await pool.keep(bestMlp?.child, bestCnn?.child, child1);

    // MLP at n threads
    const main: Series[] = [g.series];
    const torchMlp = bestMlp && torchSeries(bestMlp.child, 'mlp', bestMlp.layout);
    if (torchMlp) main.push(torchMlp);
    if (tfjs) main.push(tfjs.series);
    if (opts.explore) {
      main.push(await rawSessionSeries(mlpDef, g.initial, x, y, opts.threads, 'raw session, engine options', {}));
      main.push(await rawSessionSeries(mlpDef, g.initial, x, y, opts.threads, 'raw session, N fixed to 128', { freeDimensionOverrides: { N: BATCH } }));
      main.push(await rawSessionSeries(mlpDef, g.initial, x, y, opts.threads, 'raw session, spin-wait', { extra: { session: { intra_op: { allow_spinning: '1' } } } }));
      main.push(await rawSessionSeries(mlpDef, g.initial, x, y, opts.threads, 'raw session, optimisation "extended"', { graphOptimizationLevel: 'extended' }));
    }
    const mlpFlops = stepFlops(MLP, BATCH);
    const ms = await timeRounds(main, opts);
    table(`MLP 784-256-256-10, batch ${BATCH}, ${opts.threads} thread(s)`, mlpFlops, ms, peak);
    console.log('ratios (same run):');
    if (torchMlp) ratioLine('geolens / PyTorch (best layout)', find(g.series, ms), find(torchMlp, ms), TARGET.mlp);
    else console.log('  geolens / PyTorch: skipped (no PyTorch)');
    if (tfjs) ratioLine('geolens / TensorFlow.js wasm', find(g.series, ms), find(tfjs.series, ms), 20);
    else console.log('  geolens / TensorFlow.js wasm: skipped (no tfjs)');
    addSummary(`MLP 784-256-256-10 SGD step, batch ${BATCH}, ${opts.threads} threads`, g.series, torchMlp, ms, mlpFlops, TARGET.mlp);
    const gm = find(g.series, ms)!.median;
    const missed = (torchMlp && gm < TARGET.mlp * find(torchMlp, ms)!.median) || (tfjs && gm < 20 * find(tfjs.series, ms)!.median);
    if (missed && !opts.explore) console.log('  a target is not met: rerun with --explore to time the same step graph under other onnxruntime session options');

    // MLP at one thread each (tfjs-wasm always runs on one thread in Node)
    if (g1) {
      const single: Series[] = [g1.series];
      const torch1 = child1 && torchSeries(child1, 'mlp', one);
      if (torch1) single.push(torch1);
      if (tfjs) single.push(tfjs.series);
      const ms1 = await timeRounds(single, opts);
      table(`MLP 784-256-256-10, batch ${BATCH}, 1 thread each`, mlpFlops, ms1, peak);
      console.log('ratios (same run, 1 thread each):');
      if (torch1) ratioLine('geolens / PyTorch (1 × 1)', find(g1.series, ms1), find(torch1, ms1), TARGET.mlp1);
      if (tfjs) ratioLine('geolens / TensorFlow.js wasm', find(g1.series, ms1), find(tfjs.series, ms1), undefined);
      addSummary(`same, 1 thread`, g1.series, torch1, ms1, mlpFlops, TARGET.mlp1);
    }

    // small CNN
    if (gc) {
      const cnnFlops = stepFlops(CNN, BATCH);
      const list: Series[] = [gc.series];
      const torchCnn = bestCnn && torchSeries(bestCnn.child, 'cnn', bestCnn.layout);
      if (torchCnn) list.push(torchCnn);
      const mc = await timeRounds(list, opts);
      table(`CNN conv3x3(8)-pool-conv3x3(16)-pool-fc64-fc10 on 1×28×28, batch ${BATCH}, ${opts.threads} thread(s)`, cnnFlops, mc, peak);
      if (torchCnn) {
        console.log('ratios (same run):');
        ratioLine('geolens / PyTorch (best layout)', find(gc.series, mc), find(torchCnn, mc), TARGET.cnn);
      }
      addSummary(`CNN conv8-pool-conv16-pool-fc64, batch ${BATCH}, ${opts.threads} threads`, gc.series, torchCnn, mc, cnnFlops, TARGET.cnn);
    }

    if (opts.scaling) await scalingTable(engine, bestMlp, opts, peak);
    else console.log('\nscaling table: skipped (--no-scaling)');
    await refinePeak(peak, opts.threads, pool as never);
    printSummary(`training steps (${opts.threads} threads unless said; PyTorch's layout OMP×OpenBLAS)`, summary.map((row) => row()));
  } finally {
    await pool.stopAll();
    await engine.dispose();
    await engine1?.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------- scaling
/** The scaling sizes: batch at width 256, then width at batch 128 (MLP 784-w-w-10). */
const SCALING: { batch: number; width: number }[] = [
  ...[32, 64, 128, 256, 512, 1024].map((batch) => ({ batch, width: 256 })),
  ...[128, 512, 1024].map((width) => ({ batch: 128, width })),
];

/**
 * Time/step and GFLOP/s of the MLP step across batch sizes and widths, geolens (n threads) and PyTorch at the MLP's
 * best layout side by side: 3 interleaved rounds of ~250 ms per size (random data; a fresh Trainer / model per size).
 */
async function scalingTable(engine: Engine, best: Chosen<TorchChild> | undefined, opts: Options, peak: Peak | undefined): Promise<void> {
  const rows: string[] = [];
  const rng = new Rng(SEED + 1);
  const pct = (gf: number, t: number): string => (peak ? ` ${fmt((100 * gf) / peak.at(t), 0).padStart(3)}%` : '');
  for (const { batch, width } of SCALING) {
    const cfg: ClassifierConfig = { kind: 'mlp', inputShape: [784], widths: [width, width], numClasses: 10 };
    const x = rng.fillUniform(new Float32Array(batch * 784), 0, 1);
    const y = Int32Array.from({ length: batch }, () => rng.int(10));
    const trainer = await Trainer.create(engine, buildModel(cfg), { optimizer: 'sgd', lr: LR, batchSize: batch, seed: SEED });
    const gs: Series = {
      label: 'geolens',
      threads: engine.threads,
      async run(steps) {
        const t0 = performance.now();
        for (let i = 0; i < steps; i++) await trainer.step(x, y);
        return { seconds: (performance.now() - t0) / 1000, loss: NaN };
      },
      losses: async () => [],
    };
    const list = [gs];
    if (best) {
      list.push({
        label: 'PyTorch',
        threads: Math.max(best.layout.omp, best.layout.blas),
        run: async (steps) => ({ seconds: (await best.child.command<{ seconds: number }>({ cmd: 'scale', batch, width, steps })).seconds, loss: NaN }),
        losses: async () => [],
      });
    }
    const ms = await measure(list, { rounds: 3, roundMs: 250, warmUp: { first: 1, seconds: 0.3, units: 2, minPerRound: 2 }, seconds: (r) => r.seconds });
    const flops = stepFlops(cfg, batch);
    const cell = (m: Measured<Series> | undefined): string => (m ? `${fmt(1000 / m.median, 2).padStart(8)} ms ${fmt((m.median * flops) / 1e9, 1).padStart(6)}${pct((m.median * flops) / 1e9, m.series.threads)}` : '–'.padStart(25));
    const ratio = ms[1] ? `${fmt(ms[0]!.median / ms[1].median, 2)}×` : '–';
    rows.push(`| ${String(batch).padStart(5)} | ${String(width).padStart(5)} | ${fmt(flops / 1e6, 0).padStart(6)} | ${cell(ms[0])} | ${cell(ms[1])} | ${ratio.padStart(6)} |`);
  }
  console.log(`\nscaling (batch 32…1024 at width 256, then width 128, 512, 1024 at batch 128; width 256 at batch 128 is the third row): MLP 784-w-w-10 SGD step, geolens at ${engine.threads} thread(s) vs PyTorch ${best ? layoutLabel(best.layout) : '(none)'}; time/step, GFLOP/s${peak ? ', % of peak' : ''} (median of 3 interleaved rounds of ~250 ms)`);
  console.log('| batch | width | MFLOP | geolens ms/step GFLOP/s | PyTorch ms/step GFLOP/s | ratio |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(r);
}

await runBench(main);
