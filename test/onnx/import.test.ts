import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { GeolensError } from '../../src/errors.js';
import { defaultEngine } from '../../src/engine/node.js';
import { RULES } from '../../src/autodiff/rules/index.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { exportWeights, importClassifier, parseLayerSpec, selectLayers, MAX_IMPORT_OPSET } from '../../src/onnx/import.js';
import { DataType, decodeModel, encodeModel, type ModelProto } from '../../src/onnx/proto.js';
import { knownOps } from '../../src/onnx/shapes.js';
import { Rng } from '../../src/util/random.js';
import { exporterMlp, randn, viewFlattenCnn } from './fixtures.js';

after(() => defaultEngine().dispose());

function expectError(f: () => unknown, code: string, ...patterns: RegExp[]): GeolensError {
  let err: unknown;
  assert.throws(f, (e: unknown) => {
    err = e;
    return true;
  });
  assert.ok(err instanceof GeolensError, `a GeolensError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  for (const p of patterns) assert.match(err.message, p);
  return err;
}

/** Run a model on x and return its first output. */
async function runModel(model: ModelProto | GraphBuilder, feeds: Record<string, { data: Float32Array; shape: number[] }>, fetch: string): Promise<Float32Array> {
  const bytes = model instanceof GraphBuilder ? model.toBytes() : encodeModel(model);
  const s = await defaultEngine().load(bytes);
  return (await s.run(feeds))[fetch]!.data as Float32Array;
}

function close(a: Float32Array, b: Float32Array, tol = 1e-6): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `[${i}] ${a[i]} vs ${b[i]}`);
}

test('an exporter-style MLP is normalised: Constant folded, Dropout and Identity removed, Gemm kept, same outputs', async () => {
  const model = exporterMlp();
  const before = encodeModel(model);
  const m = importClassifier(model, { source: 'mlp.onnx' });
  assert.deepEqual(encodeModel(model), before, 'the input model is not modified');
  assert.deepEqual(m.ops, { Gemm: 2, Relu: 1 });
  assert.equal(m.logits, 'logits');
  assert.equal(m.numClasses, 3);
  assert.deepEqual(m.input, { name: 'input', shape: ['N', 6], elemType: DataType.FLOAT });
  assert.deepEqual(m.graph.outputs.map((o) => [o.name, o.shape]), [['logits', ['N', 3]]]);
  assert.ok(m.graph.nodes.every((n) => n.opType !== 'Identity' && n.opType !== 'Dropout' && n.opType !== 'Constant'));
  const gemm = m.graph.nodes.find((n) => n.opType === 'Gemm')!;
  assert.deepEqual(gemm.attributes.find((a) => a.name === 'transB'), { name: 'transB', type: 'int', value: 1 });
  assert.deepEqual(m.unsupported, []);
  assert.deepEqual(m.params, ['fc1.weight', 'fc1.bias', 'fc2.weight']);
  assert.ok(m.changes.some((c) => /Constant/.test(c)));
  assert.ok(m.changes.some((c) => /Identity/.test(c)));
  assert.ok(m.changes.some((c) => /Dropout/.test(c)));
  const x = { data: randn(new Rng(3), 5 * 6), shape: [5, 6] };
  close(await runModel(m.graph, { input: x }, 'logits'), await runModel(model, { input: x }, 'logits'));
});

test('layers: every activation with its shape; auto picks the nonlinearities and the logits', () => {
  const m = importClassifier(exporterMlp());
  assert.deepEqual(
    m.layers.map((l) => [l.name, l.op, l.tensor, l.shape]),
    [
      ['/fc1/Gemm', 'Gemm', '/fc1/Gemm_output_0', ['N', 8]],
      ['/act/Relu', 'Relu', '/act/Relu_output_0', ['N', 8]],
      ['/fc2/Gemm', 'Gemm', 'logits', ['N', 3]],
    ],
  );
  assert.deepEqual(selectLayers(m, 'auto').map((l) => l.tensor), ['/act/Relu_output_0', 'logits']);
  assert.deepEqual(selectLayers(m, { op: 'relu' }).map((l) => l.tensor), ['/act/Relu_output_0']);
  assert.deepEqual(selectLayers(m, { op: 'GEMM' }).length, 2);
  assert.deepEqual(selectLayers(m, ['logits', '/fc1/Gemm']).map((l) => l.tensor), ['logits', '/fc1/Gemm_output_0']);
  expectError(() => selectLayers(m, ['nope']), 'BAD_ARGUMENT', /no probe-able layer 'nope'/, /\/act\/Relu_output_0/);
  expectError(() => selectLayers(m, { op: 'Tanh' }), 'BAD_ARGUMENT', /no layer with op 'Tanh'/, /Gemm, Relu/);
  assert.deepEqual(parseLayerSpec('auto', m), 'auto');
  assert.deepEqual(parseLayerSpec('relu', m), { op: 'relu' });
  assert.deepEqual(parseLayerSpec('logits,/act/Relu_output_0', m), ['logits', '/act/Relu_output_0']);
});

test('exportWeights: the float initializers by their file (PyTorch) names', () => {
  const model = exporterMlp();
  const m = importClassifier(model);
  const w = exportWeights(m);
  assert.deepEqual(Object.keys(w), ['fc1.weight', 'fc1.bias', 'fc2.weight']);
  assert.deepEqual(w['fc1.weight']!.shape, [8, 6]);
  const raw = model.graph.initializers.find((t) => t.name === 'fc2.weight')!.raw!;
  assert.deepEqual(Array.from(w['fc2.weight']!.data), Array.from(new Float32Array(raw.slice().buffer)));
});

test('importing is deterministic (byte-identical graphs)', () => {
  const a = importClassifier(exporterMlp()).graph.toBytes();
  const b = importClassifier(exporterMlp()).graph.toBytes();
  assert.deepEqual(a, b);
  const round = importClassifier(decodeModel(encodeModel(exporterMlp())));
  assert.deepEqual(round.graph.toBytes(), a);
});

test('a fixed batch dimension becomes symbolic N, and a constant Reshape to [B, -1] becomes a Flatten', async () => {
  const model = viewFlattenCnn({ batch: 2 });
  // what torch writes for a fixed batch: the Shape chain constant-folded into [2, -1]
  const reshape = model.graph.nodes.find((n) => n.opType === 'Reshape')!;
  model.graph.initializers.push({ name: 'fixed_shape', dataType: DataType.INT64, dims: [2], int64Data: [2, -1] });
  reshape.inputs[1] = 'fixed_shape';
  const m = importClassifier(model);
  assert.deepEqual(m.input.shape, ['N', 2, 5, 5]);
  assert.ok(m.changes.some((c) => /fixed at 2/.test(c)));
  assert.deepEqual(m.ops, { Conv: 1, Flatten: 1, Gemm: 1, Relu: 1 });
  const x = { data: randn(new Rng(8), 7 * 50), shape: [7, 2, 5, 5] };
  const y = await runModel(m.graph, { input: x }, 'logits');
  assert.equal(y.length, 7 * 3);
});

test('Shape → Gather → Unsqueeze → Concat → Reshape chains are folded (Flatten, or a constant Reshape)', async () => {
  for (const target of ['flatten', 'channels'] as const) {
    const model = viewFlattenCnn({ target });
    const m = importClassifier(model);
    for (const op of ['Shape', 'Gather', 'Unsqueeze', 'Concat']) assert.ok(!(op in m.ops), `${target}: ${op} removed (${JSON.stringify(m.ops)})`);
    if (target === 'flatten') assert.deepEqual(m.ops, { Conv: 1, Flatten: 1, Gemm: 1, Relu: 1 });
    else {
      const r = m.graph.nodes.find((n) => n.opType === 'Reshape')!;
      assert.deepEqual(Array.from(m.graph.initializers.get(r.inputs[1]!)!.data as BigInt64Array, Number), [-1, 4, 25]);
    }
    assert.deepEqual(m.layers.at(-1)!.shape, ['N', 3]);
    assert.ok(m.layers.every((l) => l.shape.length > 0 && l.shape.every((d) => d !== null)), JSON.stringify(m.layers));
    const x = { data: randn(new Rng(9), 3 * 50), shape: [3, 2, 5, 5] };
    close(await runModel(m.graph, { input: x }, 'logits'), await runModel(model, { input: x }, 'logits'), 1e-5);
  }
});

test('nodes out of order are sorted; a cycle is rejected naming a node on it', () => {
  const model = exporterMlp();
  model.graph.nodes.reverse();
  const m = importClassifier(model);
  assert.ok(m.changes.includes('sorted the nodes topologically'));
  assert.deepEqual(m.ops, { Gemm: 2, Relu: 1 });

  const cyc = exporterMlp();
  // /act/Relu now reads the output of /fc2/Gemm, which (through Dropout) reads /act/Relu
  cyc.graph.nodes.find((n) => n.name === '/act/Relu')!.inputs[0] = '/fc2/Gemm_output_0';
  const e = expectError(() => importClassifier(cyc, { source: 'cyclic.onnx' }), 'BAD_MODEL', /cyclic\.onnx/, /cycle/, /\/act\/Relu|\/drop\/Dropout|\/fc2\/Gemm/);
  assert.ok(Array.isArray(e.details?.cycle) && (e.details.cycle as string[]).length === 3, JSON.stringify(e.details));
});

test('a node reading a tensor nothing produces is rejected', () => {
  const model = exporterMlp();
  model.graph.nodes[1]!.inputs[0] = 'ghost';
  expectError(() => importClassifier(model), 'BAD_MODEL', /'ghost'/, /no node, input or initializer/);
  const dup = exporterMlp();
  dup.graph.nodes[1]!.outputs[0] = '/fc1/Gemm_output_0';
  expectError(() => importClassifier(dup), 'BAD_MODEL', /produced by node/);
});

test('opsets outside 9…MAX are rejected naming the opset and the re-export call; 9–12 are upgraded to 13', () => {
  for (const v of [7, 8, MAX_IMPORT_OPSET + 1]) {
    const model = exporterMlp({ opset: v });
    expectError(() => importClassifier(model), 'BAD_MODEL', new RegExp(`opset ${v} is not supported`), /opset_version=17/);
  }
  for (const v of [9, 12, 13, 17, MAX_IMPORT_OPSET]) {
    const m = importClassifier(exporterMlp({ opset: v }));
    assert.equal(m.opset, v);
    assert.equal(m.graph.opset, Math.max(v, 13));
  }
  const none = exporterMlp();
  none.opsetImports = [{ domain: 'ai.onnx.ml', version: 3 }];
  expectError(() => importClassifier(none), 'BAD_MODEL', /no ai\.onnx opset/);
});

test('float32 only: double weights, half inputs are rejected with what to do', () => {
  const model = exporterMlp();
  const w = model.graph.initializers[0]!;
  w.dataType = DataType.DOUBLE;
  w.raw = new Uint8Array(8 * 48);
  expectError(() => importClassifier(model), 'UNSUPPORTED_DTYPE', /DOUBLE/, /float32/, /model\.float\(\)/);
  const half = exporterMlp();
  half.graph.inputs[0]!.elemType = DataType.FLOAT16;
  expectError(() => importClassifier(half), 'UNSUPPORTED_DTYPE', /FLOAT16/, /float32/);
});

test('input checks: several inputs need a choice; non-batch dims must be static', () => {
  const two = exporterMlp();
  two.graph.inputs.push({ name: 'extra', elemType: DataType.FLOAT, shape: ['N', 2] });
  expectError(() => importClassifier(two), 'BAD_MODEL', /2 inputs/, /input/);
  assert.equal(importClassifier(two, { input: 'input' }).input.name, 'input');
  const sym = exporterMlp();
  sym.graph.inputs[0]!.shape = ['batch', 'features'];
  expectError(() => importClassifier(sym), 'BAD_SHAPE', /dimension 1/, /dynamic_axes/);
});

test('a final Softmax is stripped so the output is the logits', () => {
  const model = exporterMlp();
  const id = model.graph.nodes.find((n) => n.opType === 'Identity')!;
  id.opType = 'Softmax';
  id.attributes = [{ name: 'axis', type: 'int', value: 1 }];
  const m = importClassifier(model);
  assert.equal(m.logits, 'logits');
  assert.ok(!('Softmax' in m.ops));
  assert.ok(m.changes.some((c) => /ends in Softmax/.test(c)));
});

test('zero Pad is removed; a Pad before AveragePool is merged into its pads (count_include_pad)', async () => {
  const rng = new Rng(4);
  const b = new GraphBuilder('pads');
  const x = b.input('input', ['N', 2, 6, 6]);
  const p0 = b.op('Pad', [x, b.constInt64([0, 0, 0, 0, 0, 0, 0, 0])], { mode: 'constant' });
  const p1 = b.op('Pad', [p0, b.constInt64([0, 0, 1, 1, 0, 0, 1, 1]), b.constFloat(0)], { mode: 'constant' });
  const ap = b.op('AveragePool', [p1], { kernel_shape: [2, 2], strides: [2, 2] });
  b.init('fc.weight', { data: randn(rng, 4 * 32), shape: [4, 32] });
  b.node('Gemm', [b.op('Flatten', [ap], { axis: 1 }), 'fc.weight'], { transB: 1 }, ['logits']);
  b.output('logits', ['N', 4]);
  const model = b.toModel();
  const m = importClassifier(model);
  assert.deepEqual(m.ops, { AveragePool: 1, Flatten: 1, Gemm: 1 });
  const pool = m.graph.nodes.find((n) => n.opType === 'AveragePool')!;
  assert.deepEqual(pool.attributes.find((a) => a.name === 'pads')?.value, [1, 1, 1, 1]);
  assert.equal(pool.attributes.find((a) => a.name === 'count_include_pad')?.value, 1);
  const xs = { data: randn(rng, 2 * 72), shape: [2, 2, 6, 6] };
  close(await runModel(m.graph, { input: xs }, 'logits'), await runModel(model, { input: xs }, 'logits'), 1e-5);
});

test('unsupported ops are listed with op, node and hint; import still succeeds', () => {
  const noRule = ['Erf', 'Elu', 'Selu', 'Softplus', 'HardSigmoid', 'Reciprocal'].find((op) => knownOps().includes(op) && !RULES.has(op));
  const model = exporterMlp();
  const relu = model.graph.nodes.find((n) => n.opType === 'Relu')!;
  if (noRule) relu.opType = noRule;
  // a custom-domain op and an op geolens does not know, inserted before the last Gemm
  const drop = model.graph.nodes.find((n) => n.opType === 'Dropout')!;
  drop.opType = 'FancyNorm';
  drop.domain = 'com.example';
  const gemm2 = model.graph.nodes.find((n) => n.name === '/fc2/Gemm')!;
  model.graph.nodes.splice(model.graph.nodes.indexOf(gemm2), 0, { name: '/rnn/LSTM', opType: 'LSTM', domain: '', inputs: ['/drop/Dropout_output_0'], outputs: ['/rnn/LSTM_output_0'], attributes: [] });
  gemm2.inputs[0] = '/rnn/LSTM_output_0';
  const m = importClassifier(model, { gradientOps: RULES });
  const by = Object.fromEntries(m.unsupported.map((u) => [u.node, u]));
  assert.equal(by['/drop/Dropout']?.op, 'com.example.FancyNorm');
  assert.match(by['/drop/Dropout']!.hint, /custom op/);
  assert.equal(by['/rnn/LSTM']?.op, 'LSTM');
  assert.match(by['/rnn/LSTM']!.hint, /recurrent/);
  if (noRule) {
    assert.equal(by['/act/Relu']?.op, noRule);
    assert.match(by['/act/Relu']!.hint, /gradient rule/);
  }
  assert.equal(m.unsupported.length, noRule ? 3 : 2);
  // the class count comes from the declared output shape when inference is blocked
  assert.equal(m.numClasses, 3);
});

test('BatchNormalization in training mode runs in inference mode with its running statistics, with a warning', () => {
  const rng = new Rng(2);
  const mk = (training: boolean): ModelProto => {
    const b = new GraphBuilder('bn');
    const x = b.input('input', ['N', 3, 4, 4]);
    for (const k of ['scale', 'bias', 'mean', 'var']) b.init(`bn.${k}`, { data: k === 'var' ? Float32Array.of(1, 2, 3) : randn(rng, 3), shape: [3] });
    const y = b.node('BatchNormalization', [x, 'bn.scale', 'bn.bias', 'bn.mean', 'bn.var'], { epsilon: 1e-5, training_mode: training ? 1 : 0 }, training ? 3 : 1)[0]!;
    b.init('fc.weight', { data: randn(rng, 2 * 48), shape: [2, 48] });
    b.node('Gemm', [b.op('Flatten', [y], { axis: 1 }), 'fc.weight'], { transB: 1 }, ['logits']);
    b.output('logits', ['N', 2]);
    return b.toModel();
  };
  const inf = importClassifier(mk(false));
  assert.equal(inf.ops.BatchNormalization, 1);
  assert.ok(inf.unsupported.every((u) => u.op !== 'BatchNormalization'));
  assert.deepEqual(inf.warnings, []);
  const tr = importClassifier(mk(true));
  assert.deepEqual(tr.unsupported, []);
  assert.equal(tr.warnings.length, 1);
  assert.match(tr.warnings[0]!, /exported in training mode.*running statistics.*model\.eval\(\)/);
  const bn = tr.graph.nodes.find((n) => n.opType === 'BatchNormalization')!;
  assert.deepEqual(bn.outputs.length, 1);
  assert.ok(!bn.attributes.some((a) => a.name === 'training_mode'));
});

test('dead branches and extra outputs are dropped; logits must be [batch, classes]', () => {
  const model = exporterMlp();
  model.graph.outputs.push({ name: '/act/Relu_output_0', elemType: DataType.FLOAT, shape: ['batch_size', 8] });
  model.graph.nodes.push({ name: 'unused', opType: 'Relu', domain: '', inputs: ['input'], outputs: ['unused_out'], attributes: [] });
  const m = importClassifier(model);
  assert.deepEqual(m.graph.outputs.map((o) => o.name), ['logits']);
  assert.ok(m.graph.nodes.every((n) => n.name !== 'unused'));
  assert.ok(m.changes.some((c) => /2 outputs/.test(c)));
  const m2 = importClassifier(model, { logits: '/act/Relu_output_0' });
  assert.equal(m2.numClasses, 8);
  expectError(() => importClassifier(model, { logits: 'nope' }), 'BAD_MODEL', /no output 'nope'/);

  const rank3 = viewFlattenCnn({ target: 'channels' });
  const flat = rank3.graph.nodes.find((n) => n.opType === 'Flatten')!;
  const gemm = rank3.graph.nodes.find((n) => n.opType === 'Gemm')!;
  gemm.inputs[0] = flat.inputs[0]!; // MatMul output [N, 4, 2] straight into the logits
  gemm.opType = 'Relu';
  gemm.inputs = [gemm.inputs[0]!];
  gemm.attributes = [];
  expectError(() => importClassifier(rank3), 'BAD_MODEL', /\[batch, classes\]/);
});

test('initializers listed as graph inputs (keep_initializers_as_inputs=True) are not taken for the data input', () => {
  const model = exporterMlp();
  for (const t of model.graph.initializers) model.graph.inputs.push({ name: t.name, elemType: t.dataType, shape: t.dims });
  const m = importClassifier(model);
  assert.equal(m.input.name, 'input');
  assert.deepEqual(m.graph.inputs.map((v) => v.name), ['input']);
});

test('hostile: randomly mutated files never crash — import succeeds or throws a GeolensError', () => {
  const rng = new Rng(1);
  for (const base of [encodeModel(exporterMlp()), encodeModel(viewFlattenCnn())]) {
    for (let k = 0; k < 300; k++) {
      const b = base.slice();
      const flips = 1 + (rng.nextU32() % 4);
      for (let f = 0; f < flips; f++) b[rng.nextU32() % b.length] = rng.nextU32() & 0xff;
      try {
        importClassifier(decodeModel(b, 'mutated.onnx'));
      } catch (e) {
        assert.ok(e instanceof GeolensError, `mutation #${k}: ${e instanceof Error ? e.stack : String(e)}`);
      }
    }
  }
});

test('fixed-batch exports: a batch-sized Where condition and an Expand to the batch are folded; the model runs at any batch', async () => {
  const rng = new Rng(9);
  const b = new GraphBuilder('fixed');
  const x = b.input('input', [4, 6]);
  b.init('w', { data: randn(rng, 48), shape: [6, 8] });
  b.init('cond', { dataType: DataType.BOOL, dims: [4, 8], data: new Uint8Array(32).fill(1) });
  b.init('fc.weight', { data: randn(rng, 24), shape: [3, 8] });
  const h = b.matmul(x, 'w');
  const gated = b.op('Where', ['cond', h, b.constFloat(0)]);
  const bias = b.op('Expand', [b.constFloat([0.5], [1, 1]), b.constInt64([4, 8])]);
  b.node('Gemm', [b.add(gated, bias), 'fc.weight'], { transB: 1 }, ['logits']);
  b.output('logits', [4, 3]);
  const m = importClassifier(b.toModel(), { source: 'fixed.onnx', gradientOps: RULES });
  assert.deepEqual(m.unsupported, []);
  assert.ok(m.changes.some((c) => /the constant 'cond' \[4, 8\] of Where .* folded to \[1, 8\]/.test(c)), m.changes.join(' | '));
  assert.ok(m.layers.every((l) => l.shape[0] === 'N'));
  const data = Float32Array.from(randn(rng, 7 * 6));
  const out = (await (await defaultEngine().load(m.graph)).run({ input: { data, shape: [7, 6] } }))['logits']!;
  assert.deepEqual(out.shape, [7, 3]);
  const ref = (await (await defaultEngine().load(b)).run({ input: { data: data.slice(0, 24), shape: [4, 6] } }))['logits']!;
  close((out.data as Float32Array).slice(0, 12), ref.data as Float32Array, 1e-5);
});
