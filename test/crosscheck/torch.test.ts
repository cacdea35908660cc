/**
 * Cross-check of imported PyTorch classifiers against PyTorch itself (torch 1.13 from Debian's python3-torch).
 *
 * test/crosscheck/export_models.py exports an MLP, a CNN with BatchNorm/MaxPool/AvgPool/Flatten and a small residual
 * CNN (twice: BatchNorm kept, and fused as torch's default export does) and writes reference logits, input-Jacobians
 * and cross-entropy parameter gradients. Each model is imported with geolens and the three are recomputed with
 * onnxruntime on geolens' own graphs. Error measure, per tensor: max |geolens − torch| / max |torch| (float32 both).
 *
 * Skipped, with the reason printed, when /usr/bin/python3 has no torch (apt-get install -y python3-torch).
 * Run: node --import tsx --test test/crosscheck/torch.test.ts
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addGradients } from '../../src/autodiff/grad.js';
import { inputJacobian } from '../../src/measure/jacobians.js';
import { defaultEngine } from '../../src/engine/node.js';
import { importModelFile } from '../../src/onnx/node.js';
import { selectLayers, type ImportedModel } from '../../src/onnx/import.js';
import { inspectCommand, type InspectReport } from '../../src/cli/inspect.js';
import { readNpy } from './npy.js';

const PYTHON = process.env.GEOLENS_PYTHON ?? '/usr/bin/python3';
const HERE = dirname(fileURLToPath(import.meta.url));
/** float32 against float32: different summation orders only. */
const TOL = 1e-4;

interface Meta {
  name: string;
  onnx: string;
  input: string;
  inputShape: number[];
  classes: number;
  labels: number[];
  loss: number;
  params: string[];
  mode: 'eval' | 'preserve';
  torch: string;
}

function skipReason(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found (${r.error.message}); install with: apt-get install -y python3-torch`;
  if (r.status !== 0) return `${PYTHON} has no torch/numpy (${(r.stderr || '').trim().split('\n').pop()}); install with: apt-get install -y python3-torch`;
  return undefined;
}

const reason = skipReason();
if (reason) console.log(`# crosscheck skipped: ${reason}`);
const opts = reason ? { skip: reason } : {};

let dir = '';
let models: string[] = [];
const errors: Record<string, Record<string, number>> = {};

function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  assert.equal(a.length, ref.length, 'length');
  let d = 0;
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - ref[i]!));
    s = Math.max(s, Math.abs(ref[i]!));
  }
  return d / Math.max(s, 1e-12);
}

function record(model: string, what: string, e: number): void {
  (errors[model] ??= {})[what] = e;
}

function meta(name: string): Meta {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Meta;
}

function load(name: string): { m: ImportedModel; meta: Meta; x: { data: Float32Array; shape: number[] } } {
  const md = meta(name);
  const m = importModelFile(join(dir, md.onnx));
  const x = readNpy(join(dir, `${name}.x.npy`));
  return { m, meta: md, x: { data: x.data as Float32Array, shape: x.shape } };
}

before(() => {
  if (reason) return;
  dir = mkdtempSync(join(tmpdir(), 'geolens-crosscheck-'));
  const r = spawnSync(PYTHON, [join(HERE, 'export_models.py'), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`export_models.py failed:\n${r.stdout}\n${r.stderr}`);
  models = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { models: string[] }).models;
});

after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (Object.keys(errors).length) {
    console.log('# max relative errors (max |geolens - torch| / max |torch|):');
    for (const [k, v] of Object.entries(errors)) console.log(`#   ${k.padEnd(13)} ${Object.entries(v).map(([w, e]) => `${w} ${e.toExponential(2)}`).join('  ')}`);
  }
  await defaultEngine().dispose();
});

const NAMES = ['mlp', 'cnn', 'resnet', 'resnet_fused'];

for (const name of NAMES) {
  test(`${name}: imports with every op supported`, opts, () => {
    assert.ok(models.includes(name), `export_models.py wrote ${name}`);
    const { m, meta: md } = load(name);
    assert.deepEqual(m.unsupported, []);
    assert.equal(m.numClasses, md.classes);
    assert.deepEqual(m.input.shape, ['N', ...md.inputShape]);
    assert.equal(m.logits, 'logits');
  });

  test(`${name}: logits agree with torch`, opts, async () => {
    const { m, x } = load(name);
    const s = await defaultEngine().load(m.graph);
    const out = await s.run({ [m.input.name]: x });
    const ref = readNpy(join(dir, `${name}.logits.npy`));
    assert.deepEqual(out[m.logits]!.shape, ref.shape);
    const e = relErr(out[m.logits]!.data as Float32Array, ref.data);
    record(name, 'logits', e);
    assert.ok(e < TOL, `logits rel err ${e}`);
  });

  test(`${name}: input-Jacobians agree with torch`, opts, async () => {
    const { m, x } = load(name);
    const r = await inputJacobian(defaultEngine(), m.graph, { input: m.input.name, logits: m.logits, numClasses: m.numClasses }, x);
    const ref = readNpy(join(dir, `${name}.jacobian.npy`));
    assert.deepEqual(r.jacobian.shape, ref.shape);
    const e = relErr(r.jacobian.data, ref.data);
    record(name, 'jacobian', e);
    assert.ok(e < TOL, `jacobian rel err ${e}`);
  });

  test(`${name}: cross-entropy parameter gradients agree with torch`, opts, async () => {
    const { m, meta: md, x } = load(name);
    const b = m.graph.clone();
    const C = m.numClasses;
    const B = x.shape[0]!;
    // mean softmax cross-entropy: -mean_n sum_c onehot[n,c] * logsoftmax(logits)[n,c]
    const onehot = b.input('onehot', ['N', C]);
    const ls = b.op('LogSoftmax', [m.logits], { axis: 1 });
    const picked = b.reduceSum(b.mul(ls, onehot), [1], false);
    const mean = b.opset >= 18 ? b.op('ReduceMean', [picked, b.constInt64([0])], { keepdims: 0 }) : b.op('ReduceMean', [picked], { axes: [0], keepdims: 0 });
    const loss = b.neg(mean);
    b.output(loss, []);
    const grads = addGradients(b, loss, m.params);
    for (const p of m.params) b.output(grads.get(p)!);
    const oh = new Float32Array(B * C);
    md.labels.forEach((l, i) => (oh[i * C + l] = 1));
    const s = await defaultEngine().load(b);
    const out = await s.run({ [m.input.name]: x, onehot: { data: oh, shape: [B, C] } });
    const lossErr = Math.abs((out[loss]!.data as Float32Array)[0]! - md.loss) / Math.abs(md.loss);
    record(name, 'loss', lossErr);
    assert.ok(lossErr < TOL, `loss rel err ${lossErr}`);
    let worst = 0;
    let compared = 0;
    const notInTorch: string[] = [];
    for (const p of m.params) {
      if (!md.params.includes(p)) {
        notInTorch.push(p); // running statistics (buffers) and fused Conv+BatchNorm weights have no torch gradient
        continue;
      }
      const ref = readNpy(join(dir, `${name}.grad.${p}.npy`));
      const e = relErr(out[grads.get(p)!]!.data as Float32Array, ref.data);
      assert.ok(e < TOL, `gradient of ${p}: rel err ${e}`);
      worst = Math.max(worst, e);
      compared++;
    }
    record(name, `grads(${compared}/${md.params.length})`, worst);
    if (md.mode === 'preserve' || name === 'mlp') assert.equal(compared, md.params.length, `every torch parameter is in the ONNX file (missing: ${md.params.filter((p) => !m.params.includes(p)).join(', ')})`);
    else assert.ok(compared >= 2, 'at least the unfused head is compared');
    for (const p of notInTorch) assert.ok(/running_(mean|var)$|^onnx::/.test(p), `unexpected extra weight ${p}`);
  });
}

test('geolens inspect lists the expected layers', opts, async () => {
  const expected: Record<string, { ops: string[]; auto: number }> = {
    mlp: { ops: ['Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm'], auto: 3 },
    cnn: { ops: ['Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'Conv', 'Relu', 'AveragePool', 'Flatten', 'Gemm'], auto: 3 },
    resnet: {
      ops: ['Conv', 'BatchNormalization', 'Relu', 'Conv', 'BatchNormalization', 'Relu', 'Conv', 'BatchNormalization', 'Add', 'Relu', 'GlobalAveragePool', 'Flatten', 'Gemm'],
      auto: 4,
    },
    resnet_fused: { ops: ['Conv', 'Relu', 'Conv', 'Relu', 'Conv', 'Add', 'Relu', 'GlobalAveragePool', 'Flatten', 'Gemm'], auto: 4 },
  };
  for (const [name, want] of Object.entries(expected)) {
    const lines: string[] = [];
    const code = await inspectCommand([join(dir, `${name}.onnx`), '--json'], (l) => lines.push(l));
    assert.equal(code, 0);
    const r = JSON.parse(lines.join('\n')) as InspectReport;
    assert.deepEqual(
      r.layers.map((l) => l.op),
      want.ops,
      name,
    );
    assert.ok(r.layers.every((l) => l.shape[0] === 'N'));
    assert.equal(r.layers.filter((l) => l.selected).length, want.auto, `${name}: auto selection`);
    assert.equal(r.layers.at(-1)!.tensor, 'logits');
    assert.deepEqual(r.unsupported, []);
    // the text form names the same layers
    const text: string[] = [];
    await inspectCommand([join(dir, `${name}.onnx`), '--layers', 'relu'], (l) => text.push(l));
    for (const l of r.layers) assert.ok(text.some((t) => t.includes(l.name) && t.includes(l.op)), `${name}: text lists ${l.name}`);
    assert.equal(text.filter((t) => t.startsWith(' * ')).length, want.ops.filter((o) => o === 'Relu').length);
    const { m } = load(name);
    assert.equal(selectLayers(m, { op: 'relu' }).length, want.ops.filter((o) => o === 'Relu').length);
  }
});
