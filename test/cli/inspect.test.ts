import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectCommand, type InspectReport } from '../../src/cli/inspect.js';
import { GeolensError } from '../../src/errors.js';
import { buildModel, exportModel, initWeights } from '../../src/models/index.js';
import { readSafetensorsFile } from '../../src/models/node.js';
import { encodeModel } from '../../src/onnx/proto.js';
import { exporterMlp, viewFlattenCnn } from '../onnx/fixtures.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'geolens-inspect-'));
  writeFileSync(join(dir, 'mlp.onnx'), encodeModel(exporterMlp()));
  writeFileSync(join(dir, 'cnn.onnx'), encodeModel(viewFlattenCnn()));
  const odd = exporterMlp();
  const gemm = odd.graph.nodes.find((n) => n.name === '/fc2/Gemm')!;
  odd.graph.nodes.splice(odd.graph.nodes.indexOf(gemm), 0, { name: '/rnn/LSTM', opType: 'LSTM', domain: '', inputs: ['/drop/Dropout_output_0'], outputs: ['/rnn/LSTM_output_0'], attributes: [] });
  gemm.inputs[0] = '/rnn/LSTM_output_0';
  writeFileSync(join(dir, 'lstm.onnx'), encodeModel(odd));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await inspectCommand(argv, (l) => lines.push(l));
  return { code, lines };
}

test('text output: input, logits, ops, layers with shapes, unsupported ops', async () => {
  const { code, lines } = await run(join(dir, 'mlp.onnx'));
  assert.equal(code, 0);
  const text = lines.join('\n');
  assert.match(text, /mlp\.onnx \(pytorch 1\.13\.0, opset 17\)/);
  assert.match(text, /input {3}input {2}\[N, 6\] {2}float32/);
  assert.match(text, /logits {2}logits {2}\[N, 3\] {2}float32 {2}\(3 classes\)/);
  assert.match(text, /Gemm {2}2/);
  assert.match(text, / \* \/act\/Relu +Relu +\[N, 8\] +\/act\/Relu_output_0/);
  assert.match(text, /^ {3}\/fc1\/Gemm +Gemm +\[N, 8\]/m);
  assert.match(text, /unsupported ops: none/);
  assert.match(text, /removed 1 Identity node/);
});

test('--json prints the same report as JSON; --layers selects by op or by name', async () => {
  const { lines } = await run(join(dir, 'cnn.onnx'), '--json', '--layers', 'conv');
  const r = JSON.parse(lines.join('\n')) as InspectReport;
  assert.equal(r.schemaVersion, 1);
  assert.deepEqual(r.input, { name: 'input', shape: ['N', 2, 5, 5], type: 'float32' });
  assert.deepEqual(r.output, { name: 'logits', shape: ['N', 3], type: 'float32' });
  assert.deepEqual(r.ops, { Conv: 1, Flatten: 1, Gemm: 1, Relu: 1 });
  assert.deepEqual(
    r.layers.map((l) => [l.op, l.shape, l.selected]),
    [
      ['Conv', ['N', 4, 5, 5], true],
      ['Relu', ['N', 4, 5, 5], false],
      ['Flatten', ['N', 100], false],
      ['Gemm', ['N', 3], false],
    ],
  );
  assert.equal(r.params.count, 4 * 2 * 9 + 4 + 300);
  const byName = JSON.parse((await run(join(dir, 'cnn.onnx'), '--json', '--layers', 'logits')).lines.join('\n')) as InspectReport;
  assert.deepEqual(byName.layers.filter((l) => l.selected).map((l) => l.tensor), ['logits']);
});

test('unsupported ops are printed with their hints', async () => {
  const { code, lines } = await run(join(dir, 'lstm.onnx'));
  assert.equal(code, 0);
  assert.ok(lines.some((l) => /unsupported ops \(1\)/.test(l)));
  assert.ok(lines.some((l) => /LSTM \(node '\/rnn\/LSTM'\): replace the recurrent layer/.test(l)));
  const { lines: json } = await run(join(dir, 'lstm.onnx'), '--json');
  assert.equal((JSON.parse(json.join('\n')) as InspectReport).unsupported[0]!.op, 'LSTM');
});

test('usage errors and import errors', async () => {
  const help = await run('--help');
  assert.equal(help.code, 0);
  assert.match(help.lines.join('\n'), /geolens inspect <model\.onnx>/);
  await assert.rejects(run(), (e: unknown) => e instanceof GeolensError && /give one model file/.test(e.message));
  await assert.rejects(run(join(dir, 'mlp.onnx'), '--bogus'), (e: unknown) => e instanceof GeolensError && /--bogus|bogus/.test(e.message));
  await assert.rejects(run(join(dir, 'mlp.onnx'), '--layers', 'nope'), (e: unknown) => e instanceof GeolensError && /no probe-able layer 'nope'/.test(e.message));
  await assert.rejects(run(join(dir, 'missing.onnx')), (e: unknown) => e instanceof GeolensError && e.code === 'FILE_NOT_FOUND');
});

test('inspect --export-weights writes the weights as safetensors under the model\'s names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geolens-exportw-'));
  const def = buildModel({ kind: 'mlp', inputShape: [4], widths: [5], numClasses: 3 });
  const w = initWeights(def, 2);
  writeFileSync(join(dir, 'm.onnx'), exportModel(def, w.params, w.buffers).toBytes());
  const lines: string[] = [];
  assert.equal(await inspectCommand([join(dir, 'm.onnx'), '--export-weights', join(dir, 'w.safetensors')], (l) => lines.push(l)), 0);
  const st = await readSafetensorsFile(join(dir, 'w.safetensors'));
  assert.deepEqual(Object.keys(st.tensors).sort(), ['classifier.bias', 'classifier.weight', 'fc1.bias', 'fc1.weight']);
  assert.deepEqual(st.tensors['fc1.weight']!.data, w.params['fc1.weight']!.data);
  assert.match(lines.join('\n'), /4 tensors written/);
});

test('inspect takes a run directory, and reports per probe what it can do and the import warnings', async () => {
  const { trainCommand } = await import('../../src/cli/train.js');
  const run = join(mkdtempSync(join(tmpdir(), 'geolens-inspect-run-')), 'run');
  assert.equal(await trainCommand(['--dataset', 'moons', '--widths', '8', '--epochs', '1', '--quiet', '--threads', '1', '--out', run], () => {}), 0);
  const { code, lines } = await run_(run);
  assert.equal(code, 0);
  const text = lines.join('\n');
  assert.match(text, /run \(geolens [^,]+, opset 17\)/);
  assert.match(text, /^ {2}separation +yes/m);
  assert.match(text, /^ {2}dim +yes/m);
  const lstm = JSON.parse((await run_(join(dir, 'lstm.onnx'), '--json')).lines.join('\n')) as InspectReport;
  assert.deepEqual(lstm.probes.map((p) => [p.probe, p.ok]), [['separation', true], ['dim', false]]);
  assert.deepEqual(lstm.probes[1]!.blockers, [{ op: 'LSTM', node: '/rnn/LSTM' }]);
  assert.deepEqual(lstm.warnings, []);
  rmSync(run, { recursive: true, force: true });
});

async function run_(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  return run(...argv);
}
