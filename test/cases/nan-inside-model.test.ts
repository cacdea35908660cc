/**
 * Case nan-inside-model (../shared/cases): finite data and an MLP with a Log node that gives NaN for negative inputs.
 * Reported as the model's — the node ('pre', Log), the likely cause and the samples — by every probe, never as
 * "remove NaN from your data".
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { loadDataset } from '../../src/data/node.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { openTarget } from '../../src/measure/node.js';
import { runDim } from '../../src/probes/dim/run.js';
import { runSeparation } from '../../src/probes/separation/run.js';
import { caseFiles, expectGeolensError } from './helpers.js';

const { paths: [model, x, y], skip } = caseFiles('nan-inside-model', 'mlp16_log.onnx', 'x_imb.npy', 'y_imb.npy');
const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

test('case nan-inside-model: separation and dim name the node and the samples where the model makes NaN', { skip }, async () => {
  const data = await loadDataset(`npy:${x},${y}`);
  const m = (await openTarget(model!)).model;
  // Log(x) is NaN exactly for the samples with a negative feature (−Infinity for a zero one)
  const p = 16;
  const expected: number[] = [];
  for (let i = 0; i < data.y.length; i++) if (data.x.data.subarray(i * p, (i + 1) * p).some((v) => v <= 0)) expected.push(i);
  assert.ok(expected.length > 0);
  const sep = await expectGeolensError(() => runSeparation(engine, m, data), 'BAD_MODEL', /the model produced NaN at node 'pre' \(Log\)/, /Log is NaN for negative/, new RegExp(`for ${expected.length} of ${data.y.length} samples`));
  assert.doesNotMatch(sep.message, /remove NaN/);
  assert.deepEqual(sep.details!.samples, expected);
  assert.equal(sep.details!.node, 'pre');
  // dim measures a seeded subset: the samples are named by their index in the dataset
  const dim = await expectGeolensError(() => runDim(engine, m, data, { n: 30, seed: 4 }), 'BAD_MODEL', /node 'pre' \(Log\)/);
  const named = dim.details!.samples as number[];
  assert.ok(named.length > 0 && named.every((i) => expected.includes(i)), `dim names dataset samples: ${named.join(', ')}`);
});

test('case nan-inside-model: the command line says it the same way', { skip }, async () => {
  const errs: string[] = [];
  const orig = console.error;
  console.error = (l: string) => errs.push(l);
  try {
    const code = await main(['probe', 'separation', model!, '--dataset', `npy:${x},${y}`, '--quiet', '--threads', '1']);
    assert.equal(code, 1);
  } finally {
    console.error = orig;
  }
  assert.match(errs.join('\n'), /^geolens probe separation: error \[BAD_MODEL\]: the model produced NaN at node 'pre' \(Log\)/);
});
