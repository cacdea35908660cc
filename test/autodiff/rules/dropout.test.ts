/** Gradient rule of Dropout (dropout.ts): identity in inference, mask-scaled when it may train, refused without a mask. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGradients } from '../../../src/autodiff/grad.js';
import { defaultEngine } from '../../../src/engine/node.js';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/proto.js';
import { Rng } from '../../../src/util/random.js';
import { expectGrad } from '../../helpers/expect-grad.js';

test('Dropout in inference: identity, with its mask output present and with training_mode a constant false (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] } }, forward: (b, x) => b.node('Dropout', [x.a!], {}, 2)[0]! });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [4, 3] } },
    forward: (b, x) => {
      const off = b.init(b.fresh('training'), { dataType: DataType.BOOL, dims: [], data: Uint8Array.of(0) });
      return b.op('Dropout', [x.a!, b.constFloat(0.3), off]);
    },
  });
});

test('Dropout with a run-time training_mode: dX = gY ⊙ mask / (1 − ratio) when training, gY otherwise', async () => {
  const b = new GraphBuilder('dropout', DataType.DOUBLE);
  const shape = [6, 5];
  const x = b.input('x', shape);
  const training = b.input('training', [], DataType.BOOL);
  const [y, mask] = b.node('Dropout', [x, b.constFloat(0.25), training], { seed: 7 }, 2) as [string, string];
  const rng = new Rng(5);
  const r = Array.from({ length: 30 }, () => rng.normal());
  const loss = b.op('ReduceSum', [b.mul(y, b.constFloat(r, shape))], { keepdims: 0 });
  const gx = addGradients(b, loss, [x]).get(x)!;
  b.output(y, shape);
  b.output(mask, shape, DataType.BOOL);
  b.output(gx, shape);
  const sess = await defaultEngine().load(b);
  const xs = Float64Array.from({ length: 30 }, () => rng.normal());
  for (const on of [1, 0]) {
    const res = await sess.run({ x: { data: xs, shape }, training: { data: Uint8Array.of(on), shape: [] } });
    const m = res[mask]!.data as Uint8Array;
    const g = res[gx]!.data as Float64Array;
    const out = res[y]!.data as Float64Array;
    const kept = m.reduce((s, v) => s + (v ? 1 : 0), 0);
    if (on) assert.ok(kept > 0 && kept < 30, `mask keeps ${kept}/30`);
    else assert.equal(kept, 30);
    for (let i = 0; i < 30; i++) {
      const scale = on ? (m[i] ? 1 / 0.75 : 0) : 1;
      assert.ok(Math.abs(out[i]! - xs[i]! * scale) < 1e-12, `y[${i}]`);
      assert.ok(Math.abs(g[i]! - r[i]! * scale) < 1e-12, `grad[${i}] = ${g[i]}, expected ${r[i]! * scale}`);
    }
  }
});

test('Dropout that may train but has no mask output is rejected', () => {
  const b = new GraphBuilder('dropout', DataType.DOUBLE);
  const x = b.input('x', [2, 3]);
  const training = b.input('training', [], DataType.BOOL);
  const loss = b.op('ReduceSum', [b.op('Dropout', [x, b.constFloat(0.5), training])], { keepdims: 0 });
  assert.throws(() => addGradients(b, loss, [x]), (e: Error & { code?: string }) => e.code === 'UNSUPPORTED_OP' && /mask/.test(e.message));
});
