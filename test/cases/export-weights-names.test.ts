/**
 * Case export-weights-names (../shared/cases): a small CNN whose final Linear torch exported as MatMul with a
 * transposed initializer named onnx::MatMul_13; state_dict.npz holds the PyTorch tensors. `inspect --export-weights`
 * recovers PyTorch names and layouts from the node names where the exporter renamed or transposed a weight, and lists
 * any it could not recover.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectCommand } from '../../src/cli/inspect.js';
import { npyToFloat32, parseNpz } from '../../src/data/index.js';
import { readSafetensorsFile } from '../../src/models/node.js';
import { importModelFile } from '../../src/onnx/node.js';
import { modulePath, weightExport } from '../../src/onnx/import.js';
import { caseFiles } from './helpers.js';

const { paths: [model, stateDict], skip } = caseFiles('export-weights-names', 'small_cnn.onnx', 'state_dict.npz');

test('case export-weights-names: every state_dict tensor comes back under its PyTorch name and layout', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geolens-weights-'));
  try {
    const lines: string[] = [];
    assert.equal(await inspectCommand([model!, '--export-weights', join(dir, 'w.safetensors')], (l) => lines.push(l)), 0);
    const text = lines.join('\n');
    assert.match(text, /onnx::MatMul_13 → fc\.weight \(transposed back to PyTorch's \[out, in\]\)/);
    const st = await readSafetensorsFile(join(dir, 'w.safetensors'));
    const ref = parseNpz(new Uint8Array(readFileSync(stateDict!)));
    assert.deepEqual(Object.keys(st.tensors).sort(), Object.keys(ref).sort());
    for (const [k, a] of Object.entries(ref)) {
      assert.deepEqual(st.tensors[k]!.shape, a.shape, k);
      assert.deepEqual(Array.from(st.tensors[k]!.data as Float32Array), Array.from(npyToFloat32(a)), k);
    }
    assert.deepEqual(JSON.parse(st.metadata!['unrecovered']!), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('case export-weights-names: module paths from torch scopes; tensors without a counterpart are listed with the reason', { skip }, () => {
  assert.equal(modulePath('/fc/MatMul'), 'fc');
  assert.equal(modulePath('/layer1/layer1.0/conv1/Conv'), 'layer1.0.conv1');
  assert.equal(modulePath('/0/Gemm'), '0');
  assert.equal(modulePath('MatMul_3'), undefined);
  const m = importModelFile(model!);
  // the same file with the MatMul's scope lost: the weight stays under its file name, listed with the reason
  const mm = m.graph.nodes.find((n) => n.opType === 'MatMul')!;
  mm.name = 'MatMul_7';
  const w = weightExport(m);
  assert.ok('onnx::MatMul_13' in w.weights);
  assert.equal(w.unrecovered.length, 1);
  assert.match(w.unrecovered[0]!.reason, /no module scope/);
});
