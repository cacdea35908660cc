/**
 * Batched input Jacobians (src/autodiff/jacobian.ts) against finite differences.
 * Finite differences perturb coordinate j of every sample at once (samples are independent), so 2·d forward runs
 * give the whole reference Jacobian. Error measure: max |J − J_fd| / max |J_fd| over the whole tensor.
 *
 * - MLP (MatMul/Add/Relu/Tanh) in float64: step 1e-6, tolerance 1e-6.
 * - CNN (Conv/Relu/MaxPool/Flatten/Gemm) in float32 (onnxruntime's CPU Conv is float-only): the network is piecewise
 *   linear, so central differences are exact within a linear piece and the error is float32 rounding of the
 *   logits divided by the step; step 1e-2, tolerance 5e-4 (measured: ~3e-5; the margin covers a Relu/MaxPool kink
 *   crossed within ±step, which the fixed seeds avoid). The second CNN adds BatchNormalization, a grouped dilated
 *   Conv, AveragePool and GlobalAveragePool with the same tolerance (step 5e-3 there, see the test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInputJacobian } from '../../src/autodiff/jacobian.js';
import { inputJacobian, inputJacobianOutputs } from '../../src/measure/jacobians.js';
import { defaultEngine } from '../../src/engine/node.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/proto.js';
import { GeolensError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';
import type { FloatArray, Tensor } from '../../src/tensor.js';

const CNN_TOL = 5e-4;

function randn(rng: Rng, n: number, f64: boolean, std = 1): FloatArray {
  const a = f64 ? new Float64Array(n) : new Float32Array(n);
  return rng.fillNormal(a, std);
}

function weight(b: GraphBuilder, rng: Rng, name: string, shape: number[], std: number): string {
  const n = shape.reduce((p, q) => p * q, 1);
  return b.init(name, { data: randn(rng, n, b.floatType === DataType.DOUBLE, std), shape });
}

/** x [N,5] -> 7 (Relu) -> 6 (Tanh) -> 4 logits, float64. The logits tensor is named 'logits' (a name clash to resolve). */
function mlp(): GraphBuilder {
  const rng = new Rng(7);
  const b = new GraphBuilder('mlp', DataType.DOUBLE);
  const x = b.input('x', ['N', 5]);
  const h1 = b.relu(b.add(b.matmul(x, weight(b, rng, 'w1', [5, 7], 0.6)), weight(b, rng, 'b1', [7], 0.3)));
  const h2 = b.op('Tanh', [b.add(b.matmul(h1, weight(b, rng, 'w2', [7, 6], 0.5)), weight(b, rng, 'b2', [6], 0.3))]);
  b.node('Add', [b.matmul(h2, weight(b, rng, 'w3', [6, 4], 0.8)), weight(b, rng, 'b3', [4], 0.3)], {}, ['logits']);
  b.output('logits', ['N', 4]);
  return b;
}

/** x [N,2,9,8] -> Conv(4,3x3,pad 1)+Relu -> MaxPool 2x2/2 -> Conv(5,3x2,stride 2,asym pads)+Relu -> Flatten -> Gemm(3), float32. */
function cnn(): GraphBuilder {
  const rng = new Rng(11);
  const b = new GraphBuilder('cnn', DataType.FLOAT);
  const x = b.input('image', ['N', 2, 9, 8]);
  const c1 = b.relu(b.op('Conv', [x, weight(b, rng, 'k1', [4, 2, 3, 3], 0.4), weight(b, rng, 'c1', [4], 0.1)], { pads: [1, 1, 1, 1] }));
  const p1 = b.op('MaxPool', [c1], { kernel_shape: [2, 2], strides: [2, 2] }); // [N,4,4,4]
  const c2 = b.relu(b.op('Conv', [p1, weight(b, rng, 'k2', [5, 4, 3, 2], 0.4), weight(b, rng, 'c2', [5], 0.1)], { strides: [2, 2], pads: [1, 0, 0, 1] })); // [N,5,2,2]
  const f = b.op('Flatten', [c2], { axis: 1 });
  const z = b.op('Gemm', [f, weight(b, rng, 'wf', [3, 20], 0.5), weight(b, rng, 'bf', [3], 0.1)], { transB: 1 });
  b.output(z, ['N', 3]);
  return b;
}

/** Reference Jacobian [N, C, d] by central differences of the forward graph's logits. */
async function fdJacobian(fwd: GraphBuilder, input: string, logits: string, x: Tensor, C: number, eps: number, post?: (z: Float64Array) => Float64Array): Promise<Float64Array> {
  const s = await defaultEngine().load(fwd);
  const n = x.shape[0]!;
  const d = x.data.length / n;
  const J = new Float64Array(n * C * d);
  const xs = x.data.slice() as FloatArray;
  const logitsAt = async (): Promise<Float64Array> => {
    const z = Float64Array.from((await s.run({ [input]: { data: xs, shape: x.shape } }, [logits]))[logits]!.data as FloatArray);
    if (!post) return z;
    const out = new Float64Array(z.length);
    for (let i = 0; i < n; i++) out.set(post(z.subarray(i * C, (i + 1) * C)), i * C);
    return out;
  };
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) xs[i * d + j] = x.data[i * d + j]! + eps;
    const zp = await logitsAt();
    for (let i = 0; i < n; i++) xs[i * d + j] = x.data[i * d + j]! - eps;
    const zm = await logitsAt();
    for (let i = 0; i < n; i++) xs[i * d + j] = x.data[i * d + j]!;
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) J[(i * C + c) * d + j] = (zp[i * C + c]! - zm[i * C + c]!) / (2 * eps);
  }
  return J;
}

function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  assert.equal(a.length, ref.length);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / scale;
}

function logSoftmax(z: Float64Array): Float64Array {
  let m = -Infinity;
  for (const v of z) m = Math.max(m, v);
  let s = 0;
  for (const v of z) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  return z.map((v) => v - lse);
}

test('MLP (MatMul/Add/Relu/Tanh, float64): Jacobian and log-softmax Jacobian match finite differences', async (t) => {
  const fwd = mlp();
  const before = fwd.toBytes();
  const rng = new Rng(3);
  const x: Tensor = { data: randn(rng, 6 * 5, true), shape: [6, 5] };
  const progress: [number, number][] = [];
  const r = await inputJacobian(defaultEngine(), fwd, { input: 'x', logits: 'logits', numClasses: 4, batchSize: 4, onProgress: (a, b) => progress.push([a, b]) }, x);
  assert.deepEqual(Buffer.from(fwd.toBytes()), Buffer.from(before), 'the forward builder is not modified');
  assert.deepEqual(progress, [[4, 6], [6, 6]]);
  assert.deepEqual(r.jacobian.shape, [6, 4, 5]);
  assert.deepEqual(r.jacobianLogSoftmax.shape, [6, 4, 5]);
  assert.deepEqual(r.logits.shape, [6, 4]);
  assert.ok(r.jacobian.data instanceof Float64Array);

  // logits and probs agree with the forward graph
  const z = (await (await defaultEngine().load(fwd)).run({ x }, ['logits'])).logits!.data as Float64Array;
  assert.ok(relErr(r.logits.data, z) < 1e-12);
  for (let i = 0; i < 6; i++) {
    const ls = logSoftmax(z.slice(i * 4, i * 4 + 4));
    for (let c = 0; c < 4; c++) assert.ok(Math.abs(r.probs.data[i * 4 + c]! - Math.exp(ls[c]!)) < 1e-12);
  }

  const J = await fdJacobian(fwd, 'x', 'logits', x, 4, 1e-6);
  const e = relErr(r.jacobian.data, J);
  const JL = await fdJacobian(fwd, 'x', 'logits', x, 4, 1e-6, logSoftmax);
  const eL = relErr(r.jacobianLogSoftmax.data, JL);
  t.diagnostic(`mlp float64: jacobian max rel err ${e.toExponential(2)}, jacobian_logsoftmax ${eL.toExponential(2)}`);
  assert.ok(e < 1e-6, `jacobian rel err ${e}`);
  assert.ok(eL < 1e-6, `jacobian_logsoftmax rel err ${eL}`);

  // the in-graph Gram J Jᵀ equals the product of the fetched Jacobians
  const { jacobian_gram: K } = await inputJacobianOutputs(defaultEngine(), fwd, { input: 'x', logits: 'logits', numClasses: 4 }, { data: x.data, shape: x.shape }, ['jacobian_gram']);
  const Jd = r.jacobian.data;
  const Kref = new Float64Array(6 * 16);
  for (let i = 0; i < 6; i++) for (let a = 0; a < 4; a++) for (let b2 = 0; b2 < 4; b2++) for (let k = 0; k < 5; k++) Kref[i * 16 + a * 4 + b2]! += Jd[i * 20 + a * 5 + k]! * Jd[i * 20 + b2 * 5 + k]!;
  assert.ok(relErr(K.data, Kref) < 1e-12, `gram rel err ${relErr(K.data, Kref)}`);
});

test('CNN (Conv/Relu/MaxPool/Flatten/Gemm, float32): Jacobian matches finite differences', async (t) => {
  const fwd = cnn();
  const logits = fwd.outputs[0]!.name;
  const rng = new Rng(5);
  const x: Tensor = { data: randn(rng, 3 * 2 * 9 * 8, false), shape: [3, 2, 9, 8] };
  const r = await inputJacobian(defaultEngine(), fwd, { input: 'image', logits, numClasses: 3 }, x);
  assert.deepEqual(r.jacobian.shape, [3, 3, 144]);
  assert.ok(r.jacobian.data instanceof Float32Array);
  const J = await fdJacobian(fwd, 'image', logits, x, 3, 1e-2);
  const e = relErr(r.jacobian.data, J);
  const JL = await fdJacobian(fwd, 'image', logits, x, 3, 1e-2, logSoftmax);
  const eL = relErr(r.jacobianLogSoftmax.data, JL);
  t.diagnostic(`cnn float32: jacobian max rel err ${e.toExponential(2)}, jacobian_logsoftmax ${eL.toExponential(2)}`);
  assert.ok(e < CNN_TOL, `jacobian rel err ${e}`);
  assert.ok(eL < CNN_TOL, `jacobian_logsoftmax rel err ${eL}`);
});

/** x [N,3,7,9] -> Conv(6, group 3, dilation 2)+BN+Relu -> AveragePool(3x2/2, pads) -> Conv(4,1x1) -> GAP -> Flatten -> Gemm(5), float32. */
function cnn2(): GraphBuilder {
  const rng = new Rng(13);
  const b = new GraphBuilder('cnn2', DataType.FLOAT);
  const x = b.input('x', ['N', 3, 7, 9]);
  const c1 = b.op('Conv', [x, weight(b, rng, 'k1', [6, 1, 2, 3], 0.5)], { group: 3, dilations: [2, 2], pads: [1, 1, 1, 1] }); // [N,6,7,7]
  const var1 = b.init('var1', { data: rng.fillUniform(new Float32Array(6), 0.5, 2), shape: [6] });
  const bn = b.op('BatchNormalization', [c1, weight(b, rng, 'g1', [6], 0.5), weight(b, rng, 'be1', [6], 0.2), weight(b, rng, 'm1', [6], 0.2), var1], { epsilon: 1e-3 });
  const p = b.op('AveragePool', [b.relu(bn)], { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 0, 1], count_include_pad: 0 }); // [N,6,3,4]
  const c2 = b.op('Conv', [p, weight(b, rng, 'k2', [4, 6, 1, 1], 0.5)]);
  const gap = b.op('Flatten', [b.op('GlobalAveragePool', [c2])]);
  b.output(b.op('Gemm', [gap, weight(b, rng, 'wf', [4, 5], 0.7), weight(b, rng, 'bf', [5], 0.1)]), ['N', 5]);
  return b;
}

test('CNN with BatchNormalization, grouped dilated Conv, AveragePool, GlobalAveragePool (float32)', async (t) => {
  const fwd = cnn2();
  const logits = fwd.outputs[0]!.name;
  const rng = new Rng(17);
  const x: Tensor = { data: randn(rng, 2 * 3 * 7 * 9, false), shape: [2, 3, 7, 9] };
  const r = await inputJacobian(defaultEngine(), fwd, { input: 'x', logits, numClasses: 5 }, x);
  assert.deepEqual(r.jacobian.shape, [2, 5, 189]);
  // step 5e-3: with 1e-2 one input coordinate of this seed crosses a Relu kink (10 entries off by ~1.5e-4)
  const J = await fdJacobian(fwd, 'x', logits, x, 5, 5e-3);
  const e = relErr(r.jacobian.data, J);
  t.diagnostic(`cnn2 float32: jacobian max rel err ${e.toExponential(2)}`);
  assert.ok(e < CNN_TOL, `jacobian rel err ${e}`);
});

test('linear model z = xW + b: the Jacobian is exactly Wᵀ for every sample (float64)', async () => {
  const rng = new Rng(9);
  const b = new GraphBuilder('linear', DataType.DOUBLE);
  const x = b.input('x', ['N', 6]);
  const W = randn(rng, 6 * 3, true);
  b.output(b.add(b.matmul(x, b.init('W', { data: W, shape: [6, 3] })), b.init('bias', { data: randn(rng, 3, true), shape: [3] })), ['N', 3]);
  const xs: Tensor = { data: randn(rng, 5 * 6, true), shape: [5, 6] };
  const r = await inputJacobian(defaultEngine(), b, { input: 'x', logits: b.outputs[0]!.name, numClasses: 3 }, xs);
  for (let i = 0; i < 5; i++) for (let c = 0; c < 3; c++) for (let j = 0; j < 6; j++) assert.equal(r.jacobian.data[(i * 3 + c) * 6 + j], W[j * 3 + c]);
});

test('buildInputJacobian: graph outputs, pruning, and errors', async () => {
  const fwd = mlp();
  // an extra head and a loss with a label input: pruned away
  const labels = fwd.input('labels', ['N', 4]);
  fwd.output(fwd.reduceSum(fwd.mul(fwd.sub('logits', labels), fwd.sub('logits', labels)), [], false), []);
  const g = buildInputJacobian(fwd, { input: 'x', logits: 'logits', numClasses: 4 });
  assert.deepEqual(g.inputs.map((v) => [v.name, v.shape]), [['x', ['N', 5]]]);
  assert.deepEqual(g.outputs.map((v) => [v.name, v.shape]), [
    ['logits', ['N', 4]],
    ['probs', ['N', 4]],
    ['jacobian', ['N', 4, 5]],
    ['jacobian_logsoftmax', ['N', 4, 5]],
    ['jacobian_gram', ['N', 4, 4]],
  ]);
  assert.ok(!g.nodes.some((n) => n.inputs.includes('labels')));
  const err = (f: () => unknown, code: string): void => assert.throws(f, (e: unknown) => e instanceof GeolensError && e.code === code);
  err(() => buildInputJacobian(fwd, { input: 'nope', logits: 'logits', numClasses: 4 }), 'BAD_ARGUMENT');
  err(() => buildInputJacobian(fwd, { input: 'x', logits: 'logits', numClasses: 3 }), 'BAD_SHAPE');
  err(() => buildInputJacobian(fwd, { input: 'x', logits: 'nope', numClasses: 4 }), 'BAD_ARGUMENT');
  await assert.rejects(inputJacobian(defaultEngine(), mlp(), { input: 'x', logits: 'logits', numClasses: 4 }, { data: new Float32Array(10), shape: [2, 5] }), (e: unknown) => e instanceof GeolensError && e.code === 'UNSUPPORTED_DTYPE');
  await assert.rejects(inputJacobian(defaultEngine(), mlp(), { input: 'x', logits: 'logits', numClasses: 4 }, { data: new Float64Array(12), shape: [2, 6] }), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_SHAPE');
});

test('buildInputJacobian: only the asked outputs; the leading linear layer runs once per sample, not C times', async () => {
  const g = buildInputJacobian(mlp(), { input: 'x', logits: 'logits', numClasses: 4, outputs: ['probs', 'jacobian_gram'] });
  assert.deepEqual(g.outputs.map((v) => v.name), ['probs', 'jacobian_gram']);
  // x feeds the first MatMul directly (the repetition of the rows sits after the bias Add, which the Relu's backward reads)
  assert.deepEqual(g.nodes.filter((n) => n.inputs.includes('x') && n.opType !== 'Shape').map((n) => n.opType), ['MatMul']);
  // same numbers as the graph with every output
  const rng = new Rng(3);
  const x: Tensor = { data: randn(rng, 6 * 5, true), shape: [6, 5] };
  const some = await inputJacobianOutputs(defaultEngine(), mlp(), { input: 'x', logits: 'logits', numClasses: 4 }, x, ['probs', 'jacobian_gram']);
  const all = await inputJacobian(defaultEngine(), mlp(), { input: 'x', logits: 'logits', numClasses: 4 }, x);
  assert.deepEqual(some.probs.data, all.probs.data);
  const J = all.jacobian.data;
  for (let n = 0; n < 6; n++) {
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let v = 0;
        for (let k = 0; k < 5; k++) v += J[(n * 4 + i) * 5 + k]! * J[(n * 4 + j) * 5 + k]!;
        assert.ok(Math.abs(some.jacobian_gram.data[(n * 4 + i) * 4 + j]! - v) <= 1e-12 * (1 + Math.abs(v)));
      }
    }
  }
});

test('buildInputJacobian: J Jᵀ through the first layer\'s weights (B Bᵀ) equals J Jᵀ from J, for MatMul and Gemm (transB 0 and 1) first layers', async () => {
  for (const first of ['MatMul', 'Gemm', 'GemmT'] as const) {
    const rng = new Rng(5);
    const b = new GraphBuilder('first', DataType.DOUBLE);
    const x = b.input('x', ['N', 6]);
    const h1 =
      first === 'MatMul'
        ? b.matmul(x, weight(b, rng, 'w1', [6, 5], 0.6))
        : first === 'Gemm'
          ? b.op('Gemm', [x, weight(b, rng, 'w1', [6, 5], 0.6), weight(b, rng, 'b1', [5], 0.3)])
          : b.op('Gemm', [x, weight(b, rng, 'w1', [5, 6], 0.6), weight(b, rng, 'b1', [5], 0.3)], { transB: 1 });
    const h = b.op('Tanh', [h1]);
    b.node('Add', [b.matmul(h, weight(b, rng, 'w2', [5, 3], 0.8)), weight(b, rng, 'b2', [3], 0.3)], {}, ['logits']);
    b.output('logits', ['N', 3]);
    const g = buildInputJacobian(b, { input: 'x', logits: 'logits', numClasses: 3, outputs: ['jacobian_gram'] });
    // the weight route was taken: no [N·C, 6] input gradient is formed (w1 is read by the forward and by B Bᵀ only)
    const readers = g.nodes.filter((n) => n.inputs.includes('w1')).map((n) => n.opType);
    assert.ok(readers.length <= 3 && (first !== 'MatMul' ? readers.filter((o) => o === 'Gemm').length === 2 : readers.includes('Transpose')), `${first}: ${readers.join(', ')}`);
    const xs: Tensor = { data: randn(rng, 4 * 6, true), shape: [4, 6] };
    const viaW = await inputJacobianOutputs(defaultEngine(), b, { input: 'x', logits: 'logits', numClasses: 3 }, xs, ['jacobian_gram']);
    const J = (await inputJacobian(defaultEngine(), b, { input: 'x', logits: 'logits', numClasses: 3 }, xs)).jacobian.data;
    for (let n = 0; n < 4; n++) {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let v = 0;
          for (let k = 0; k < 6; k++) v += J[(n * 3 + i) * 6 + k]! * J[(n * 3 + j) * 6 + k]!;
          assert.ok(Math.abs(viaW.jacobian_gram.data[(n * 3 + i) * 3 + j]! - v) <= 1e-12 * (1 + Math.abs(v)), `${first} n${n} (${i},${j})`);
        }
      }
    }
  }
});
