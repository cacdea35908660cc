/**
 * Where the time of one training step / one Jacobian + DIM batch goes (a profiling tool, not a benchmark: no peer,
 * no ratios): onnxruntime's profiler per op type and per node, and session.run vs the JS work around it.
 *
 *   node --import tsx bench/profile.ts [mlp|cnn|dim] [--threads N] [--steps K] [--nodes]
 *
 * Per node it takes the MINIMUM kernel time over the profiled runs (robust to preemption on a shared machine), so
 * "kernels (min per node) sum" is the ideal cost of one run and the op-type shares are what to optimise; compare it
 * with ORT's mean model_run (which adds executor overhead and whatever the machine's load costs).
 * mlp / cnn: MLP 784-256-256-10 / CNN conv8-pool-conv16-pool-fc64 SGD step at batch 128, then Trainer.step vs a raw
 * session.run with fixed onnxruntime tensors (what the Trainer's JS and copies add). dim: the input-Jacobian graph
 * with outputs probs + jacobian_gram at B = 256, then session.run vs dimSpectrumFromGram (best of 10).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildModel, type ClassifierConfig } from '../src/models/index.js';
import { buildTrainStep, oneHot, Trainer } from '../src/train/trainer.js';
import { createNodeEngine } from '../src/engine/node.js';
import { Rng } from '../src/util/random.js';
import { buildInputJacobian } from '../src/autodiff/jacobian.js';
import { importDefinition } from '../src/measure/target.js';
import { initWeights } from '../src/models/index.js';
import { dimSpectrumFromGram } from '../src/probes/dim/compute.js';
import type { GraphBuilder } from '../src/onnx/builder.js';

const args = process.argv.slice(2);
const what = args[0] ?? 'mlp';
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const threads = opt('--threads', 2);
const steps = opt('--steps', 50);
const B = 128;

const CFG: Record<string, ClassifierConfig> = {
  mlp: { kind: 'mlp', inputShape: [784], widths: [256, 256], numClasses: 10 },
  cnn: { kind: 'cnn', inputShape: [1, 28, 28], channels: [8, 16], hidden: 64, numClasses: 10 },
};

async function profileGraph(g: GraphBuilder, feeds: Record<string, ort.Tensor>, fetches: string[] | undefined, k: number): Promise<void> {
  const prefix = join(tmpdir(), `geolens-prof-${process.pid}`);
  const s = await ort.InferenceSession.create(g.toBytes(), {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'],
    enableCpuMemArena: true, enableProfiling: true, profileFilePrefix: prefix,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  for (let i = 0; i < 5; i++) await (fetches ? s.run(feeds, fetches) : s.run(feeds));
  const t0 = performance.now();
  for (let i = 0; i < k; i++) await (fetches ? s.run(feeds, fetches) : s.run(feeds));
  const runMs = (performance.now() - t0) / k;
  (s as unknown as { endProfiling(): void }).endProfiling();
  const base = `geolens-prof-${process.pid}`;
  const file = join(tmpdir(), readdirSync(tmpdir()).filter((f) => f.startsWith(base)).sort().at(-1)!);
  await s.release();
  const ev = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  rmSync(file, { force: true });
  // per node the MINIMUM over the profiled runs (robust to preemption on a loaded machine), summed by op type
  const perNode = new Map<string, { op: string; durs: number[] }>();
  let modelRun = 0;
  let runs = 0;
  for (const e of ev) {
    if (e.cat === 'Session' && e.name === 'model_run') { modelRun += e.dur; runs++; }
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const key = e.name.replace(/_kernel_time$/, '');
    const rec = perNode.get(key) ?? { op: e.args?.op_name ?? '?', durs: [] };
    rec.durs.push(e.dur);
    perNode.set(key, rec);
  }
  const byOp = new Map<string, number>();
  const byNode = new Map<string, number>();
  let nodeTotal = 0;
  for (const [name, { op, durs }] of perNode) {
    const m = Math.min(...durs) * runs; // scaled so that the divisions by `runs` below give the minimum
    byOp.set(op, (byOp.get(op) ?? 0) + m);
    byNode.set(`${op} ${name}`, m);
    nodeTotal += m;
  }
  console.log(`  session.run (profiled) ${runMs.toFixed(3)} ms/run; ORT model_run ${(modelRun / runs / 1000).toFixed(3)} ms; kernels (min per node) sum ${(nodeTotal / runs / 1000).toFixed(3)} ms`);
  for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(`    ${op.padEnd(22)} ${(us / runs / 1000).toFixed(3)} ms  ${((100 * us) / nodeTotal).toFixed(1)}%`);
  if (args.includes('--nodes')) for (const [n, us] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`      ${n.padEnd(60)} ${(us / runs / 1000).toFixed(3)} ms`);
}

async function trainProfile(kind: 'mlp' | 'cnn'): Promise<void> {
  const cfg = CFG[kind]!;
  const def = buildModel(cfg);
  const rng = new Rng(1);
  const d = cfg.inputShape.reduce((a, b) => a * b, 1);
  const x = rng.fillUniform(new Float32Array(B * d), 0, 1);
  const y = Int32Array.from({ length: B }, () => Math.floor(rng.uniform() * 10));
  const engine = createNodeEngine({ threads });
  const trainer = await Trainer.create(engine, def, { optimizer: 'sgd', lr: 0.01, batchSize: B, seed: 1 });
  const g = buildTrainStep(def, { optimizer: 'sgd' });
  const feeds: Record<string, ort.Tensor> = {
    x: new ort.Tensor('float32', x, [B, ...cfg.inputShape]),
    y_onehot: new ort.Tensor('float32', oneHot(y, 10), [B, 10]),
    lr: new ort.Tensor('float32', Float32Array.of(0.01), []),
  };
  for (const [k, v] of Object.entries(trainer.params)) feeds[k] = new ort.Tensor('float32', v.data.slice(), v.shape);
  console.log(`${kind} step, batch ${B}, ${threads} thread(s), ${g.nodes.length} nodes`);
  await profileGraph(g, feeds, undefined, steps);
  // Trainer.step vs raw run (interleaved)
  const raw = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'], extra: { session: { intra_op: { allow_spinning: '0' } } } });
  const tr = { trainer: 0, raw: 0 };
  for (let r = 0; r < 6; r++) {
    let t0 = performance.now();
    for (let i = 0; i < steps; i++) await trainer.step(x, y);
    tr.trainer += performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < steps; i++) await raw.run(feeds);
    tr.raw += performance.now() - t0;
  }
  console.log(`  (mean over 6 interleaved rounds) Trainer.step ${(tr.trainer / 6 / steps).toFixed(3)} ms/step (${((1000 * 6 * steps) / tr.trainer).toFixed(0)} steps/s); raw session.run with fixed ORT tensors ${(tr.raw / 6 / steps).toFixed(3)} ms`);
  await engine.dispose();
}

async function dimProfile(): Promise<void> {
  const N = 256;
  const def = buildModel(CFG.mlp!);
  const { params, buffers } = initWeights(def, 1);
  const model = importDefinition(def, params, buffers, 'bench-mlp');
  const rng = new Rng(1);
  const x = rng.fillUniform(new Float32Array(N * 784), 0, 1);
  const g = buildInputJacobian(model.graph, { input: model.input.name, logits: model.logits, numClasses: 10, outputs: ['probs', 'jacobian_gram'] });
  const feeds = { [model.input.name]: new ort.Tensor('float32', x, [N, 784]) };
  console.log(`DIM batch ${N}, ${threads} thread(s), ${g.nodes.length} nodes`);
  await profileGraph(g, feeds, ['probs', 'jacobian_gram'], Math.max(3, Math.floor(steps / 5)));
  const s = await ort.InferenceSession.create(g.toBytes(), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'], extra: { session: { intra_op: { allow_spinning: '0' } } } });
  const out = await s.run(feeds, ['probs', 'jacobian_gram']);
  const gram = { data: out.jacobian_gram!.data as Float32Array, shape: out.jacobian_gram!.dims.slice() };
  const probs = { data: out.probs!.data as Float32Array, shape: out.probs!.dims.slice() };
  let tRun = Infinity, tJs = Infinity;
  for (let r = 0; r < 10; r++) {
    let t0 = performance.now();
    await s.run(feeds, ['probs', 'jacobian_gram']);
    tRun = Math.min(tRun, performance.now() - t0);
    t0 = performance.now();
    dimSpectrumFromGram(gram, probs, 784);
    tJs = Math.min(tJs, performance.now() - t0);
  }
  console.log(`  best of 10: session.run ${tRun.toFixed(2)} ms; dimSpectrumFromGram (JS) ${tJs.toFixed(2)} ms per batch of ${N}`);
}

if (what === 'dim') await dimProfile();
else await trainProfile(what as 'mlp' | 'cnn');
