/**
 * Gradient rules of pooling: MaxPool, AveragePool, GlobalAveragePool (maxpool.ts, averagepool.ts,
 * globalaveragepool.ts), checked against central finite differences.
 *
 * Precision: onnxruntime-node 1.30's CPU provider implements AveragePool and GlobalAveragePool (and the
 * ConvTranspose of the AveragePool gradient) for float only, so those rules are checked in float32, with a
 * finite-difference step of 1 (the loss Σ R·y is linear in each input element, so central differences are exact up
 * to rounding) and tolerance 1e-5. MaxPool (with Indices) and ScatterElements run in double, so MaxPool is checked in
 * float64 with relative error < 1e-6.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradCheck } from '../../helpers/gradcheck.js';
import { GraphBuilder, type AttrInput } from '../../../src/onnx/builder.js';
import { addGradients } from '../../../src/autodiff/grad.js';
import { defaultEngine } from '../../../src/engine/node.js';
import { DataType } from '../../../src/onnx/proto.js';

const F32_TOL = 1e-5;
const F64_TOL = 1e-6;

type Attrs = Record<string, AttrInput | undefined>;

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

async function checkResize(name: string, x: number[], attrs: Record<string, AttrInput>, scalesOrSizes: { scales?: number[]; sizes?: number[] }, t: { diagnostic(m: string): void }): Promise<void> {
  const r = await gradCheck({
    dtype: 'float32',
    eps: 1, // Resize is linear in X: central differences are exact up to rounding
    inputs: { x: { shape: x } },
    forward: (b: GraphBuilder, v) =>
      scalesOrSizes.scales
        ? b.op('Resize', [v.x!, '', b.constFloat(scalesOrSizes.scales, [scalesOrSizes.scales.length])], attrs)
        : b.op('Resize', [v.x!, '', '', b.constInt64(scalesOrSizes.sizes!)], attrs),
  });
  t.diagnostic(`${name}: max rel err ${r.maxRelErr.toExponential(2)}`);
  assert.ok(r.maxRelErr < F32_TOL, `${name}: rel err ${r.maxRelErr}`);
}

test('Resize nearest: every nearest_mode with half_pixel/asymmetric/align_corners, up and down, scales and sizes (float32)', async (t) => {
  for (const nearest_mode of ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']) {
    for (const coordinate_transformation_mode of ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel']) {
      await checkResize(`nearest-${nearest_mode}-${coordinate_transformation_mode}`, [1, 2, 3, 4], { mode: 'nearest', nearest_mode, coordinate_transformation_mode }, { scales: [1, 1, 2, 1.5] }, t);
    }
  }
  await checkResize('nearest-down-sizes', [1, 1, 6, 5], { mode: 'nearest' }, { sizes: [1, 1, 4, 2] }, t);
});

test('Resize linear: half_pixel, pytorch_half_pixel, align_corners, asymmetric, half_pixel_symmetric; up, down and sizes (float32)', async (t) => {
  for (const coordinate_transformation_mode of ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric']) {
    await checkResize(`linear-${coordinate_transformation_mode}`, [2, 2, 3, 4], { mode: 'linear', coordinate_transformation_mode }, { scales: [1, 1, 2, 2.5] }, t);
    await checkResize(`linear-down-${coordinate_transformation_mode}`, [1, 1, 7, 6], { mode: 'linear', coordinate_transformation_mode }, { sizes: [1, 1, 3, 4] }, t);
  }
  await checkResize('linear-1d', [2, 3, 5], { mode: 'linear' }, { scales: [1, 1, 1.6] }, t);
});

test('MaxPool fast path (windows tile the input: kernel = strides, no pads): 2×2/2, 3×2/(3,2), 1-D (float64; float32 in the ties test)', async (t) => {
  await checkPool('maxpool-tiled-2x2', 'MaxPool', [2, 3, 6, 8], { kernel_shape: [2, 2], strides: [2, 2] }, 'float64', t);
  await checkPool('maxpool-tiled-3x2', 'MaxPool', [1, 2, 9, 4], { kernel_shape: [3, 2], strides: [3, 2], pads: [0, 0, 0, 0] }, 'float64', t, 2);
  await checkPool('maxpool-tiled-1d', 'MaxPool', [2, 2, 12], { kernel_shape: [3], strides: [3] }, 'float64', t);
});

test('MaxPool fast path: ties go to the first maximum of the window (row-major), as Indices and PyTorch choose', async () => {
  const shape = [2, 3, 4, 6];
  const n = shape.reduce((a, c) => a * c, 1);
  for (const dtype of ['float32', 'float64'] as const) {
    const b = new GraphBuilder('maxpool-ties', dtype === 'float64' ? DataType.DOUBLE : DataType.FLOAT);
    const x = b.input('x', shape);
    const r = b.input('r', [2, 3, 2, 3]);
    const y = b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    const gx = addGradients(b, b.reduceSum(b.mul(y, r), [], false), [x]).get(x)!;
    b.output(gx, shape);
    assert.ok(!b.nodes.some((nd) => nd.opType === 'ScatterElements'), 'the fast path is taken');
    const cast = (v: number[]): Float32Array | Float64Array => (dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v));
    const xs = cast(Array.from({ length: n }, (_, i) => [0, 1, 1, 2, 0, 2, 2][(i * 5 + (i >> 3)) % 7]!)); // many ties
    const rs = cast(Array.from({ length: 36 }, (_, i) => i + 1));
    const out = (await (await defaultEngine().load(b)).run({ x: { data: xs, shape }, r: { data: rs, shape: [2, 3, 2, 3] } }))[gx]!.data;
    const want = new Float64Array(n);
    for (let nc = 0; nc < 6; nc++) {
      for (let oh = 0; oh < 2; oh++) {
        for (let ow = 0; ow < 3; ow++) {
          let best = -1;
          for (let kh = 0; kh < 2; kh++) for (let kw = 0; kw < 2; kw++) {
            const i = nc * 24 + (2 * oh + kh) * 6 + 2 * ow + kw;
            if (best < 0 || xs[i]! > xs[best]!) best = i;
          }
          want[best] = rs[nc * 6 + oh * 3 + ow]!;
        }
      }
    }
    assert.deepEqual(Array.from(out as Float64Array), Array.from(want), dtype);
  }
});
