/** Trainer and training-loop edge cases: BatchNorm running statistics, empty and tiny batches. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultEngine } from '../../src/engine/node.js';
import { GeolensError } from '../../src/errors.js';
import { batchNorm, dense, maxPool2 } from '../../src/models/layers.js';
import { buildModel, type ModelDef } from '../../src/models/index.js';
import { trainLoop } from '../../src/train/loop.js';
import { Trainer } from '../../src/train/trainer.js';
import { Rng } from '../../src/util/random.js';

const isArgError = (re: RegExp) => (e: unknown): boolean => e instanceof GeolensError && e.code === 'BAD_ARGUMENT' && re.test(e.message);

/** Per-channel mean and unbiased variance (float64) of `values(c)`. */
function stats(values: number[]): { mean: number; unbiasedVar: number } {
  const m = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / m;
  return { mean, unbiasedVar: values.reduce((s, v) => s + (v - mean) ** 2, 0) / (m - 1) };
}

test('BatchNorm MLP: one step updates the running statistics as PyTorch does (unbiased variance, momentum 0.1)', async () => {
  const def = buildModel({ kind: 'mlp', inputShape: [3], widths: [4], numClasses: 2, batchNorm: true });
  const tr = await Trainer.create(defaultEngine(), def, { optimizer: 'sgd', lr: 0.1, batchSize: 6, seed: 2 });
  const rng = new Rng(4);
  const n = 6;
  const x = rng.fillNormal(new Float32Array(n * 3));
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const W = tr.params['fc1.weight']!.data.slice();
  const b = tr.params['fc1.bias']!.data.slice();
  await tr.trainStep(x, y);
  for (let c = 0; c < 4; c++) {
    const h = Array.from({ length: n }, (_, i) => b[c]! + [0, 1, 2].reduce((s, k) => s + x[i * 3 + k]! * W[k * 4 + c]!, 0));
    const { mean, unbiasedVar } = stats(h);
    assert.ok(Math.abs(tr.buffers['bn1.running_mean']!.data[c]! - 0.1 * mean) < 1e-5, `running_mean[${c}]`);
    assert.ok(Math.abs(tr.buffers['bn1.running_var']!.data[c]! - (0.9 + 0.1 * unbiasedVar)) < 1e-5, `running_var[${c}]`);
  }
});

/**
 * A CNN-like model whose BatchNorm sits after a 2×2 max-pool: [N, 2, 4, 4] → MaxPool → BN (2 channels over N·2·2
 * values each) → Flatten → Dense. Its running variance must use m = N·2·2, not N·4·4 (the input's spatial size).
 */
function pooledBnModel(): ModelDef {
  return {
    config: { kind: 'cnn', inputShape: [2, 4, 4], channels: [], hidden: 0, numClasses: 2 },
    params: [
      { name: 'bn.weight', shape: [2], init: 'ones', fanIn: 2, fanOut: 2 },
      { name: 'bn.bias', shape: [2], init: 'zeros', fanIn: 2, fanOut: 2 },
      { name: 'fc.weight', shape: [8, 2], init: 'glorot-uniform', fanIn: 8, fanOut: 2 },
      { name: 'fc.bias', shape: [2], init: 'zeros', fanIn: 8, fanOut: 2 },
    ],
    buffers: [
      { name: 'bn.running_mean', shape: [2], init: 'zeros' },
      { name: 'bn.running_var', shape: [2], init: 'ones' },
    ],
    forward(b, x, t, mode) {
      const pooled = maxPool2(b, x);
      const bn = batchNorm(b, pooled, { scale: t('bn.weight'), bias: t('bn.bias'), mean: t('bn.running_mean'), variance: t('bn.running_var') }, mode, 1e-5, true);
      const logits = dense(b, b.op('Flatten', [bn.y], { axis: 1 }), t('fc.weight'), t('fc.bias'));
      const batchStats = bn.batchMean ? [{ buffer: 'bn.running_mean', value: bn.batchMean }, { buffer: 'bn.running_var', value: bn.batchVar!, variancePerSample: 4 }] : [];
      return { logits, layers: [{ name: 'logits', tensor: logits }], batchStats };
    },
  };
}

test('spatial BatchNorm: the running variance uses the values per channel at the BN layer (N·H·W there)', async () => {
  const tr = await Trainer.create(defaultEngine(), pooledBnModel(), { optimizer: 'sgd', lr: 0.1, batchSize: 3, seed: 1 });
  const rng = new Rng(9);
  const n = 3;
  const x = rng.fillNormal(new Float32Array(n * 32));
  await tr.trainStep(x, Int32Array.of(0, 1, 0));
  for (let c = 0; c < 2; c++) {
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < 2; r++) {
        for (let q = 0; q < 2; q++) {
          const at = (dr: number, dq: number): number => x[i * 32 + c * 16 + (2 * r + dr) * 4 + 2 * q + dq]!;
          values.push(Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1)));
        }
      }
    }
    const { mean, unbiasedVar } = stats(values);
    assert.ok(Math.abs(tr.buffers['bn.running_mean']!.data[c]! - 0.1 * mean) < 1e-5, `running_mean[${c}]`);
    const got = tr.buffers['bn.running_var']!.data[c]!;
    assert.ok(Math.abs(got - (0.9 + 0.1 * unbiasedVar)) < 1e-5, `running_var[${c}] = ${got}, expected ${0.9 + 0.1 * unbiasedVar}`);
  }
});

test('trainStep rejects an empty batch, and a one-sample batch when the model has BatchNorm', async () => {
  const plain = await Trainer.create(defaultEngine(), buildModel({ kind: 'mlp', inputShape: [3], widths: [4], numClasses: 2 }), { optimizer: 'sgd', lr: 0.1, batchSize: 4, seed: 1 });
  await assert.rejects(plain.trainStep(new Float32Array(0), new Int32Array(0)), isArgError(/empty/));
  await plain.trainStep(Float32Array.of(1, 2, 3), Int32Array.of(1)); // fine without BatchNorm
  const bn = await Trainer.create(defaultEngine(), buildModel({ kind: 'mlp', inputShape: [3], widths: [4], numClasses: 2, batchNorm: true }), { optimizer: 'sgd', lr: 0.1, batchSize: 4, seed: 1 });
  const before = bn.snapshot();
  await assert.rejects(bn.trainStep(Float32Array.of(1, 2, 3), Int32Array.of(1)), isArgError(/BatchNorm/));
  assert.equal(bn.stepCount, 0);
  assert.deepEqual(bn.buffers, before.buffers, 'a rejected step leaves the state alone');
});

test('evaluate and logits accept an empty set', async () => {
  const tr = await Trainer.create(defaultEngine(), buildModel({ kind: 'mlp', inputShape: [3], widths: [4], numClasses: 2 }), { optimizer: 'sgd', lr: 0.1, batchSize: 4, seed: 1 });
  const empty = { data: new Float32Array(0), shape: [0, 3] };
  assert.equal((await tr.logits(empty)).length, 0);
  assert.deepEqual(await tr.evaluate(empty, new Int32Array(0)), { loss: 0, accuracy: 0 });
});

function toy(n: number): { x: { data: Float32Array; shape: number[] }; y: Int32Array } {
  const rng = new Rng(n);
  return { x: { data: rng.fillNormal(new Float32Array(n * 3)), shape: [n, 3] }, y: Int32Array.from({ length: n }, (_, i) => i % 2) };
}

test('trainLoop: a training set smaller than the batch size is one batch per epoch (also with dropLast)', async () => {
  const tr = await Trainer.create(defaultEngine(), buildModel({ kind: 'mlp', inputShape: [3], widths: [4], numClasses: 2, batchNorm: true }), { optimizer: 'sgd', lr: 0.1, batchSize: 32, seed: 1 });
  const r = await trainLoop(tr, { train: toy(5) }, { epochs: 2, batchSize: 32, seed: 1, baseLr: 0.1, schedule: { kind: 'constant' } });
  assert.equal(tr.stepCount, 2);
  assert.equal(r.history.length, 2);
});

test('trainLoop: an empty training set, or a one-sample batch under BatchNorm, is a BAD_ARGUMENT error before any step', async () => {
  const bnDef = buildModel({ kind: 'mlp', inputShape: [3], widths: [4], numClasses: 2, batchNorm: true });
  const tr = await Trainer.create(defaultEngine(), bnDef, { optimizer: 'sgd', lr: 0.1, batchSize: 4, seed: 1 });
  const o = { epochs: 1, batchSize: 4, seed: 1, baseLr: 0.1, schedule: { kind: 'constant' } as const };
  await assert.rejects(trainLoop(tr, { train: toy(0) }, o), isArgError(/empty/));
  await assert.rejects(trainLoop(tr, { train: toy(9) }, { ...o, dropLast: false }), isArgError(/dropLast|BatchNorm/));
  await assert.rejects(trainLoop(tr, { train: toy(1) }, o), isArgError(/BatchNorm/));
  assert.equal(tr.stepCount, 0);
  await trainLoop(tr, { train: toy(9) }, o); // dropLast (the default) drops the 1-sample batch
  assert.equal(tr.stepCount, 2);
});
