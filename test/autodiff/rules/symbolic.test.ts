/**
 * Gradient rules with symbolic dims: the rules' run-time paths (Shape/Size-driven offsets, scatter-based Slice,
 * dynamic index normalisation) must give exactly the gradients of the same graph with static shapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGradients } from '../../../src/autodiff/grad.js';
import { defaultEngine } from '../../../src/engine/node.js';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { DataType, type Dim } from '../../../src/onnx/proto.js';
import { Rng } from '../../../src/util/random.js';
import { numel } from '../../../src/tensor.js';

interface SymInput {
  shape: number[];
  /** The declared shape in the symbolic graph. */
  sym: Dim[];
  int64?: number[];
}

/** Gradients of Σ y² wrt the float inputs, for one graph built with static or with symbolic input shapes. */
async function gradients(inputs: Record<string, SymInput>, forward: (b: GraphBuilder, x: Record<string, string>) => string, symbolic: boolean, opset?: number): Promise<Float64Array[]> {
  const b = new GraphBuilder(symbolic ? 'sym' : 'static', DataType.DOUBLE);
  if (opset) b.opset = opset;
  const x: Record<string, string> = {};
  const wrt: string[] = [];
  const rng = new Rng(99);
  const feeds: Record<string, { data: Float64Array | BigInt64Array; shape: number[] }> = {};
  for (const [k, s] of Object.entries(inputs)) {
    x[k] = b.input(k, symbolic ? s.sym : s.shape, s.int64 ? DataType.INT64 : DataType.DOUBLE);
    feeds[k] = s.int64 ? { data: BigInt64Array.from(s.int64.map(BigInt)), shape: s.shape } : { data: Float64Array.from({ length: numel(s.shape) }, () => rng.normal()), shape: s.shape };
    if (!s.int64) wrt.push(k);
  }
  const y = forward(b, x);
  const loss = b.op('ReduceSum', [b.mul(y, y)], { keepdims: 0 });
  const g = addGradients(b, loss, wrt);
  for (const w of wrt) b.output(g.get(w)!);
  const res = await (await defaultEngine().load(b)).run(feeds);
  return wrt.map((w) => Float64Array.from(res[g.get(w)!]!.data as Float64Array));
}

async function expectSymbolicMatchesStatic(inputs: Record<string, SymInput>, forward: (b: GraphBuilder, x: Record<string, string>) => string, opset?: number): Promise<void> {
  const fixed = await gradients(inputs, forward, false, opset);
  const sym = await gradients(inputs, forward, true, opset);
  fixed.forEach((f, i) => {
    const s = sym[i]!;
    assert.equal(s.length, f.length);
    assert.ok(f.some((v) => Math.abs(v) > 1e-6), 'gradient is ~0, the comparison is vacuous');
    for (let j = 0; j < f.length; j++) assert.ok(Math.abs(s[j]! - f[j]!) <= 1e-12 * (1 + Math.abs(f[j]!)), `input ${i}, element ${j}: ${s[j]} vs ${f[j]}`);
  });
}

test('symbolic batch: Gemm → Softmax → Reshape(0, …) → Unsqueeze → Squeeze → Flatten', async () => {
  await expectSymbolicMatchesStatic({ a: { shape: [3, 3], sym: ['N', 3] }, w: { shape: [4, 3], sym: [4, 3] }, c: { shape: [4], sym: [4] } }, (b, x) => {
    const p = b.op('Softmax', [b.op('Gemm', [x.a!, x.w!, x.c!], { transB: 1, alpha: 2 })]);
    const r = b.op('Unsqueeze', [b.reshape(p, [0, 2, 2]), b.constInt64([1])]);
    return b.op('Flatten', [b.op('Squeeze', [r, b.constInt64([1])])], { axis: 1 });
  });
});

test('symbolic dim along the Concat axis (offsets from Shape nodes)', async () => {
  await expectSymbolicMatchesStatic({ a: { shape: [3, 2], sym: ['N', 2] }, c: { shape: [2, 2], sym: [2, 2] } }, (b, x) => b.op('Concat', [x.a!, x.c!, x.a!], { axis: 0 }));
});

test('symbolic dim under a unit-step Slice (scatter path instead of Pad) and a negative-step Slice', async () => {
  await expectSymbolicMatchesStatic({ a: { shape: [5, 4], sym: ['N', 4] } }, (b, x) =>
    b.op('Slice', [x.a!, b.constInt64([1, -1]), b.constInt64([-1, -100]), b.constInt64([0, 1]), b.constInt64([1, -2])]),
  );
  await expectSymbolicMatchesStatic({ a: { shape: [5, 4], sym: ['N', 'M'] } }, (b, x) => b.op('Slice', [x.a!, b.constInt64([1]), b.constInt64([-1])]));
});

test('symbolic reduced dim in ReduceMean (1/count from Size nodes), keepdims 0 and 1', async () => {
  await expectSymbolicMatchesStatic({ a: { shape: [3, 4], sym: ['N', 4] } }, (b, x) => b.op('ReduceMean', [x.a!], { axes: [0], keepdims: 0 }));
  await expectSymbolicMatchesStatic({ a: { shape: [3, 4, 2], sym: ['N', 'M', 2] } }, (b, x) => b.op('ReduceMean', [x.a!], { axes: [1, 0] }));
});

test('symbolic gathered dim with run-time negative indices (normalised via Shape), opset 17 and 13', async () => {
  const inputs = { a: { shape: [4, 3], sym: ['N', 3] as Dim[] }, i: { shape: [2, 2], sym: [2, 2] as Dim[], int64: [-1, 0, 2, -1] } };
  await expectSymbolicMatchesStatic(inputs, (b, x) => b.op('Gather', [x.a!, x.i!]));
  await expectSymbolicMatchesStatic(inputs, (b, x) => b.op('Gather', [x.a!, x.i!]), 13);
  await expectSymbolicMatchesStatic({ a: { shape: [2, 4], sym: [2, 'M'] }, i: { shape: [3], sym: ['K'], int64: [3, -4, 3] } }, (b, x) => b.op('Gather', [x.a!, x.i!], { axis: 1 }));
});

test('symbolic batch through Expand, Where, Clip, Pow and Div broadcasting', async () => {
  await expectSymbolicMatchesStatic({ a: { shape: [3, 1], sym: ['N', 1] }, c: { shape: [4], sym: [4] } }, (b, x) => {
    const e = b.op('Expand', [x.a!, b.constInt64([1, 4])]);
    const w = b.op('Where', [b.op('Greater', [e, b.constFloat(0)]), e, x.c!]);
    const p = b.op('Pow', [b.op('Clip', [w, b.constFloat(-0.5), b.constFloat(1)]), b.constFloat(3)]);
    return b.div(p, b.add(b.mul(x.c!, x.c!), b.constFloat(1)));
  });
});
