/**
 * Gradient rule of BatchNormalization in inference form (batchnormalization.ts), checked in float64 against central
 * finite differences with relative error < 1e-6 (BatchNormalization runs in double on the onnxruntime CPU provider).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradCheck } from '../../helpers/gradcheck.js';
import type { GraphBuilder } from '../../../src/onnx/builder.js';

const F64_TOL = 1e-6;

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
