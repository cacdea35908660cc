/**
 * The graphs geolens writes are valid ONNX for the reference tooling (the `onnx` Python package's full checker and
 * shape inference — what Netron-compatible tools rely on). Skipped with a printed reason without python3-onnx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, exportModel, initWeights } from '../../src/models/index.js';
import { buildEvalGraph, buildTrainStep } from '../../src/train/trainer.js';
import { buildInputJacobian } from '../../src/autodiff/jacobian.js';

const PY = process.env.GEOLENS_PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(PY, ['-c', 'import onnx; print(onnx.__version__)'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `no python3 with the onnx package at ${PY} (apt-get install python3-onnx)`;
if (skip) console.log(`# skipped: ${skip}`);

const CHECK = `
import sys, onnx
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    print("ok", path, "opset", m.opset_import[0].version, "nodes", len(m.graph.node))
`;

test('models, training steps and Jacobian graphs pass onnx.checker (full_check) and strict shape inference', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'geolens-onnx-'));
  const mlp = buildModel({ kind: 'mlp', inputShape: [1, 6, 6], widths: [12, 8], numClasses: 3, batchNorm: true });
  const cnn = buildModel({ kind: 'cnn', inputShape: [1, 8, 8], channels: [4, 6], hidden: 10, numClasses: 3 });
  const graphs: Record<string, Uint8Array> = {};
  for (const [name, def] of Object.entries({ mlp, cnn })) {
    const w = initWeights(def, 1);
    const eval_ = exportModel(def, w.params, w.buffers);
    graphs[`${name}-model`] = eval_.toBytes();
    graphs[`${name}-train-adam`] = buildTrainStep(def, { optimizer: 'adam', weightDecay: 1e-4 }).toBytes();
    graphs[`${name}-eval`] = buildEvalGraph(def, true).toBytes();
    graphs[`${name}-jacobian`] = buildInputJacobian(eval_, { input: 'input', logits: 'logits', numClasses: 3 }).toBytes();
  }
  const paths = Object.entries(graphs).map(([name, bytes]) => {
    const p = join(dir, `${name}.onnx`);
    writeFileSync(p, bytes);
    return p;
  });
  const r = spawnSync(PY, ['-c', CHECK, ...paths], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.stdout.trim().split('\n').filter((l) => l.startsWith('ok ')).length, paths.length, r.stdout);
});
