/**
 * Gradient rule of Conv (conv.ts), checked against central finite differences.
 *
 * Precision: onnxruntime-node 1.30's CPU provider implements Conv and ConvTranspose for float only (a double graph
 * fails to load: "Could not find an implementation for Conv(11)"), so the rule is checked in float32.
 *
 * The float32 checks use a finite-difference step of 1: the loss Σ R·y of these ops is linear in each single
 * input element (Conv is bilinear in X and W, but the check perturbs one element at a time), so central
 * differences are exact up to rounding and a large step keeps float32 cancellation small. Tolerance 1e-5
 * (float32 rounding of sums of ~100 terms; measured errors are 1e-7..1e-6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradCheck, type GradInput } from '../../helpers/gradcheck.js';
import { GraphBuilder, type AttrInput } from '../../../src/onnx/builder.js';

const F32_TOL = 1e-5;

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

async function checkConvT(name: string, x: number[], w: number[], attrs: Attrs, bias: boolean, t: { diagnostic(m: string): void }): Promise<void> {
  const inputs: Record<string, GradInput> = { x: { shape: x }, w: { shape: w } };
  if (bias) inputs.bias = { shape: [w[1]! * (typeof attrs.group === 'number' ? attrs.group : 1)] };
  const r = await gradCheck({
    dtype: 'float32',
    eps: 1,
    inputs,
    forward: (b: GraphBuilder, v) => b.op('ConvTranspose', bias ? [v.x!, v.w!, v.bias!] : [v.x!, v.w!], attrs),
  });
  t.diagnostic(`${name}: max rel err ${r.maxRelErr.toExponential(2)} ${JSON.stringify(r.perInput)}`);
  assert.ok(r.maxRelErr < F32_TOL, `${name}: rel err ${r.maxRelErr}`);
}

test('ConvTranspose: stride 2 with output_padding, asymmetric pads, bias (float32)', async (t) => {
  await checkConvT('convT-basic', [2, 3, 4, 3], [3, 2, 3, 2], { strides: [2, 2], pads: [1, 0, 0, 1], output_padding: [1, 0] }, true, t);
});

test('ConvTranspose: groups + dilation, no bias; 1-D stride 3 (float32)', async (t) => {
  await checkConvT('convT-group', [2, 4, 3, 4], [4, 1, 2, 3], { group: 2, dilations: [2, 1], strides: [1, 2], pads: [0, 1, 1, 0] }, false, t);
  await checkConvT('convT-1d', [1, 2, 5], [2, 3, 4], { strides: [3], pads: [1, 2] }, true, t);
});

test('ConvTranspose: auto_pad SAME_UPPER / SAME_LOWER and output_shape (float32)', async (t) => {
  await checkConvT('convT-same-upper', [1, 2, 3, 4], [2, 2, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }, true, t);
  await checkConvT('convT-same-lower', [1, 2, 3, 4], [2, 2, 4, 3], { auto_pad: 'SAME_LOWER', strides: [2, 2] }, false, t);
  await checkConvT('convT-output-shape', [1, 2, 3, 3], [2, 1, 3, 3], { strides: [2, 2], output_shape: [7, 8] }, false, t);
});
