/**
 * The autoencoder model kind: its reconstruction loss differentiated by geolens' autodiff (against central finite
 * differences), nearest-neighbour upsampling, the separate encoder/decoder graphs, training through the same Trainer
 * as the classifiers, and `geolens train --model autoencoder` (files, metrics without accuracy, --resume).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gradCheck, type GradInput } from '../helpers/gradcheck.js';
import { autoencoder, autoencoderGraphs, buildModel, exportModel, initWeights, meanSquaredError, upsample2, type AutoencoderConfig } from '../../src/models/index.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { defaultEngine } from '../../src/engine/node.js';
import { Trainer } from '../../src/train/trainer.js';
import { trainLoop } from '../../src/train/loop.js';
import { parseSchedule } from '../../src/train/schedule.js';
import { Rng } from '../../src/util/random.js';
import { loadDataset } from '../../src/data/node.js';
import { trainCommand } from '../../src/cli/train.js';
import { readSafetensorsFile } from '../../src/models/node.js';
import { GeolensError } from '../../src/errors.js';
import { openTarget } from '../../src/measure/node.js';

/** gradCheck of the mean squared reconstruction error of an autoencoder w.r.t. every parameter and the input. */
async function checkLoss(config: AutoencoderConfig, dtype: 'float32' | 'float64', n: number, eps?: number): Promise<number> {
  const def = autoencoder(config);
  const inputs: Record<string, GradInput> = { x: { shape: [n, ...config.inputShape] } };
  const { params } = initWeights(def, 7);
  // biases of 0.5 keep the ReLUs (and so the MaxPool windows) away from their kinks, where differences are not derivatives
  for (const p of def.params) inputs[p.name] = { shape: p.shape, data: p.name.endsWith('.bias') ? p.shape.length === 1 ? new Array<number>(p.shape[0]!).fill(0.5) : [] : Array.from(params[p.name]!.data) };
  const r = await gradCheck({
    dtype,
    inputs,
    seed: 5,
    ...(eps !== undefined ? { eps } : {}),
    forward: (b, v) => meanSquaredError(b, def.forward(b, v.x!, (name) => v[name]!, 'train').logits, v.x!),
  });
  return r.maxRelErr;
}

test('MLP autoencoder: the gradient of the reconstruction MSE (every weight and the input) matches central differences in float64', async (t) => {
  const err = await checkLoss({ kind: 'autoencoder', inputShape: [6], widths: [5, 4], bottleneck: 2 }, 'float64', 3);
  t.diagnostic(`max relative error ${err.toExponential(2)}`);
  assert.ok(err < 1e-6, `relative error ${err}`);
});

test('conv autoencoder (conv–pool encoder, upsample–conv decoder): gradient of the MSE matches central differences in float32', async (t) => {
  // onnxruntime's CPU Conv is float-only: float32 with a step of 1e-2 (float32 rounding of the differences ~1e-5)
  const err = await checkLoss({ kind: 'autoencoder', inputShape: [1, 4, 4], widths: [3], bottleneck: 2, channels: [2] }, 'float32', 2, 1e-2);
  t.diagnostic(`max relative error ${err.toExponential(2)}`);
  assert.ok(err < 1e-3, `relative error ${err}`);
});

test('upsample2 repeats every pixel into a 2×2 block (nearest neighbour)', async () => {
  const b = new GraphBuilder('up');
  const x = b.input('x', [1, 2, 2, 3]);
  b.output(upsample2(b, x, 2, 2, 3), [1, 2, 4, 6]);
  const g = await defaultEngine().load(b);
  const data = Float32Array.from({ length: 12 }, (_, i) => i);
  const y = (await g.run({ x: { data, shape: [1, 2, 2, 3] } }))[b.outputs[0]!.name]!;
  assert.deepEqual(y.shape, [1, 2, 4, 6]);
  for (let c = 0; c < 2; c++) for (let r = 0; r < 4; r++) for (let q = 0; q < 6; q++) assert.equal(y.data[c * 24 + r * 6 + q], data[c * 6 + Math.floor(r / 2) * 3 + Math.floor(q / 2)]);
});

test('a conv autoencoder refuses images whose sides the pooling cannot halve, saying what to do', () => {
  assert.throws(() => autoencoder({ kind: 'autoencoder', inputShape: [1, 6, 6], widths: [], bottleneck: 2, channels: [4, 4] }), (e: GeolensError) => e.code === 'BAD_ARGUMENT' && /divisible by 4/.test(e.message) && /--channels|resize/.test(e.message));
  assert.throws(() => autoencoder({ kind: 'autoencoder', inputShape: [10], widths: [4], bottleneck: 0 }), /--bottleneck/);
});

test('encoder.onnx ∘ decoder.onnx = model.onnx, for the MLP and the conv autoencoder', async () => {
  const engine = defaultEngine();
  for (const config of [
    { kind: 'autoencoder', inputShape: [1, 8, 8], widths: [16, 8], bottleneck: 3 },
    { kind: 'autoencoder', inputShape: [1, 8, 8], widths: [16], bottleneck: 3, channels: [4, 6] },
  ] as AutoencoderConfig[]) {
    const def = autoencoder(config);
    const { params, buffers } = initWeights(def, 11);
    const { encoder, decoder } = autoencoderGraphs(def, params);
    const x = new Rng(3).fillNormal(new Float32Array(5 * 64));
    const code = (await (await engine.load(encoder)).run({ input: { data: x, shape: [5, 1, 8, 8] } })).code!;
    assert.deepEqual(code.shape, [5, 3]);
    const rec = (await (await engine.load(decoder)).run({ code })).reconstruction!;
    assert.deepEqual(rec.shape, [5, 1, 8, 8]);
    const full = (await (await engine.load(exportModel(def, params, buffers))).run({ input: { data: x, shape: [5, 1, 8, 8] } })).reconstruction!;
    for (let i = 0; i < full.data.length; i++) assert.ok(Math.abs(Number(full.data[i]) - Number(rec.data[i])) <= 1e-5 * (1 + Math.abs(Number(full.data[i]))));
    // each half holds only its own weights
    assert.deepEqual(def.params.filter((p) => encoder.initializers.has(p.name)).map((p) => p.name), def.params.filter((p) => p.name.startsWith('encoder.')).map((p) => p.name));
    assert.deepEqual(def.params.filter((p) => decoder.initializers.has(p.name)).map((p) => p.name), def.params.filter((p) => p.name.startsWith('decoder.')).map((p) => p.name));
  }
});

test('the Trainer trains an autoencoder with the same step graph machinery: the reconstruction error falls, and reconstructionError is the mean of (x̂ − x)²', async () => {
  const engine = defaultEngine();
  const data = await loadDataset('manifold', { seed: 2 });
  const def = buildModel({ kind: 'autoencoder', inputShape: data.sampleShape, widths: [32], bottleneck: 4 });
  const tr = await Trainer.create(engine, def, { optimizer: 'adam', lr: 3e-3, batchSize: 128, seed: 2 });
  const before = await tr.reconstructionError(data.x);
  const r = await trainLoop(tr, { train: data, test: data }, { epochs: 8, batchSize: 128, seed: 2, baseLr: 3e-3, schedule: parseSchedule('constant', 8) });
  const after = await tr.reconstructionError(data.x);
  assert.ok(after < 0.5 * before, `MSE ${before} → ${after}`);
  const last = r.history.at(-1)!;
  assert.equal(last.trainAccuracy, undefined);
  assert.equal(last.testAccuracy, undefined);
  assert.equal(last.testLoss, after);
  const rec = await tr.logits(data.x);
  let s = 0;
  for (let i = 0; i < rec.length; i++) s += (rec[i]! - data.x.data[i]!) ** 2;
  assert.ok(Math.abs(s / rec.length - after) <= 1e-12 * s);
  await assert.rejects(tr.evaluate(data.x, data.y), (e: GeolensError) => e.code === 'BAD_MODEL' && /reconstructionError/.test(e.message));
});

test('geolens train --model autoencoder: encoder/decoder files, metrics with reconstruction error and no accuracy, --resume bit-identical; probes refuse it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'geolens-ae-'));
  try {
    const lines: string[] = [];
    const args = ['--model', 'autoencoder', '--dataset', 'moons', '--widths', '16', '--bottleneck', '2', '--optimizer', 'adam', '--lr', '0.01', '--epochs', '4', '--batch-size', '64', '--quiet'];
    assert.equal(await trainCommand([...args, '--out', join(root, 'a')], (l) => lines.push(l)), 0);
    for (const f of ['model.onnx', 'encoder.onnx', 'decoder.onnx', 'weights/final.safetensors']) assert.ok(existsSync(join(root, 'a', f)), f);
    assert.match(lines.join('\n'), /reconstruction MSE/);
    const metrics = readFileSync(join(root, 'a', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(metrics.length, 4);
    for (const m of metrics) {
      assert.equal(typeof m.trainLoss, 'number');
      assert.equal(typeof m.testLoss, 'number');
      assert.ok(!('trainAccuracy' in m) && !('testAccuracy' in m));
    }
    // a run interrupted after epoch 2 (later checkpoints gone) resumes to the same weights
    const b = join(root, 'b');
    assert.equal(await trainCommand([...args, '--out', b], () => undefined), 0);
    for (const f of ['weights/epoch-0003.safetensors', 'weights/epoch-0004.safetensors', 'weights/final.safetensors', 'model.onnx']) rmSync(join(b, f));
    writeFileSync(join(b, 'run.json'), JSON.stringify({ state: 'interrupted', epochsDone: 2, step: 0, updatedAt: '' }));
    assert.equal(await trainCommand(['--resume', '--out', b, '--quiet'], () => undefined), 0);
    const wa = await readSafetensorsFile(join(root, 'a', 'weights/final.safetensors'));
    const wb = await readSafetensorsFile(join(b, 'weights/final.safetensors'));
    for (const k of Object.keys(wa.tensors)) assert.deepEqual(wb.tensors[k]!.data, wa.tensors[k]!.data, k);
    await assert.rejects(openTarget(join(root, 'a')), (e: GeolensError) => e.code === 'BAD_MODEL' && /geolens ot/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
