/**
 * Reading ONNX graphs as piecewise-linear programs: every supported op against onnxruntime's forward pass, exact
 * regions through a CNN (Conv, BatchNorm, MaxPool with ceil_mode, grouped Conv, PRelu, AveragePool) and a network with
 * skip connections, and a clear error naming each op that is not piecewise linear.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeEngine } from '../../../src/engine/node.js';
import { GeolensError } from '../../../src/errors.js';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { importClassifier, type ImportedModel } from '../../../src/onnx/import.js';
import { regionBounds } from '../../../src/probes/regions/bounds.js';
import { logitsAt, patternKey, slicePoint, subdivide } from '../../../src/probes/regions/compute.js';
import { polygonCentroid, rectangle } from '../../../src/probes/regions/polygon.js';
import { forwardPoint, pwlProgram } from '../../../src/probes/regions/pwl.js';
import { Rng } from '../../../src/util/random.js';

const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

const rand = (rng: Rng, n: number, s = 1): Float32Array => Float32Array.from({ length: n }, () => rng.normal() * s);

/** Gemm(transB, alpha, beta) → LeakyRelu → MatMul → Add → Relu → Sub (c − x) → Mul → Div → Neg. */
function denseZoo(): ImportedModel {
  const rng = new Rng(1);
  const g = new GraphBuilder('zoo');
  const x = g.input('input', ['N', 3]);
  const w1 = g.init('w1', { data: rand(rng, 6 * 3), shape: [6, 3] });
  const b1 = g.init('b1', { data: rand(rng, 6, 0.3), shape: [1, 6] });
  let h = g.op('Gemm', [x, w1, b1], { transB: 1, alpha: 0.7, beta: 1.3 });
  h = g.op('LeakyRelu', [h], { alpha: 0.2 });
  h = g.matmul(h, g.init('w2', { data: rand(rng, 6 * 5), shape: [6, 5] }));
  h = g.add(h, g.init('b2', { data: rand(rng, 5, 0.3), shape: [5] }));
  h = g.relu(h);
  h = g.sub(g.init('c', { data: rand(rng, 5), shape: [5] }), h);
  h = g.mul(h, g.init('m', { data: rand(rng, 5), shape: [5] }));
  h = g.div(h, g.init('d', { data: Float32Array.of(2, -3, 0.5, 4, 1.5), shape: [5] }));
  h = g.neg(h);
  g.namedOutput('logits', h, ['N', 5]);
  return importClassifier(g.toModel(), { source: 'zoo.onnx' });
}

/** Conv(pad 1) → BatchNorm → Relu → MaxPool(3, stride 2, ceil_mode) → grouped Conv → PRelu → AveragePool(pad) → Flatten → Gemm. */
function cnnZoo(): ImportedModel {
  const rng = new Rng(2);
  const g = new GraphBuilder('cnn');
  const x = g.input('input', ['N', 1, 6, 6]);
  let h = g.op('Conv', [x, g.init('k1', { data: rand(rng, 4 * 9, 0.5), shape: [4, 1, 3, 3] }), g.init('kb1', { data: rand(rng, 4, 0.2), shape: [4] })], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  h = g.op('BatchNormalization', [h, g.init('s', { data: Float32Array.of(1.2, 0.8, 1, 0.5), shape: [4] }), g.init('bb', { data: rand(rng, 4, 0.1), shape: [4] }), g.init('mu', { data: rand(rng, 4, 0.1), shape: [4] }), g.init('var', { data: Float32Array.of(0.5, 1, 2, 1.5), shape: [4] })], { epsilon: 1e-5 });
  h = g.relu(h);
  h = g.op('MaxPool', [h], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 });
  h = g.op('Conv', [h, g.init('k2', { data: rand(rng, 4 * 2 * 4, 0.5), shape: [4, 2, 2, 2] })], { kernel_shape: [2, 2], group: 2 });
  h = g.op('PRelu', [h, g.init('slope', { data: Float32Array.of(0.1, 0.2, 0.05, 0.3), shape: [4, 1, 1] })]);
  h = g.op('AveragePool', [h], { kernel_shape: [2, 2], pads: [1, 1, 0, 0], strides: [1, 1] });
  h = g.op('Flatten', [h], { axis: 1 });
  h = g.op('Gemm', [h, g.init('fc', { data: rand(rng, 16 * 3, 0.4), shape: [16, 3] }), g.init('fcb', { data: rand(rng, 3, 0.1), shape: [3] })]);
  g.namedOutput('logits', h, ['N', 3]);
  return importClassifier(g.toModel(), { source: 'cnn.onnx' });
}

/** Skip connections and re-indexing: relu(A x) + B relu(A x), Concat with C x, Reshape, Transpose, Flatten, Gemm. */
function residualZoo(): ImportedModel {
  const rng = new Rng(3);
  const g = new GraphBuilder('res');
  const x = g.input('input', ['N', 4]);
  const a = g.relu(g.add(g.matmul(x, g.init('A', { data: rand(rng, 4 * 6), shape: [4, 6] })), g.init('a', { data: rand(rng, 6, 0.3), shape: [6] })));
  const b = g.relu(g.add(g.matmul(a, g.init('B', { data: rand(rng, 6 * 6, 0.5), shape: [6, 6] })), g.init('bias', { data: rand(rng, 6, 0.3), shape: [6] })));
  const s = g.add(a, b);
  const c = g.matmul(x, g.init('C', { data: rand(rng, 4 * 2), shape: [4, 2] }));
  let h = g.op('Concat', [s, c], { axis: 1 });
  h = g.reshape(h, [-1, 2, 4]);
  h = g.transpose(h, [0, 2, 1]);
  h = g.op('Flatten', [h], { axis: 1 });
  h = g.relu(h);
  h = g.op('Gemm', [h, g.init('out', { data: rand(rng, 8 * 3, 0.5), shape: [8, 3] })]);
  g.namedOutput('logits', h, ['N', 3]);
  return importClassifier(g.toModel(), { source: 'res.onnx' });
}

async function againstOrt(model: ImportedModel, points: Float32Array[]): Promise<void> {
  const prog = pwlProgram(model);
  const d = prog.inputSize;
  const x = new Float32Array(points.length * d);
  points.forEach((p, i) => x.set(p, i * d));
  const sess = await engine.load(model.graph);
  const out = (await sess.run({ input: { data: x, shape: [points.length, ...prog.inputShape] } }, [model.logits]))[model.logits]!.data as Float32Array;
  const C = prog.numClasses;
  points.forEach((p, i) => {
    const e = forwardPoint(prog, p);
    for (let c = 0; c < C; c++) assert.ok(Math.abs(e.logits[c]! - out[i * C + c]!) <= 1e-4 * (1 + Math.abs(out[i * C + c]!)), `${model.source} point ${i} class ${c}: ${e.logits[c]} vs ${out[i * C + c]}`);
  });
}

test('every supported op reads as onnxruntime computes it (float64 forward pass vs onnxruntime at random points)', async () => {
  const rng = new Rng(9);
  for (const m of [denseZoo(), cnnZoo(), residualZoo()]) {
    const d = pwlProgram(m).inputSize;
    await againstOrt(m, Array.from({ length: 40 }, () => rand(rng, d)));
  }
  const cnn = pwlProgram(cnnZoo());
  assert.deepEqual(cnn.layers.map((l) => [l.op, l.width, l.hyperplanes]), [['Relu', 144, 144], ['MaxPool', 36, 36 * 36], ['PRelu', 16, 16]]);
  assert.equal(cnn.chain, true);
  const res = pwlProgram(residualZoo());
  assert.equal(res.chain, false);
});

test('exact regions through a CNN and a residual network: areas tile the slice, interior samples have the pattern and logits, counts within the bounds', async () => {
  for (const [model, seed] of [[cnnZoo(), 4], [residualZoo(), 5], [denseZoo(), 6]] as const) {
    const prog = pwlProgram(model);
    const rng = new Rng(seed);
    const d = prog.inputSize;
    const slice = { origin: Float64Array.from(rand(rng, d)), directions: [Float64Array.from(rand(rng, d)), Float64Array.from(rand(rng, d))], domain: rectangle(-1, 1, -1, 1) };
    const sub = subdivide(prog, slice);
    assert.ok(sub.regions.length > 5, `${model.source}: ${sub.regions.length} regions`);
    let area = 0;
    const pts: Float32Array[] = [];
    const keys = new Set<string>();
    for (const r of sub.regions) {
      area += r.measure;
      const p = polygonCentroid(r.cell);
      const e = forwardPoint(prog, slicePoint(slice, p));
      assert.equal(patternKey(prog, e.pattern), patternKey(prog, r.pattern), `${model.source}: interior pattern`);
      const mine = logitsAt(r, prog.numClasses, p);
      mine.forEach((v, c) => assert.ok(Math.abs(v - e.logits[c]!) <= 1e-9 * (1 + Math.abs(v))));
      keys.add(patternKey(prog, r.pattern));
      if (pts.length < 50) pts.push(Float32Array.from(slicePoint(slice, p)));
    }
    assert.equal(keys.size, sub.regions.length);
    assert.ok(Math.abs(area - 4) < 1e-10, `${model.source}: area ${area}`);
    const b = regionBounds(prog.layers, 2, prog.numClasses, prog.chain);
    assert.ok(BigInt(sub.regions.length) <= BigInt(b.hyperplaneProduct.exact));
    if (b.serra) assert.ok(BigInt(sub.regions.length) <= BigInt(b.serra.exact));
    await againstOrt(model, pts);
  }
});

test('a network with ops that are not piecewise linear: UNSUPPORTED_OP naming each op and node, saying what to do', () => {
  const g = new GraphBuilder('smooth');
  const x = g.input('input', ['N', 2]);
  let h = g.op('Gemm', [x, g.init('w', { data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] })]);
  h = g.op('Tanh', [h]);
  h = g.op('Gemm', [h, g.init('w2', { data: Float32Array.of(1, 2, 3, 4), shape: [2, 2] })]);
  h = g.op('Sigmoid', [h]);
  const y = g.mul(h, h);
  g.namedOutput('logits', y, ['N', 2]);
  const model = importClassifier(g.toModel(), { source: 'smooth.onnx' });
  let err: unknown;
  try {
    pwlProgram(model);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof GeolensError);
  assert.equal(err.code, 'UNSUPPORTED_OP');
  assert.match(err.message, /smooth\.onnx: exact linear regions need a piecewise-linear network/);
  assert.match(err.message, /Tanh \(node 'n_Tanh_\d+'\)/);
  assert.match(err.message, /Sigmoid \(node 'n_Sigmoid_\d+'\)/);
  assert.match(err.message, /Mul \(node 'n_Mul_\d+'\) of the data by the data/);
  assert.match(err.message, /Replace them .*Relu/);
  assert.equal((err.details as { ops: string[] }).ops.length, 3);
});
