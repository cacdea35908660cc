/**
 * The topology distance between compared runs (compareFolders → runTopology): the data the runs share, a run and its
 * copy at distance 0 in both readings and in parameters, the same numbers as runTopology called directly, and every
 * incompatibility (other data, other input size, a folder without a model) a reason instead of a throw.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainCommand } from '../../src/cli/train.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { openTarget, probeData } from '../../src/measure/node.js';
import { runTopology } from '../../src/probes/topology/run.js';
import { compareClassifiers } from '../../src/studies/compare.js';
import { compareFolders } from '../../src/studies/compare.node.js';

const root = mkdtempSync(join(tmpdir(), 'geolens-compare-'));
const [A, B, copy, other, wide, A5] = ['a', 'b', 'a-copy', 'circles', 'wide', 'a-seed5'].map((d) => join(root, d)) as [string, string, string, string, string, string];
const engine = createNodeEngine({ threads: 1 });
const train = (out: string, dataset: string, widths: string, seed = '0'): Promise<number> =>
  trainCommand(['--dataset', dataset, '--widths', widths, '--epochs', '3', '--optimizer', 'adam', '--lr', '0.02', '--seed', seed, '--quiet', '--out', out], () => {});

before(async () => {
  assert.equal(await train(A, 'moons#n=500', '16x2'), 0);
  assert.equal(await train(B, 'moons#n=500', '8x3'), 0);
  assert.equal(await train(other, 'circles#n=300', '8'), 0);
  assert.equal(await train(wide, 'manifold#n=200', '8'), 0);
  assert.equal(await train(A5, 'moons#n=500', '16x2', '5'), 0);
  cpSync(A, copy, { recursive: true });
});

after(async () => {
  await engine.dispose();
  rmSync(root, { recursive: true, force: true });
});

test("two runs of one dataset are compared on its shared held-out part; the numbers are runTopology's", async () => {
  const c = await compareFolders(engine, [A, B], ['a', 'b']);
  assert.equal(c.status, 'ok');
  if (c.status !== 'ok') return;
  const r = c.result;
  assert.equal(r.m, 100); // 20% of 500
  assert.match(c.data, /held-out part of moons#n=500, shared by the runs \(100 labelled points\)/);
  assert.equal(c.note, null);
  assert.deepEqual(r.models.map((m) => m.name), ['a', 'b']);
  // the same library call on the same data gives the same numbers
  const ta = await openTarget(A);
  const tb = await openTarget(B);
  const direct = await runTopology(engine, [{ name: 'a', model: ta.model }, { name: 'b', model: tb.model }], await probeData(ta, { split: 'test' }));
  assert.deepEqual(r.correctness.distance, direct.correctness.distance);
  assert.deepEqual(r.disagreement.distance, direct.disagreement.distance);
  // |acc(a) − acc(b)| ≤ d (correctness), correctness ≤ disagreement; other architectures: no parameter distance
  const d = r.correctness.distance[0]![1]!;
  assert.ok(Math.abs(r.models[0]!.accuracy - r.models[1]!.accuracy) <= d + 1e-12);
  assert.ok(d <= r.disagreement.distance[0]![1]! + 1e-12);
  assert.equal(r.parameterDistance.distance, null);
  assert.match(r.parameterDistance.reason!, /architectures differ/);
});

test('a run and its copy are at distance 0 in both readings and in parameters', async () => {
  const c = await compareFolders(engine, [A, copy], ['a', 'copy'], { reading: 'disagreement' });
  assert.equal(c.status, 'ok');
  if (c.status !== 'ok') return;
  assert.equal(c.result.correctness.distance[0]![1], 0);
  assert.equal(c.result.disagreement.distance[0]![1], 0);
  assert.equal(c.result.parameterDistance.distance![0]![1], 0);
  assert.equal(c.result.classes.list.length, 1);
});

test('mixed architectures: the parameter distance of the pairs that match, none for the others', async () => {
  const c = await compareFolders(engine, [A, B, copy, A5], ['a', 'b', 'copy', 'seed 5']);
  assert.equal(c.status, 'ok');
  if (c.status !== 'ok') return;
  assert.equal(c.result.parameterDistance.distance, null);
  const P = c.parameterDistance;
  assert.deepEqual(P.map((row) => row.map((v) => (v === null ? null : v === 0 ? 0 : 'x'))), [
    [0, null, 0, 'x'],
    [null, 0, null, null],
    [0, null, 0, 'x'],
    ['x', null, 'x', 0],
  ]);
  assert.equal(c.result.correctness.distance[0]![2], 0);
  // pair by pair = the probe's own matrix when every architecture matches
  const same = await compareFolders(engine, [A, A5], ['a', 'seed 5']);
  assert.equal(same.status, 'ok');
  if (same.status !== 'ok') return;
  assert.ok(Math.abs(P[0]![3]! - same.result.parameterDistance.distance![0]![1]!) <= 1e-9 * P[0]![3]!);
  assert.deepEqual(same.parameterDistance, same.result.parameterDistance.distance);
  assert.equal(P[0]![3], P[2]![3]);
});

test('incompatible inputs are reasons: other data without --dataset, other input sizes, a folder without a model', async () => {
  const data = await compareFolders(engine, [A, other], ['a', 'circles']);
  assert.equal(data.status, 'incompatible');
  assert.match(data.status === 'incompatible' ? data.reason : '', /measured on different data \(a: moons#n=500; circles: circles#n=300\): give --dataset/);
  // with --dataset both take 2-D points: compared on it
  const given = await compareFolders(engine, [A, other], ['a', 'circles'], { dataset: 'moons#n=200' });
  assert.equal(given.status, 'ok');
  if (given.status === 'ok') assert.equal(given.result.m, 200);
  // a 32-D model cannot read 2-D moons
  const shape = await compareFolders(engine, [A, wide], ['a', 'wide'], { dataset: 'moons#n=200' });
  assert.equal(shape.status, 'incompatible');
  assert.match(shape.status === 'incompatible' ? shape.reason : '', /wide takes inputs of shape \[32\] \(32 values\) but the data have samples of shape \[2\]/);
  const none = await compareFolders(engine, [A, root], ['a', 'nothing']);
  assert.equal(none.status, 'incompatible');
  assert.match(none.status === 'incompatible' ? none.reason : '', /names no model/);
  // the library call itself: fewer than two networks is a reason, not a throw
  const ta = await openTarget(A);
  const one = await compareClassifiers(engine, [{ label: 'a', target: ta }], { data: await probeData(ta, { split: 'test' }), description: 'x', note: null, spec: null, split: null });
  assert.deepEqual(one, { status: 'incompatible', reason: 'a topology distance needs at least 2 networks (got 1).' });
});
