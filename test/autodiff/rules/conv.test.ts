/**
 * Gradient rules for convolution, pooling and normalisation, checked against central finite differences.
 *
 * Precision: onnxruntime-node 1.30's CPU provider implements Conv, ConvTranspose, AveragePool and
 * GlobalAveragePool for float only (a double graph fails to load: "Could not find an implementation for Conv(11)"),
 * so those rules are checked in float32. MaxPool (with Indices), ScatterElements and BatchNormalization run in
 * double, so those are checked in float64 with relative error < 1e-6.
 *
 * The float32 checks use a finite-difference step of 1: the loss Σ R·y of these ops is linear in each single
 * input element (Conv is bilinear in X and W, but the check perturbs one element at a time), so central
 * differences are exact up to rounding and a large step keeps float32 cancellation small. Tolerance 1e-5
 * (float32 rounding of sums of ~100 terms; measured errors are 1e-7..1e-6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradCheck, type GradInput } from '../helpers/gradcheck.js';
import { GraphBuilder, type AttrInput } from '../../src/onnx/builder.js';
import { addGradients } from '../../src/autodiff/grad.js';
import { defaultEngine } from '../../src/engine/node.js';

const F32_TOL = 1e-5;
const F64_TOL = 1e-6;

type Attrs = Record<string, AttrInput | undefined>;

async function checkConv(name: string, x: number[], w: number[], attrs: Attrs, bias: boolean, t: { diagnostic(m: string): void }): Promise<void> {
  const inputs: Record<string, GradInput> = { x: { shape: x }, w: { shape: w } };
  if (bias) inputs.bias = { shape: [w[0]!] };
  const r = await gradCheck({
    dtype: 'float32',
    eps: 1,
    inputs,
    forward: (b: GraphBuilder, v) => b.op('Conv', bias ? [v.x!, v.w!, v.bias!] : [v.x!, v.w!], attrs),
  });
  t.diagnostic(`${name}: max rel err ${r.maxRelErr.toExponential(2)} ${JSON.stringify(r.perInput)}`);
  assert.ok(r.maxRelErr < F32_TOL, `${name}: rel err ${r.maxRelErr}`);
}

test('Conv: strides that do not divide, asymmetric pads, bias (float32)', async (t) => {
  // H: (7+1+2-3)/2 -> 4 rows, 1 left over; W: (9+0+1-2)/3 -> 3 cols, 2 left over
  await checkConv('conv-basic', [2, 3, 7, 9], [4, 3, 3, 2], { strides: [2, 3], pads: [1, 0, 2, 1] }, true, t);
});

test('Conv: groups + dilation + stride, no bias (float32)', async (t) => {
  await checkConv('conv-group', [2, 4, 8, 7], [6, 2, 3, 3], { group: 2, dilations: [2, 1], strides: [1, 2], pads: [1, 2, 0, 1] }, false, t);
});

test('Conv: depthwise (group = C), stride 2, dilation 2 both axes, bias (float32)', async (t) => {
  await checkConv('conv-depthwise', [1, 3, 9, 6], [3, 1, 2, 3], { group: 3, strides: [2, 2], dilations: [2, 2], pads: [0, 1, 1, 0] }, true, t);
});

test('Conv: auto_pad SAME_UPPER / SAME_LOWER / VALID with stride 2 (float32)', async (t) => {
  await checkConv('conv-same-upper', [2, 2, 7, 6], [3, 2, 4, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }, true, t);
  await checkConv('conv-same-lower', [2, 2, 7, 6], [3, 2, 4, 3], { auto_pad: 'SAME_LOWER', strides: [2, 2] }, false, t);
  await checkConv('conv-valid', [2, 2, 7, 6], [3, 2, 4, 3], { auto_pad: 'VALID', strides: [2, 3] }, false, t);
});

test('Conv: 1-D, stride 3, dilation 2, groups (float32)', async (t) => {
  await checkConv('conv-1d', [2, 4, 11], [4, 2, 3], { strides: [3], dilations: [2], pads: [2, 1], group: 2 }, true, t);
});

async function checkPool(name: string, op: string, x: number[], attrs: Attrs, dtype: 'float32' | 'float64', t: { diagnostic(m: string): void }, outputs = 1): Promise<void> {
  const r = await gradCheck({
    dtype,
    ...(dtype === 'float32' ? { eps: 1 } : {}),
    inputs: { x: { shape: x } },
    forward: (b: GraphBuilder, v) => b.node(op, [v.x!], attrs, outputs)[0]!,
  });
  t.diagnostic(`${name}: max rel err ${r.maxRelErr.toExponential(2)}`);
  assert.ok(r.maxRelErr < (dtype === 'float64' ? F64_TOL : F32_TOL), `${name}: rel err ${r.maxRelErr}`);
}

test('MaxPool: strides that do not divide, asymmetric pads, single output (float64)', async (t) => {
  await checkPool('maxpool-basic', 'MaxPool', [2, 3, 7, 9], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 1, 1] }, 'float64', t);
});

test('MaxPool: overlapping windows, dilation, forward node already emits Indices (float64)', async (t) => {
  await checkPool('maxpool-overlap', 'MaxPool', [2, 2, 8, 7], { kernel_shape: [3, 3], strides: [1, 2], dilations: [2, 1], pads: [1, 1, 0, 2] }, 'float64', t, 2);
});

test('MaxPool: auto_pad SAME_UPPER, and ceil_mode 1 (float64)', async (t) => {
  await checkPool('maxpool-same', 'MaxPool', [1, 3, 7, 5], { kernel_shape: [2, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }, 'float64', t);
  await checkPool('maxpool-ceil', 'MaxPool', [1, 3, 7, 8], { kernel_shape: [2, 3], strides: [2, 2], ceil_mode: 1 }, 'float64', t);
});

test('AveragePool: count_include_pad 0 and 1, asymmetric pads, strides that do not divide (float32)', async (t) => {
  for (const cip of [0, 1]) {
    await checkPool(`avgpool-cip${cip}`, 'AveragePool', [2, 3, 7, 8], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 1, 2, 0], count_include_pad: cip }, 'float32', t);
  }
  await checkPool('avgpool-nopad', 'AveragePool', [2, 2, 9, 5], { kernel_shape: [2, 2], strides: [2, 2] }, 'float32', t);
  await checkPool('avgpool-overlap', 'AveragePool', [1, 2, 6, 7], { kernel_shape: [3, 3], strides: [1, 2], pads: [1, 1, 1, 1] }, 'float32', t);
});

test('AveragePool: auto_pad SAME_LOWER and ceil_mode 1, both count modes (float32)', async (t) => {
  for (const cip of [0, 1]) {
    await checkPool(`avgpool-same-cip${cip}`, 'AveragePool', [1, 2, 7, 6], { kernel_shape: [3, 2], strides: [2, 2], auto_pad: 'SAME_LOWER', count_include_pad: cip }, 'float32', t);
    await checkPool(`avgpool-ceil-cip${cip}`, 'AveragePool', [1, 2, 7, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1], ceil_mode: 1, count_include_pad: cip }, 'float32', t);
  }
});

test('GlobalAveragePool (float32)', async (t) => {
  await checkPool('gap', 'GlobalAveragePool', [2, 3, 5, 7], {}, 'float32', t);
});

test('GlobalAveragePool with symbolic spatial sizes: the divisor comes from Shape(X) at run time (float32)', async () => {
  const b = new GraphBuilder('gap-dynamic');
  const x = b.input('x', ['N', 3, 'H', 'W']);
  const y = b.op('GlobalAveragePool', [x]);
  const g = addGradients(b, b.reduceSum(b.mul(y, y), [], false), [x]).get(x)!;
  b.output(g, ['N', 3, 'H', 'W']);
  const data = Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => (i % 7) - 3);
  const out = (await (await defaultEngine().load(b)).run({ x: { data, shape: [2, 3, 4, 5] } }))[g]!.data as Float32Array;
  // d/dx Σ mean² = 2·mean / (H·W)
  for (let nc = 0; nc < 6; nc++) {
    let m = 0;
    for (let k = 0; k < 20; k++) m += data[nc * 20 + k]!;
    m /= 20;
    for (let k = 0; k < 20; k++) assert.ok(Math.abs(out[nc * 20 + k]! - (2 * m) / 20) < 1e-6);
  }
});

async function checkBn(name: string, x: number[], t: { diagnostic(m: string): void }, noStats = false): Promise<void> {
  const c = x[1]!;
  const r = await gradCheck({
    dtype: 'float64',
    inputs: {
      x: { shape: x },
      scale: { shape: [c] },
      bias: { shape: [c] },
      mean: { shape: [c], noGrad: noStats },
      var: { shape: [c], init: (rng, n) => Array.from({ length: n }, () => 0.3 + 1.7 * rng.uniform()), noGrad: noStats },
    },
    forward: (b: GraphBuilder, v) => b.op('BatchNormalization', [v.x!, v.scale!, v.bias!, v.mean!, v.var!], { epsilon: 1e-3 }),
  });
  t.diagnostic(`${name}: max rel err ${r.maxRelErr.toExponential(2)} ${JSON.stringify(r.perInput)}`);
  assert.ok(r.maxRelErr < F64_TOL, `${name}: rel err ${r.maxRelErr}`);
}

test('BatchNormalization (inference form): gradients wrt X, scale, B, mean, var (float64)', async (t) => {
  await checkBn('bn-4d', [3, 4, 5, 3], t);
  await checkBn('bn-2d', [5, 3], t);
  await checkBn('bn-4d-fixed-stats', [2, 3, 4, 5], t, true);
});
