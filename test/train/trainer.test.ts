import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../src/models/index.js';
import { Trainer, buildTrainStep, type TrainerState } from '../../src/train/trainer.js';
import { trainLoop } from '../../src/train/loop.js';
import { defaultEngine } from '../../src/engine/node.js';
import { Rng } from '../../src/util/random.js';
import type { OptimizerName } from '../../src/train/optimizers.js';

/** A linear softmax model (no hidden layer): its cross-entropy gradient has the closed form Xᵀ(P − Y)/n. */
const linear = buildModel({ kind: 'mlp', inputShape: [3], widths: [], numClasses: 4 });

function batch(seed: number, n: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const x = rng.fillNormal(new Float32Array(n * 3));
  const y = Int32Array.from({ length: n }, () => rng.int(4));
  return { x, y };
}

/**
 * Reference gradients in float64 of L = −Σ y⊙log_softmax(z) / Σy for z = xW + b and soft labels y [n, 4]:
 * ∂L/∂z = (softmax(z)·Σ_c y − y) / Σy.
 */
function softLinearGrads(W: Float32Array, bias: Float32Array, x: Float32Array, y: Float32Array): { gW: Float64Array; gb: Float64Array } {
  const n = y.length / 4;
  const count = y.reduce((s, v) => s + v, 0);
  const gW = new Float64Array(12);
  const gb = new Float64Array(4);
  for (let i = 0; i < n; i++) {
    const z = [0, 1, 2, 3].map((c) => bias[c]! + [0, 1, 2].reduce((s, k) => s + x[i * 3 + k]! * W[k * 4 + c]!, 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    const rowSum = [0, 1, 2, 3].reduce((a, c) => a + y[i * 4 + c]!, 0);
    for (let c = 0; c < 4; c++) {
      const d = ((e[c]! / s) * rowSum - y[i * 4 + c]!) / count;
      gb[c]! += d;
      for (let k = 0; k < 3; k++) gW[k * 4 + c]! += x[i * 3 + k]! * d;
    }
  }
  return { gW, gb };
}

/** Reference gradients of mean CE for z = xW + b and integer labels, in float64. */
function linearGrads(W: Float32Array, bias: Float32Array, x: Float32Array, y: Int32Array): { gW: Float64Array; gb: Float64Array } {
  const oneHot = new Float32Array(y.length * 4);
  y.forEach((c, i) => (oneHot[i * 4 + c] = 1));
  return softLinearGrads(W, bias, x, oneHot);
}

for (const optimizer of ['sgd', 'momentum', 'adam'] as OptimizerName[]) {
  test(`${optimizer}: two steps match a float64 reference update of a linear softmax model (with weight decay)`, async () => {
    const lr = 0.1;
    const wd = 0.01;
    const tr = await Trainer.create(defaultEngine(), linear, { optimizer, lr, weightDecay: wd, momentum: 0.9, batchSize: 8, seed: 3 });
    const W = Float64Array.from(tr.params['classifier.weight']!.data);
    const b = Float64Array.from(tr.params['classifier.bias']!.data);
    const state = { mW: new Float64Array(12), mb: new Float64Array(4), vW: new Float64Array(12), vb: new Float64Array(4) };
    for (let step = 1; step <= 2; step++) {
      const { x, y } = batch(step, 8);
      const { gW, gb } = linearGrads(Float32Array.from(W), Float32Array.from(b), x, y);
      const upd = (p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array): void => {
        for (let i = 0; i < p.length; i++) {
          const gi = g[i]! + wd * p[i]!;
          if (optimizer === 'sgd') p[i] = p[i]! - lr * gi;
          else if (optimizer === 'momentum') {
            m[i] = 0.9 * m[i]! + gi;
            p[i] = p[i]! - lr * m[i]!;
          } else {
            m[i] = 0.9 * m[i]! + 0.1 * gi;
            v[i] = 0.999 * v[i]! + 0.001 * gi * gi;
            const mh = m[i]! / (1 - 0.9 ** step);
            const vh = v[i]! / (1 - 0.999 ** step);
            p[i] = p[i]! - (lr * mh) / (Math.sqrt(vh) + 1e-8);
          }
        }
      };
      upd(W, gW, state.mW, state.vW);
      upd(b, gb, state.mb, state.vb);
      await tr.trainStep(x, y);
    }
    const maxErr = (a: Float64Array, f: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - f[i]!)), 0);
    assert.ok(maxErr(W, tr.params['classifier.weight']!.data) < 1e-5, `W err ${maxErr(W, tr.params['classifier.weight']!.data)}`);
    assert.ok(maxErr(b, tr.params['classifier.bias']!.data) < 1e-5, `b err ${maxErr(b, tr.params['classifier.bias']!.data)}`);
    assert.equal(tr.stepCount, 2);
  });
}

function toyData(seed: number, n: number): { x: { data: Float32Array; shape: number[] }; y: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 4);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(3);
    for (let k = 0; k < 4; k++) x[i * 4 + k] = rng.normal() * 0.5 + (k === y[i] ? 2 : 0);
  }
  return { x: { data: x, shape: [n, 4] }, y };
}

const bnMlp = buildModel({ kind: 'mlp', inputShape: [4], widths: [16, 16], numClasses: 3, batchNorm: true });

async function runEpochs(initial: TrainerState | undefined, start: number, end: number): Promise<Trainer> {
  const tr = await Trainer.create(defaultEngine(), bnMlp, { optimizer: 'adam', lr: 0.01, batchSize: 32, seed: 7 }, initial);
  await trainLoop(tr, { train: toyData(1, 200) }, { epochs: end, startEpoch: start, batchSize: 32, seed: 7, baseLr: 0.01, schedule: { kind: 'constant' } });
  return tr;
}

test('same seed ⇒ bit-identical weights; resuming from a checkpoint equals an uninterrupted run', async () => {
  const a = await runEpochs(undefined, 0, 4);
  const b = await runEpochs(undefined, 0, 4);
  const half = await runEpochs(undefined, 0, 2);
  const resumed = await runEpochs(half.snapshot(), 2, 4);
  for (const name of Object.keys(a.params)) {
    assert.deepEqual(a.params[name]!.data, b.params[name]!.data, `${name} differs between identical runs`);
    assert.deepEqual(a.params[name]!.data, resumed.params[name]!.data, `${name} differs after resume`);
  }
  for (const name of Object.keys(a.buffers)) assert.deepEqual(a.buffers[name]!.data, resumed.buffers[name]!.data, `${name} buffer differs after resume`);
  const c = await Trainer.create(defaultEngine(), bnMlp, { optimizer: 'adam', lr: 0.01, batchSize: 32, seed: 8 });
  assert.notDeepEqual(c.params['fc1.weight']!.data, (await Trainer.create(defaultEngine(), bnMlp, { optimizer: 'adam', lr: 0.01, batchSize: 32, seed: 7 })).params['fc1.weight']!.data);
});

test('BatchNorm MLP learns a separable toy problem and eval mode uses running statistics', async () => {
  const tr = await runEpochs(undefined, 0, 15);
  const test = toyData(2, 300);
  const ev = await tr.evaluate(test.x, test.y);
  assert.ok(ev.accuracy > 0.9, `accuracy ${ev.accuracy}`);
  const mean = tr.buffers['bn1.running_mean']!.data;
  assert.ok(mean.some((v) => Math.abs(v) > 1e-3), 'running mean was never updated');
});

test('a CNN training step runs and lowers the loss on a fixed batch', async () => {
  const def = buildModel({ kind: 'cnn', inputShape: [1, 8, 8], channels: [4, 8], hidden: 16, numClasses: 3 });
  const tr = await Trainer.create(defaultEngine(), def, { optimizer: 'sgd', lr: 0.05, batchSize: 16, seed: 1 });
  const rng = new Rng(5);
  const y = Int32Array.from({ length: 16 }, () => rng.int(3));
  const x = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) for (let k = 0; k < 64; k++) x[i * 64 + k] = rng.normal() * 0.3 + (k % 3 === y[i] ? 1 : 0);
  const first = await tr.step(x, y);
  let last = first;
  for (let i = 0; i < 30; i++) last = await tr.step(x, y);
  assert.ok(last < first * 0.5, `loss ${first} -> ${last}`);
});

test('the step graph with soft labels (rows of y not summing to 1) matches the float64 gradient of −Σ y⊙log_softmax(z) / Σy', async () => {
  // regression for the closed-form loss gradient at the logits: it must hold for any non-negative y, not only one-hot
  const engine = defaultEngine();
  const n = 6;
  const rng = new Rng(11);
  const x = rng.fillNormal(new Float32Array(n * 3));
  const y = Float32Array.from({ length: n * 4 }, (_, i) => (i % 4 === 1 ? 0 : rng.uniform() * (1 + Math.floor(i / 4))));
  const W = rng.fillNormal(new Float32Array(12));
  const bias = rng.fillNormal(new Float32Array(4));
  const lr = 0.5;
  const { gW, gb } = softLinearGrads(W, bias, x, y);
  for (const foldLr of [true, false]) {
    const session = await engine.load(buildTrainStep(linear, { optimizer: 'sgd' }, foldLr));
    const r = await session.run({
      x: { data: x, shape: [n, 3] },
      y_onehot: { data: y, shape: [n, 4] },
      lr: { data: Float32Array.of(lr), shape: [] },
      'classifier.weight': { data: W, shape: [3, 4] },
      'classifier.bias': { data: bias, shape: [4] },
    });
    const newW = r['classifier.weight:new']!.data as Float32Array;
    const newB = r['classifier.bias:new']!.data as Float32Array;
    const err = Math.max(...Array.from(gW, (g, i) => Math.abs(W[i]! - lr * g - newW[i]!)), ...Array.from(gb, (g, i) => Math.abs(bias[i]! - lr * g - newB[i]!)));
    assert.ok(err < 1e-6, `foldLr ${foldLr}: max error ${err}`);
  }
});
