/**
 * Case batch-sized-constant (../shared/cases): fixed-batch exports where a constant carries the export batch size 4
 * (a zero bias [4, 8] added to the activations; a Gemm C of [4, 8]). Detected at import: a constant that is the same
 * for every sample is folded to one row (it broadcasts over any batch) and the change is named; one that differs
 * between samples is refused naming the constant and what to do. After the fold the model runs at any batch size
 * and gives the file's outputs; separation and dim run.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../../src/data/node.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { importClassifier } from '../../src/onnx/import.js';
import { loadModelFile } from '../../src/onnx/node.js';
import { runDim } from '../../src/probes/dim/run.js';
import { runSeparation } from '../../src/probes/separation/run.js';
import { RULES } from '../../src/autodiff/rules/index.js';
import { caseFiles, expectGeolensError } from './helpers.js';

const { paths, skip } = caseFiles('batch-sized-constant', 'constant_with_export_batch.onnx', 'gemm_zero_bias_batch4.onnx');
const { paths: [digits], skip: skipData } = caseFiles('opset14-maxpool', 'data.npz');
const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

test('case batch-sized-constant: batch-sized zero constants are folded and named; the model runs at every batch size with the file\'s outputs', { skip: skip || skipData }, async () => {
  const data = await loadDataset(`npz:${digits}`);
  for (const file of paths) {
    const raw = loadModelFile(file);
    const m = importClassifier(loadModelFile(file), { source: file, gradientOps: RULES });
    assert.deepEqual(m.unsupported, [], file);
    const folded = m.changes.filter((c) => /carried the export batch size 4 and is the same for every sample \(all zero\); folded to \[1, /.test(c));
    assert.ok(folded.length >= 1, `${file}: ${m.changes.join(' | ')}`);
    assert.ok(m.layers.every((l) => l.shape[0] === 'N'), 'every layer keeps the symbolic batch');
    // the file itself, at its batch size 4
    const ref = await (await engine.load(GraphBuilder.fromModel(raw))).run({ input: { data: data.x.data.slice(0, 4 * 784), shape: [4, 1, 28, 28] } });
    const want = ref['logits']!.data as Float32Array;
    const sess = await engine.load(m.graph);
    for (const n of [1, 4, 7]) {
      const out = (await sess.run({ input: { data: data.x.data.slice(0, n * 784), shape: [n, 1, 28, 28] } }))[m.logits]!.data as Float32Array;
      for (let i = 0; i < Math.min(n, 4) * 10; i++) assert.ok(Math.abs(out[i]! - want[i]!) <= 1e-5 * Math.max(1, Math.abs(want[i]!)), `${file}, batch ${n}: logit ${i}`);
    }
    const sep = await runSeparation(engine, m, data);
    assert.ok(sep.layers.every((l) => Number.isFinite(l.D)));
    const dim = await runDim(engine, m, data, { n: 12 });
    assert.equal(dim.spectrum.n, 12);
  }
});

test('case batch-sized-constant: a batch-sized constant that differs between samples is refused at import, naming it and the fix', { skip }, async () => {
  const model = loadModelFile(paths[1]!);
  const c1 = model.graph.initializers.find((t) => t.name === 'c1')!;
  const v = new Float32Array(32);
  v[9] = 0.5; // row 1 differs from row 0
  c1.raw = new Uint8Array(v.buffer);
  delete c1.floatData;
  await expectGeolensError(() => importClassifier(model, { source: 'gemm.onnx' }), 'BAD_MODEL', /the constant 'c1' \[4, 8\] of Gemm 'z1' has the export batch size 4/, /differs between samples/, /dynamic_axes/);
});
