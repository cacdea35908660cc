/**
 * Cross-check sweep of "bring your own model": thirteen classifiers exported from PyTorch the ways people export
 * them (test/crosscheck/export_sweep.py: MLPs, CNNs, a residual net, a token mixer; opsets 9–20; fixed and dynamic
 * batch; GELU exact and tanh, ELU, SELU, CELU, PReLU, Softplus, Softsign, HardSwish, HardSigmoid, Mish, LeakyReLU,
 * LayerNorm, InstanceNorm, GroupNorm, BatchNorm, Upsample/Resize nearest and bilinear, reflect/edge/zero padding,
 * ConvTranspose, Einsum, Split, Max/Min, amax, L2 norm). Each is imported with geolens (opsets 9–12 upgraded, fixed
 * batches made symbolic), every probe must be able to run on it, and three things are compared with PyTorch's float64
 * references on the same weights:
 *  - logits: max |geolens − torch| / max |torch| < 1e-4;
 *  - input-Jacobians (geolens' batched reverse-mode graph vs torch.autograd): the same measure < 1e-4;
 *  - DIM eigenvalues per point (geolens: J Jᵀ from the Jacobian graph, C×C reduction; torch/NumPy: eigvalsh of
 *    A^{1/2} J Jᵀ A^{1/2}): max_k |λ_k − λ_k^ref| / λ_1^ref < 1e-4.
 * geolens computes in float32, torch in float64, so the errors are float32 rounding.
 *
 * Skipped, with the reason printed, when /usr/bin/python3 lacks torch or onnx (apt-get install -y python3-torch
 * python3-onnx). Run: npm run crosscheck (or node --import tsx --test test/crosscheck/sweep.test.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES } from '../../src/autodiff/rules/index.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { inputJacobianOutputs } from '../../src/measure/jacobians.js';
import { modelSupport } from '../../src/measure/support.js';
import { importModelFile } from '../../src/onnx/node.js';
import { dimSpectrumFromGram } from '../../src/probes/dim/compute.js';
import { readNpy } from './npy.js';

const PYTHON = process.env.GEOLENS_PYTHON ?? '/usr/bin/python3';
const HERE = dirname(fileURLToPath(import.meta.url));
const TOL = 1e-4;

interface Meta {
  name: string;
  onnx: string;
  inputShape: number[];
  classes: number;
  opset: number;
  dynamic: boolean;
  ops: string[];
}

function skipReason(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy, onnx'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found (${r.error.message}); install with: apt-get install -y python3-torch python3-onnx`;
  if (r.status !== 0) return `${PYTHON} lacks torch/numpy/onnx (${(r.stderr || '').trim().split('\n').pop()}); install with: apt-get install -y python3-torch python3-onnx`;
  return undefined;
}

const reason = skipReason();
if (reason) console.log(`# sweep skipped: ${reason}`);
const opts = reason ? { skip: reason } : {};
const engine = createNodeEngine();
let dir = '';
let models: string[] = [];
const figures: Record<string, Record<string, number | string>> = {};

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

before(() => {
  if (reason) return;
  dir = mkdtempSync(join(tmpdir(), 'geolens-sweep-'));
  const r = spawnSync(PYTHON, [join(HERE, 'export_sweep.py'), dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`export_sweep.py failed:\n${r.stdout}\n${r.stderr}`);
  models = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { models: string[] }).models;
});

after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (Object.keys(figures).length) {
    console.log('# sweep: max relative errors against torch float64 (logits, input-Jacobians: max|Δ|/max|ref|; DIM: max_k |Δλ_k|/λ_1)');
    for (const [k, v] of Object.entries(figures)) console.log(`#   ${k.padEnd(22)} ${Object.entries(v).map(([w, e]) => `${w} ${typeof e === 'number' ? e.toExponential(2) : e}`).join('  ')}`);
  }
  await engine.dispose();
});

test('sweep: the exporter wrote at least ten models covering opsets 9 to 20, fixed and dynamic batch', opts, () => {
  assert.ok(models.length >= 10, `${models.length} models`);
  const metas = models.map((m) => JSON.parse(readFileSync(join(dir, `${m}.json`), 'utf8')) as Meta);
  const opsets = new Set(metas.map((m) => m.opset));
  for (const v of [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20]) assert.ok(opsets.has(v), `opset ${v} in the sweep`);
  assert.ok(metas.some((m) => !m.dynamic) && metas.some((m) => m.dynamic));
});

const NAMES = [
  'mlp_gelu_ln_o9',
  'cnn_elu_o10_fixed',
  'cnn_upsample_o11',
  'cnn_bilinear_o11',
  'mlp_prelu_o12_fixed',
  'cnn_norms_o13',
  'split_max_o13_fixed',
  'cnn_hardswish_o14',
  'resnet_mish_o15',
  'convt_pads_o16',
  'tokens_ln_einsum_o17',
  'cnn_groupnorm_o18',
  'mlp_gelu_o20',
];

for (const name of NAMES) {
  test(`sweep ${name}: imports with every probe supported; logits, input-Jacobians and DIM eigenvalues agree with torch`, opts, async () => {
    assert.ok(models.includes(name), `export_sweep.py wrote ${name}`);
    const meta = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Meta;
    const m = importModelFile(join(dir, meta.onnx), { gradientOps: RULES });
    assert.deepEqual(m.unsupported, [], `${name}: ${JSON.stringify(m.unsupported)}`);
    const support = modelSupport(m);
    assert.deepEqual(support.inputJacobian, [], `${name}: input-Jacobians blocked by ${JSON.stringify(support.inputJacobian)}`);
    assert.equal(m.numClasses, meta.classes);
    assert.deepEqual(m.input.shape, ['N', ...meta.inputShape]);
    assert.equal(m.opset, meta.opset);
    for (const op of meta.ops) assert.ok(op in m.ops, `${name}: the imported graph exercises ${op} (ops: ${Object.keys(m.ops).join(', ')})`);
    const xa = readNpy(join(dir, `${name}.x.npy`));
    const x = { data: xa.data as Float32Array, shape: xa.shape };
    const B = x.shape[0]!;
    const C = m.numClasses;
    const d = x.data.length / B;
    // logits from the forward graph, at the export batch and at another batch size
    const sess = await engine.load(m.graph);
    const logits = (await sess.run({ [m.input.name]: x }))[m.logits]!;
    const refLogits = readNpy(join(dir, `${name}.logits.npy`));
    const eLogits = relErr(logits.data as Float32Array, refLogits.data);
    const three = (await sess.run({ [m.input.name]: { data: x.data.slice(0, 3 * d), shape: [3, ...x.shape.slice(1)] } }))[m.logits]!;
    assert.ok(relErr(three.data as Float32Array, Array.from(refLogits.data).slice(0, 3 * C)) < TOL, `${name}: logits at batch 3`);
    // input-Jacobians and the DIM
    const r = await inputJacobianOutputs(engine, m.graph, { input: m.input.name, logits: m.logits, numClasses: C }, x, ['jacobian', 'jacobian_gram', 'probs']);
    const eJac = relErr(r.jacobian.data, readNpy(join(dir, `${name}.jacobian.npy`)).data);
    const spec = dimSpectrumFromGram(r.jacobian_gram, r.probs, d);
    const refDim = readNpy(join(dir, `${name}.dim.npy`));
    let eDim = 0;
    for (let b = 0; b < B; b++) {
      const ev = spec.points[b]!.eigenvalues;
      const ref = Array.from(refDim.data.subarray(b * C, (b + 1) * C));
      const top = ref[0]!;
      for (let k = 0; k < Math.min(C - 1, d); k++) eDim = Math.max(eDim, Math.abs((ev[k] ?? 0) - ref[k]!) / top);
    }
    figures[name] = { opset: String(meta.opset), batch: meta.dynamic ? 'dynamic' : 'fixed', logits: eLogits, jacobian: eJac, dim: eDim };
    assert.ok(eLogits < TOL, `${name}: logits rel err ${eLogits}`);
    assert.ok(eJac < TOL, `${name}: jacobian rel err ${eJac}`);
    assert.ok(eDim < TOL, `${name}: DIM eigenvalue rel err ${eDim}`);
  });
}
