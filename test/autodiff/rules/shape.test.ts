/**
 * Gradient rules of shape, indexing and type ops: Reshape, Flatten, Transpose, Concat, Slice, Expand, Unsqueeze,
 * Squeeze, Gather, Identity, Cast (reshape.ts, flatten.ts, transpose.ts, concat.ts, slice.ts, expand.ts,
 * unsqueeze.ts, squeeze.ts, gather.ts, identity.ts, cast.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/proto.js';
import { expectGrad } from '../../helpers/expect-grad.js';

test('Reshape: with -1 and with 0 (copy a dim) (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3, 4] } }, forward: (b, x) => b.reshape(x.a!, [4, -1]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3, 4] } }, forward: (b, x) => b.reshape(x.a!, [0, 12]) });
});

test('Flatten: axis 0, 1 (default), 2 and -1 (float64)', async (t) => {
  for (const axis of [0, undefined, 2, -1]) {
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3, 4] } }, forward: (b, x) => b.op('Flatten', [b.mul(x.a!, x.a!)], { axis }) });
  }
});

test('Transpose: perm [2,0,1] and the default reversal (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3, 4] } }, forward: (b, x) => b.transpose(x.a!, [2, 0, 1]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 2, 4] } }, forward: (b, x) => b.transpose(x.a!) });
});

test('Concat: axis 1 of three inputs, axis -1 with one input not differentiated, axis 0 (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [2, 3] }, c: { shape: [2, 4] }, d: { shape: [2, 1] } },
    forward: (b, x) => b.op('Concat', [x.a!, x.c!, x.d!], { axis: 1 }),
  });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [2, 3, 2] }, c: { shape: [2, 3, 3], noGrad: true }, d: { shape: [2, 3, 1] } },
    forward: (b, x) => b.op('Concat', [x.a!, x.c!, x.d!], { axis: -1 }),
  });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [1, 3] }, c: { shape: [2, 3] } },
    forward: (b, x) => b.op('Concat', [x.c!, x.a!, x.c!], { axis: 0 }),
  });
});

const slice = (b: GraphBuilder, x: string, starts: number[], ends: number[], axes?: number[], steps?: number[]): string =>
  b.op('Slice', [x, b.constInt64(starts), b.constInt64(ends), ...(axes ? [b.constInt64(axes)] : steps ? [''] : []), ...(steps ? [b.constInt64(steps)] : [])]);

test('Slice: unit steps with negative indices and out-of-range ends; no axes input (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [4, 5] } }, forward: (b, x) => slice(b, x.a!, [1, -4], [3, 100], [0, 1]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [4, 5, 2] } }, forward: (b, x) => slice(b, x.a!, [-3, 1], [-1, 4]) });
});

test('Slice: negative steps, steps > 1, negative axes, clamped bounds (float64)', async (t) => {
  // reverse every other column, rows 1..3
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [4, 6] } }, forward: (b, x) => slice(b, x.a!, [-1, 1], [-100, 4], [-1, 0], [-2, 1]) });
  // full reversal of the first axis, stride 3 along the last
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 2, 7] } }, forward: (b, x) => slice(b, x.a!, [10, 0], [-10, 1000], [0, 2], [-1, 3]) });
  // steps given without axes
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [5, 3] } }, forward: (b, x) => slice(b, x.a!, [4, 0], [0, 3], undefined, [-2, 2]) });
});

test('Expand: [3,1] → [2,3,4] and [4] → [3,4] (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 1] } }, forward: (b, x) => b.op('Expand', [x.a!, b.constInt64([2, 3, 4])]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [4] } }, forward: (b, x) => b.op('Expand', [x.a!, b.constInt64([3, 1])]) });
});

test('Unsqueeze and Squeeze (with and without axes) (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3] } }, forward: (b, x) => b.op('Unsqueeze', [x.a!, b.constInt64([0, -1])]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 1, 3, 1] } }, forward: (b, x) => b.op('Squeeze', [x.a!, b.constInt64([1, -1])]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [1, 3, 1, 2] } }, forward: (b, x) => b.op('Squeeze', [x.a!]) });
});

test('Gather: constant indices with repeats and negatives on axes 0, 1 and -1 (scalar index) (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [5, 3] } }, forward: (b, x) => b.op('Gather', [x.a!, b.constInt64([0, -1, 2, 0])]) });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [2, 5, 3] } },
    forward: (b, x) => b.op('Gather', [x.a!, b.constInt64([1, 4, -2, 1], [2, 2])], { axis: 1 }),
  });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 4] } }, forward: (b, x) => b.op('Gather', [x.a!, b.constInt64([2], [])], { axis: -1 }) });
});

test('Gather: run-time int64 indices (negatives normalised in the graph) and constant int32 indices (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [4, 3] }, i: { shape: [3], int64: true, data: [-1, 0, -1] } },
    forward: (b, x) => b.op('Gather', [x.a!, x.i!]),
  });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [2, 4] } },
    forward: (b, x) => b.op('Gather', [x.a!, b.init(b.fresh('idx32'), { dataType: DataType.INT32, dims: [3], data: Int32Array.of(3, -4, 3) })], { axis: 1 }),
  });
});

test('Gather in an opset-13 graph (one-hot product instead of ScatterElements-add) (float64)', async (t) => {
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [2, 5, 3] } },
    forward: (b, x) => {
      b.opset = 13;
      return b.op('Gather', [x.a!, b.constInt64([1, 4, -2, 1], [2, 2])], { axis: 1 });
    },
  });
});

test('Identity (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 2] } }, forward: (b, x) => b.mul(b.op('Identity', [x.a!]), x.a!) });
});

test('Cast: double→double, and a cast through int64 passes no gradient (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 2] } }, forward: (b, x) => b.mul(b.op('Cast', [x.a!], { to: DataType.DOUBLE }), x.a!) });
  await expectGrad(t, {
    dtype: 'float64',
    inputs: { a: { shape: [2, 3], init: (rng, n) => Array.from({ length: n }, () => 3 * rng.uniform() + 0.25) } },
    // floor-like step through int64 is piecewise constant: its derivative is 0, so only the 2·a term remains
    forward: (b, x) => b.add(b.mul(x.a!, b.constFloat(2)), b.op('Cast', [b.op('Cast', [x.a!], { to: DataType.INT64 })], { to: DataType.DOUBLE })),
  });
});

test('Cast: float32 → double → float32 round trip (float32 inputs: the graph is float32 at its ends)', async (t) => {
  // float32 inputs and loss, so rounding of the float32 loss limits finite differences: eps 1e-2, tolerance 1e-3
  const err = await expectGrad(
    t,
    {
      dtype: 'float32',
      inputs: { a: { shape: [3, 4] } },
      forward: (b, x) => {
        const d = b.op('Cast', [x.a!], { to: DataType.DOUBLE });
        return b.op('Cast', [b.mul(d, d)], { to: DataType.FLOAT });
      },
    },
    1e-3,
  );
  assert.ok(err < 1e-3);
});

test('Pad: constant (with a value, negative pads that crop), reflect, edge, axes as an input (opset 18) (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 3, 4] } }, forward: (b, x) => b.op('Pad', [x.a!, b.constInt64([0, 1, 2, 0, 2, 1]), b.constFloat(0.5)]) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 5, 4] } }, forward: (b, x) => b.op('Pad', [x.a!, b.constInt64([0, -1, 2, 0, 1, -2])]) });
  for (const mode of ['reflect', 'edge']) {
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 4, 5] } }, forward: (b, x) => b.op('Pad', [x.a!, b.constInt64([0, 2, 1, 0, 3, 4])], { mode }) });
    await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [1, 2, 4, 3] } }, forward: (b, x) => ((b.opset = 18), b.op('Pad', [x.a!, b.constInt64([1, 2, 3, 1]), '', b.constInt64([2, -1])], { mode })) });
  }
});

test('Split: sizes as an input, equal parts, one output unused (float64)', async (t) => {
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [2, 6] } }, forward: (b, x) => {
    const [p, q] = b.node('Split', [x.a!, b.constInt64([2, 4])], { axis: 1 }, 2);
    return b.add(b.mul(p!, p!), b.op('ReduceSum', [q!, b.constInt64([1])], { keepdims: 1 }));
  } });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [4, 3] } }, forward: (b, x) => b.mul(b.node('Split', [x.a!], { axis: 0 }, 2)[1]!, b.constFloat(2)) });
  await expectGrad(t, { dtype: 'float64', inputs: { a: { shape: [3, 7] } }, forward: (b, x) => ((b.opset = 18), b.node('Split', [x.a!], { axis: -1, num_outputs: 3 }, 3)[2]!) });
});
