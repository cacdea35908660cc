/**
 * Case training-mode-export (../shared/cases): the same weights exported in training mode (BatchNormalization with
 * training_mode=1 and its running statistics, Dropout active), in eval mode, and a BatchNorm without running
 * statistics. One answer everywhere: the training-mode export is converted explicitly to its inference form (what
 * model.eval() runs) with a warning that inspect prints and every probe records in its result — D of the ReLU layer
 * is the eval-mode value 867.30, not the batch-statistics 261 — and the model without running statistics is refused
 * by inspect and every probe alike, with the right hint (not "export with eval()", which it already was).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspectCommand, type InspectReport } from '../../src/cli/inspect.js';
import { loadDataset } from '../../src/data/node.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { openTarget } from '../../src/measure/node.js';
import { runDim } from '../../src/probes/dim/run.js';
import { runSeparation } from '../../src/probes/separation/run.js';
import { caseFiles, expectGeolensError } from './helpers.js';

const { paths: [training, evalMode, noStats], skip } = caseFiles('training-mode-export', 'exported_in_training_mode.onnx', 'same_weights_eval_mode.onnx', 'bn_without_running_stats.onnx');
const { paths: [digits], skip: skipData } = caseFiles('opset14-maxpool', 'data.npz');
const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

async function inspect(file: string): Promise<InspectReport> {
  const lines: string[] = [];
  assert.equal(await inspectCommand([file, '--json'], (l) => lines.push(l)), 0);
  return JSON.parse(lines.join('\n')) as InspectReport;
}

test('case training-mode-export: a training-mode export runs in inference mode, with the warning in inspect and in every result', { skip: skip || skipData }, async () => {
  const r = await inspect(training!);
  assert.deepEqual(r.unsupported, []);
  assert.ok(r.probes.every((p) => p.ok));
  assert.equal(r.warnings.length, 2);
  assert.ok(r.warnings.some((w) => /BatchNormalization '\/2\/BatchNormalization' was exported in training mode/.test(w)));
  assert.ok(r.warnings.some((w) => /Dropout '\/4\/Dropout' was exported in training mode.*ratio 0\.2/.test(w)));
  const data = await loadDataset(`npz:${digits}`);
  const tr = (await openTarget(training!)).model;
  const ev = (await openTarget(evalMode!)).model;
  const sTr = await runSeparation(engine, tr, data, { layers: 'relu' });
  const sEv = await runSeparation(engine, ev, data, { layers: 'relu' });
  assert.equal(sTr.layers[1]!.D.toFixed(2), '867.30', 'the eval-mode D that PyTorch gives');
  assert.ok(Math.abs(sTr.layers[1]!.D / sEv.layers[1]!.D - 1) < 1e-5);
  assert.ok(sTr.warnings.some((w) => /^model: BatchNormalization .* training mode/.test(w)));
  assert.ok(!sEv.warnings.some((w) => /^model:/.test(w)));
  const dTr = await runDim(engine, tr, data, { n: 16 });
  const dEv = await runDim(engine, ev, data, { n: 16 });
  assert.ok(dTr.spectrum.warnings.some((w) => /^model: Dropout .* training mode/.test(w)));
  dTr.spectrum.points.forEach((p, i) => assert.ok(Math.abs(p.trace / dEv.spectrum.points[i]!.trace - 1) < 1e-4));
});

test('case training-mode-export: BatchNorm without running statistics is refused by inspect and by every probe, with the same blockers and the right hint', { skip: skip || skipData }, async () => {
  const r = await inspect(noStats!);
  const bn = r.unsupported.find((u) => u.op === 'BatchNormalization')!;
  assert.equal(bn.kind, 'batch');
  assert.match(bn.hint, /no running statistics \(nn\.BatchNorm\*\(track_running_stats=False\)\)/);
  assert.match(bn.hint, /track_running_stats=True/);
  assert.ok(r.probes.every((p) => !p.ok));
  const data = await loadDataset(`npz:${digits}`);
  const m = (await openTarget(noStats!)).model;
  for (const [probe, run] of [
    ['separation', () => runSeparation(engine, m, data)],
    ['dim', () => runDim(engine, m, data, { n: 8 })],
  ] as const) {
    const e = await expectGeolensError(run, 'UNSUPPORTED_OP', new RegExp(`the ${probe} probe`), /BatchNormalization \(node '\/2\/BatchNormalization'\)/, /track_running_stats/);
    const blockers = (e.details!.ops as { node: string }[]).map((o) => o.node).sort();
    assert.deepEqual(blockers, r.probes.find((p) => p.probe === probe)!.blockers.map((b) => b.node).sort(), `${probe}: the probe and inspect name the same nodes`);
  }
});
