import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topologyCommand } from '../../../src/cli/probe-topology.js';
import { trainCommand } from '../../../src/cli/train.js';
import { GeolensError } from '../../../src/errors.js';
import { readResult } from '../../../src/probes/node.js';
import { TOPOLOGY_RESULT, type TopologyResult } from '../../../src/probes/topology/index.js';
import { cli } from '../../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'geolens-probe-topology-'));
const runA = join(root, 'moons-a');
const runB = join(root, 'moons-b');
const runM = join(root, 'manifold');
const collect = (): { lines: string[]; out: (l: string) => void } => {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l) };
};
const isCode = (code: string) => (e: unknown) => e instanceof GeolensError && e.code === code;


before(async () => {
  const common = ['--dataset', 'moons', '--widths', '16x2', '--epochs', '3', '--checkpoint-every', '1', '--batch-size', '64', '--quiet'];
  assert.equal(await trainCommand([...common, '--seed', '1', '--out', runA], collect().out), 0);
  assert.equal(await trainCommand([...common, '--seed', '2', '--out', runB], collect().out), 0);
  assert.equal(await trainCommand(['--dataset', 'manifold#n=300', '--widths', '8', '--epochs', '1', '--quiet', '--out', runM], collect().out), 0);
});

test('probe topology on one run compares its checkpoints: topology.json (schema, checks), the plots, the printed matrix, classes and checks', async () => {
  const { lines, out } = collect();
  assert.equal(await topologyCommand([runA, '--threads', '1'], out), 0);
  const text = lines.join('\n');
  assert.match(text, /metric topology of classifiers: .*moons-a: 4 checkpoints \(epochs 0, 1, 2, 3\)/);
  assert.match(text, /m = 200 points, 2 classes/); // the held-out 20% of moons' 1000 samples
  assert.match(text, /Hoeffding at 95%: \|d̂ − d\| ≤ h = 0\.0960 for each pair \(0\.1171 for all 6 pairs at once\)/);
  assert.match(text, /d̂ \(correctness reading\):\n {10}0 +1 +2 +3\n  0 +· /);
  assert.match(text, /d̂ \(disagreement reading, for comparison\):/);
  assert.match(text, /parameter distance ‖w − w′‖₂ \(354 parameters\):/); // 2·16+16 + 16·16+16 + 16·2+2
  assert.match(text, /equivalence classes \(single linkage on d̂ ≤ h = 0\.0960\): \d of 4 networks; exact classes \(d̂ = 0\): \d/);
  assert.match(text, /triangle inequality d̂_ik ≤ d̂_ij \+ d̂_jk: 0 violations in 24 triples: ok/);
  assert.match(text, /\|acc\(w\) − acc\(w′\)\| ≤ d̂\(w, w′\): 0 violations in 6 pairs: ok/);
  assert.match(text, /correctness d̂ ≤ disagreement d̂ for every pair: ok/);
  const file = join(runA, 'results', 'topology.json');
  for (const f of ['topology.json', 'topology-distances.svg', 'topology-mds.svg', 'topology-parameters.svg']) assert.ok(existsSync(join(runA, 'results', f)), f);
  const r = await readResult(TOPOLOGY_RESULT, file);
  assert.equal(r.probe, 'topology');
  assert.equal(r.reading, 'correctness');
  assert.deepEqual(r.models.map((m) => m.name), ['epoch 0', 'epoch 1', 'epoch 2', 'epoch 3']);
  assert.deepEqual(r.models.map((m) => m.epoch), [0, 1, 2, 3]);
  assert.equal(r.dataset.spec, 'moons');
  assert.equal(r.dataset.split, 'test');
  assert.equal(r.m, 200);
  // two classes: a different prediction means exactly one of the two is right, so the readings coincide
  assert.deepEqual(r.correctness.distance, r.disagreement.distance);
  // the accuracy of the last checkpoint is the held-out accuracy the training log wrote for epoch 3
  const metrics = readFileSync(join(runA, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const last = metrics.find((m) => m.epoch === 3)!;
  assert.ok(Math.abs(r.models[3]!.accuracy - last.testAccuracy!) < 1e-12, `${r.models[3]!.accuracy} vs ${last.testAccuracy}`);
  // the plots: labels, a colour bar label and axis labels
  const heat = readFileSync(join(runA, 'results', 'topology-distances.svg'), 'utf8');
  assert.match(heat, /^<svg /);
  assert.equal((heat.match(/>epoch 2</g) ?? []).length, 2); // row and column label
  assert.match(heat, /d̂ \(correctness\)/);
  const mds = readFileSync(join(runA, 'results', 'topology-mds.svg'), 'utf8');
  assert.match(mds, /MDS axis 1/);
  assert.match(mds, /MDS axis 2/);
  assert.ok((mds.match(/<circle /g) ?? []).length >= r.mds.numPoints);
});

test('--checkpoints, --reading, --confidence, --n, --tie-epsilon, --json and the probe registry', async () => {
  const { lines, out } = collect();
  const dir = join(root, 'out-json');
  assert.equal(await topologyCommand([runA, '--checkpoints', '3,0', '--reading', 'disagreement', '--confidence', '0.99', '--n', '50', '--tie-epsilon', '0.5', '--json', '--out', dir], out), 0);
  const r = JSON.parse(lines.join('\n')) as TopologyResult;
  assert.deepEqual(r.models.map((m) => m.name), ['epoch 0', 'epoch 3']);
  assert.equal(r.reading, 'disagreement');
  assert.equal(r.confidence, 0.99);
  assert.equal(r.m, 50);
  assert.equal(r.tieEpsilon, 0.5);
  assert.equal(r.halfWidth, Math.sqrt(Math.log(2 / (1 - 0.99)) / 100));
  assert.ok(existsSync(join(dir, 'topology.json')));
  // registered under geolens probe
  const res = await cli(['probe', 'topology', runA, '--checkpoints', '1,2', '--quiet', '--out', join(root, 'out-main')]);
  assert.equal(res.code, 0, res.err);
  assert.match(res.out, /2 checkpoints \(epochs 1, 2\)/);
  const help = await cli(['probe', '--help']);
  assert.match(help.out, /topology +metric topology of classifiers/);
});

test('several runs: their final models, named by folder; .onnx files as they are with --dataset', async () => {
  const { lines, out } = collect();
  assert.equal(await topologyCommand([runA, runB, '--out', join(root, 'out-runs'), '--quiet'], out), 0);
  const r = await readResult(TOPOLOGY_RESULT, join(root, 'out-runs', 'topology.json'));
  assert.deepEqual(r.models.map((m) => m.name), ['moons-a', 'moons-b']);
  assert.deepEqual(r.models.map((m) => m.epoch), [null, null]);
  assert.ok(r.parameterDistance.distance !== null);
  assert.match(lines.join('\n'), /2 networks \(final model of the run\)/);
  // .onnx files need --dataset
  const a = join(root, 'a.onnx');
  const b = join(root, 'b.onnx');
  copyFileSync(join(runA, 'model.onnx'), a);
  copyFileSync(join(runB, 'model.onnx'), b);
  await assert.rejects(topologyCommand([a, b], collect().out), (e: unknown) => isCode('BAD_ARGUMENT')(e) && /pass --dataset/.test((e as Error).message));
  const c2 = collect();
  assert.equal(await topologyCommand([a, b, runA, '--dataset', 'moons#n=300', '--quiet'], c2.out), 0);
  const r2 = await readResult(TOPOLOGY_RESULT, join(runA, 'results', 'topology.json'));
  assert.deepEqual(r2.models.map((m) => m.name), ['a', 'b', 'moons-a']);
  assert.equal(r2.m, 300);
  assert.equal(r2.dataset.spec, 'moons#n=300');
  // the run's final model.onnx and the copy are one network
  assert.equal(r2.correctness.distance[0]![2], 0);
  assert.equal(r2.parameterDistance.distance![0]![2], 0);
});

test('clear errors: one .onnx file, a single checkpoint, unknown epochs, networks with different inputs', async () => {
  const a = join(root, 'a.onnx');
  if (!existsSync(a)) copyFileSync(join(runA, 'model.onnx'), a);
  const one = await cli(['probe', 'topology', a, '--dataset', 'moons']);
  assert.equal(one.code, 2);
  assert.match(one.err, /is one network; give two or more/);
  const none = await cli(['probe', 'topology']);
  assert.equal(none.code, 2);
  assert.match(none.err, /give one run directory/);
  const single = await cli(['probe', 'topology', runA, '--checkpoints', '2']);
  assert.equal(single.code, 2);
  assert.match(single.err, /compare at least 2/);
  const missing = await cli(['probe', 'topology', runA, '--checkpoints', '0,7']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no checkpoint for epoch 7; it has checkpoints at epochs 0, 1, 2, 3/);
  const several = await cli(['probe', 'topology', runA, runB, '--checkpoints', '0,1']);
  assert.equal(several.code, 2);
  assert.match(several.err, /--checkpoints picks the checkpoints of one run/);
  // a 32-dimensional manifold model next to 2-dimensional moons models
  const mixed = await cli(['probe', 'topology', runA, runM]);
  assert.equal(mixed.code, 1);
  assert.match(mixed.err, /error \[BAD_SHAPE\]: topology: 'manifold' takes inputs of shape \[32\] but moons-test has samples of shape \[2\]/);
  const conf = await cli(['probe', 'topology', runA, '--confidence', '1']);
  assert.equal(conf.code, 2);
  assert.match(conf.err, /--confidence '1' must be between 0 and 1 \(exclusive\), e\.g\. 0\.95/);
});
