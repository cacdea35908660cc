/**
 * The child of growth.test.ts (a fresh process, so that other tests do not pollute its memory):
 *   node --expose-gc --import tsx test/memory/growth-child.ts <dim|train> <N> [leak]
 * runs N batches as a warm-up (onnxruntime's arena, V8's heap and malloc reach their working size), then N batches,
 * then N more (2N after the warm-up), reading the resident memory (VmRSS) after a full GC at each mark, and prints
 * {"rss": [after warm-up, after N, after 2N]} in bytes.
 *   dim:   measureSpectrum (the DIM probe's Jacobian graph with J Jᵀ inside, then the C×C spectra) on B = 64 points of
 *          an MLP 784-128-128-10;
 *   train: Trainer.step (SGD) of an MLP 784-256-256-10 at batch 64.
 * `leak` makes the child keep, per batch, a tensor the size of that batch's Jacobian (dim: 64 × 10 × 784 float32,
 * 2 MB) or a snapshot of the weights (train: 1 MB): the deliberate leak the test's control must catch.
 */
import { readFileSync } from 'node:fs';
import { createNodeEngine } from '../../src/engine/node.js';
import type { Dataset } from '../../src/data/types.js';
import { importDefinition } from '../../src/measure/target.js';
import { buildModel, initWeights } from '../../src/models/index.js';
import { measureSpectrum } from '../../src/probes/dim/run.js';
import { Trainer } from '../../src/train/trainer.js';
import { Rng } from '../../src/util/random.js';

const [work, nArg, leakArg] = process.argv.slice(2);
const N = Number(nArg);
const leak = leakArg === 'leak';
const B = 64;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function rss(): number {
  gc!();
  gc!();
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

const kept: unknown[] = [];
const engine = createNodeEngine({ threads: 1 });
const rng = new Rng(1);
let batch: () => Promise<void>;
if (work === 'dim') {
  const def = buildModel({ kind: 'mlp', inputShape: [784], widths: [128, 128], numClasses: 10 });
  const { params, buffers } = initWeights(def, 1);
  const model = importDefinition(def, params, buffers, 'growth-mlp');
  const points: Dataset = { name: 'noise', x: { data: rng.fillUniform(new Float32Array(B * 784), 0, 1), shape: [B, 784] }, y: Int32Array.from({ length: B }, () => rng.int(10)), numClasses: 10, sampleShape: [784] };
  batch = async () => {
    const m = await measureSpectrum(engine, model, points, { batchSize: B });
    if (leak) kept.push(m, new Float32Array(B * 10 * 784).fill(m.spectrum.points[0]!.eigenvalues[0]!));
  };
} else {
  const def = buildModel({ kind: 'mlp', inputShape: [784], widths: [256, 256], numClasses: 10 });
  const trainer = await Trainer.create(engine, def, { optimizer: 'sgd', lr: 0.01, batchSize: B, seed: 1 });
  const x = rng.fillUniform(new Float32Array(B * 784), 0, 1);
  const y = Int32Array.from({ length: B }, () => rng.int(10));
  batch = async () => {
    await trainer.step(x, y);
    if (leak) kept.push(trainer.snapshot());
  };
}
const marks: number[] = [];
for (const n of [N, N, N]) {
  for (let i = 0; i < n; i++) await batch();
  marks.push(rss());
}
await engine.dispose();
process.stdout.write(JSON.stringify({ rss: marks, kept: kept.length }) + '\n');
