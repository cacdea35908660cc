/**
 * Gradient rules of the per-sample normalisations: LayerNormalization, InstanceNormalization, GroupNormalization
 * (layernormalization.ts, instancenormalization.ts, groupnormalization.ts, sharing normalize.ts), checked against
 * central finite differences. LayerNormalization and GroupNormalization run in double on the onnxruntime CPU provider
 * (tolerance 1e-6); InstanceNormalization is float-only (float32, step 1e-2, tolerance 2e-3).
 */
import { test } from 'node:test';
import { expectGrad } from '../../helpers/expect-grad.js';

test('LayerNormalization: last axis, last two axes (axis 1 of 3), scale and bias differentiated, no bias (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { x: { shape: [3, 5] }, s: { shape: [5] }, bias: { shape: [5] } }, forward: (b, v) => b.op('LayerNormalization', [v.x!, v.s!, v.bias!], { epsilon: 1e-3 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { x: { shape: [2, 3, 4] }, s: { shape: [3, 4] }, bias: { shape: [3, 4] } }, forward: (b, v) => b.op('LayerNormalization', [v.x!, v.s!, v.bias!], { axis: 1 }) });
  await expectGrad(t, { dtype: 'float64', inputs: { x: { shape: [2, 3, 4] }, s: { shape: [4] } }, forward: (b, v) => b.op('LayerNormalization', [v.x!, v.s!], { axis: -1 }) });
});

test('GroupNormalization: per-group scale (opset 18) and per-channel scale (opset 21) (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { x: { shape: [2, 6, 3, 2] }, s: { shape: [3] }, bias: { shape: [3] } },
    forward: (b, v) => ((b.opset = 18), b.op('GroupNormalization', [v.x!, v.s!, v.bias!], { num_groups: 3, epsilon: 1e-3 })),
  });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { x: { shape: [2, 6, 4] }, s: { shape: [6] }, bias: { shape: [6] } },
    // stash_type 11: the statistics in double (the default, 1, computes them in float32, too coarse for step 1e-6)
    forward: (b, v) => ((b.opset = 21), b.op('GroupNormalization', [v.x!, v.s!, v.bias!], { num_groups: 2, stash_type: 11 })),
  });
});

test('InstanceNormalization: 2-D and 1-D spatial (float32)', async (t) => {
  await expectGrad(t, { dtype: 'float32', inputs: { x: { shape: [2, 3, 4, 3] }, s: { shape: [3] }, bias: { shape: [3] } }, forward: (b, v) => b.op('InstanceNormalization', [v.x!, v.s!, v.bias!], { epsilon: 1e-2 }) }, 2e-3);
  await expectGrad(t, { dtype: 'float32', inputs: { x: { shape: [3, 2, 5] }, s: { shape: [2] }, bias: { shape: [2] } }, forward: (b, v) => b.op('InstanceNormalization', [v.x!, v.s!, v.bias!]) }, 2e-3);
});
