/**
 * Case channels-last (../shared/cases): a channels-last (N, H, W, C) CNN as converted from Keras, and CIFAR-format
 * (channels-first) data. Shapes are compared, not just element counts: the data are refused with the fix
 * (#layout=nhwc), and with #layout=nhwc they are transposed and the result says so. D of the ReLU layer is then the
 * value of the real images (0.02838), not of scrambled ones (0.01684).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../../src/data/node.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { fitDataToModel } from '../../src/measure/data-fit.js';
import { openTarget, probeData } from '../../src/measure/node.js';
import { runDim } from '../../src/probes/dim/run.js';
import { runSeparation } from '../../src/probes/separation/run.js';
import { caseFiles, expectGeolensError } from './helpers.js';

const { paths: [model, cifar], skip } = caseFiles('channels-last', 'nhwc_cnn.onnx', 'cifar/data_batch_1.bin');
const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

test('case channels-last: channels-first data for a channels-last model are refused with the fix, by probeData and by the library calls', { skip }, async () => {
  const target = await openTarget(model!);
  const spec = `cifar:${cifar}`;
  await expectGeolensError(() => probeData(target, { dataset: spec }), 'BAD_SHAPE', /channels-first samples \[3, 32, 32\]/, /channels-last input \[32, 32, 3\]/, /#layout=nhwc/);
  const raw = await loadDataset(spec);
  await expectGeolensError(() => runSeparation(engine, target.model, raw), 'BAD_SHAPE', /#layout=nhwc/);
  await expectGeolensError(() => runDim(engine, target.model, raw, { n: 4 }), 'BAD_SHAPE', /#layout=nhwc/);
});

test('case channels-last: with #layout=nhwc the samples are transposed, the result says so, and D is that of the real images', { skip }, async () => {
  const target = await openTarget(model!);
  const ds = await probeData(target, { dataset: `cifar:${cifar}#layout=nhwc` });
  assert.deepEqual(ds.sampleShape, [32, 32, 3]);
  const raw = await loadDataset(`cifar:${cifar}`);
  // pixel (y, x) channel c moved from c·1024 + 32y + x to (32y + x)·3 + c
  assert.equal(ds.x.data[(32 * 5 + 7) * 3 + 2], raw.x.data[2 * 1024 + 32 * 5 + 7]);
  const r = await runSeparation(engine, target.model, ds, { layers: 'relu' });
  assert.equal(r.layers[1]!.D.toPrecision(4), '0.02838');
  assert.ok(r.warnings.some((w) => /^data: layout=nhwc: samples transposed from \[3, 32, 32\] \(channels first\) to \[32, 32, 3\] \(channels last\)/.test(w)));
});

test('case channels-last: other shape mismatches with equal counts — harmless reshapes are said, ambiguous ones refused', { skip }, () => {
  const mk = (sampleShape: number[]): Parameters<typeof fitDataToModel>[0] => ({ name: 'd', x: { data: new Float32Array(2 * sampleShape.reduce((a, b) => a * b, 1)), shape: [2, ...sampleShape] }, y: Int32Array.of(0, 1), numClasses: 2, sampleShape });
  const flat = fitDataToModel(mk([784]), [1, 28, 28]);
  assert.deepEqual(flat.sampleShape, [1, 28, 28]);
  assert.match(flat.notes![0]!, /flattened one-channel images/);
  assert.deepEqual(fitDataToModel(mk([1, 28, 28]), [784]).sampleShape, [784]);
  assert.deepEqual(fitDataToModel(mk([28, 28, 1]), [1, 28, 28]).sampleShape, [1, 28, 28]);
  assert.throws(() => fitDataToModel(mk([3072]), [3, 32, 32]), /channel planes, or pixel by pixel/);
  assert.throws(() => fitDataToModel(mk([32, 32, 3]), [3, 32, 32]), /#layout=nchw/);
  assert.throws(() => fitDataToModel(mk([6, 4]), [4, 6]), /order of the values would be a guess/);
  assert.throws(() => fitDataToModel(mk([10]), [12]), /\(10 values\) but the model takes \[12\]/);
});
