import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../../src/data/node.js';
import { spirals } from '../../../src/data/synthetic.js';
import { createNodeEngine } from '../../../src/engine/node.js';
import { GeolensError } from '../../../src/errors.js';
import { writeResult } from '../../../src/measure/node.js';
import { readResult } from '../../../src/probes/node.js';
import { importDefinition } from '../../../src/measure/target.js';
import { buildModel, initWeights, type ModelDef, type Weights } from '../../../src/models/index.js';
import type { ImportedModel } from '../../../src/onnx/import.js';
import { predictionsFromLogits, runTopology, TOPOLOGY_RESULT, type TopologyModel } from '../../../src/probes/topology/index.js';
import { Rng } from '../../../src/util/random.js';

const engine = createNodeEngine({ threads: 1, maxSessions: 4 });
after(() => engine.dispose());
const isCode = (code: string) => (e: unknown) => e instanceof GeolensError && e.code === code;

const C = 4;
const data = spirals({ n: 800, classes: C, seed: 3 });
const def: ModelDef = buildModel({ kind: 'mlp', inputShape: [2], widths: [16, 12], numClasses: C });

/** Random weights with non-zero biases (so the hidden units differ in more than their direction). */
function weights(seed: number, d: ModelDef = def): { params: Weights; buffers: Weights } {
  const w = initWeights(d, seed);
  const rng = new Rng(seed + 100);
  for (const [name, t] of Object.entries(w.params)) if (name.endsWith('.bias')) rng.fillNormal(t.data, 0.3);
  return w;
}

const clone = (w: Weights): Weights => Object.fromEntries(Object.entries(w).map(([k, t]) => [k, { data: Float32Array.from(t.data), shape: [...t.shape] }]));
const imported = (w: { params: Weights; buffers: Weights }, name: string, d: ModelDef = def): ImportedModel => importDefinition(d, w.params, w.buffers, name);

/**
 * Permute the hidden units of layer 1: columns of fc1.weight ([in, out]), entries of fc1.bias, rows of the next
 * layer's weight (`next`: fc2.weight, or classifier.weight for one hidden layer).
 */
function permuteLayer1(w: Weights, perm: Int32Array, next = 'fc2.weight'): Weights {
  const p = clone(w);
  const [inDim, h] = w['fc1.weight']!.shape as [number, number];
  const out2 = w[next]!.shape[1]!;
  for (let k = 0; k < h; k++) {
    const src = perm[k]!;
    for (let i = 0; i < inDim; i++) p['fc1.weight']!.data[i * h + k] = w['fc1.weight']!.data[i * h + src]!;
    p['fc1.bias']!.data[k] = w['fc1.bias']!.data[src]!;
    for (let j = 0; j < out2; j++) p[next]!.data[k * out2 + j] = w[next]!.data[src * out2 + j]!;
  }
  return p;
}

/** Swap output classes a and b: columns of classifier.weight ([in, C]) and entries of classifier.bias. */
function swapClasses(w: Weights, a: number, b: number): Weights {
  const p = clone(w);
  const W = p['classifier.weight']!;
  const rows = W.shape[0]!;
  for (let i = 0; i < rows; i++) [W.data[i * C + a], W.data[i * C + b]] = [W.data[i * C + b]!, W.data[i * C + a]!];
  [p['classifier.bias']!.data[a], p['classifier.bias']!.data[b]] = [p['classifier.bias']!.data[b]!, p['classifier.bias']!.data[a]!];
  return p;
}

/** Predictions of a model on the data (one session run). */
async function predict(model: ImportedModel): Promise<Int32Array> {
  const sess = await engine.load(model.graph);
  const out = await sess.run({ input: { data: data.x.data, shape: [data.y.length, 2] } }, [model.logits]);
  return predictionsFromLogits(out[model.logits]!.data as Float32Array, data.y.length, C, data.y, 0).predicted;
}

test('networks that differ by a permutation of hidden units are at distance 0 (same exact class, same MDS point) while their parameter distance is large', async () => {
  const w = weights(1);
  const perm = new Rng(9).permutation(16);
  const wp = { params: permuteLayer1(w.params, perm), buffers: w.buffers };
  const other = weights(2);
  const models: TopologyModel[] = [
    { name: 'w', model: imported(w, 'w') },
    { name: 'π(w)', model: imported(wp, 'pi') },
    { name: 'other', model: imported(other, 'other') },
  ];
  const r = await runTopology(engine, models, data);
  assert.equal(r.m, 800);
  for (const reading of ['correctness', 'disagreement'] as const) {
    assert.equal(r[reading].distance[0]![1], 0);
    assert.ok(r[reading].distance[0]![2]! > 0.05, `${reading}: an independent network is at ${r[reading].distance[0]![2]}`);
    assert.ok(r[reading].checks.symmetry.ok && r[reading].checks.triangle.ok && r[reading].checks.accuracyBound.ok);
  }
  assert.equal(r.classes.exactClassOf[0], r.classes.exactClassOf[1]);
  assert.notEqual(r.classes.exactClassOf[0], r.classes.exactClassOf[2]);
  assert.deepEqual(r.mds.coordinates[0], r.mds.coordinates[1]);
  assert.equal(r.mds.numPoints, 2);
  // the parameter distance, recomputed here from the permuted tensors only (the other tensors are equal)
  let ss = 0;
  for (const name of ['fc1.weight', 'fc1.bias', 'fc2.weight']) {
    const a = w.params[name]!.data;
    const b = wp.params[name]!.data;
    for (let i = 0; i < a.length; i++) ss += (a[i]! - b[i]!) ** 2;
  }
  const P = r.parameterDistance.distance!;
  assert.ok(Math.abs(P[0]![1]! - Math.sqrt(ss)) < 1e-5 * Math.sqrt(ss));
  assert.ok(P[0]![1]! > 3, `parameter distance ${P[0]![1]}`);
  // larger than half the distance to an independent initialisation
  assert.ok(P[0]![1]! > 0.5 * P[0]![2]!, `${P[0]![1]} vs ${P[0]![2]}`);
  const nParams = def.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(r.parameterDistance.numParams, nParams);
  assert.deepEqual(r.models.map((m) => m.numParams), [nParams, nParams, nParams]);
});

test('a copy with two output classes swapped is at the share of points predicted as those classes (disagreement), and of those labelled so (correctness)', async () => {
  const w = weights(4);
  const original = imported(w, 'original');
  const pred = await predict(original);
  const counts = new Array<number>(C).fill(0);
  for (const p of pred) counts[p]! += 1;
  const [a, b] = counts.map((c, k) => [c, k] as const).sort((x, y) => y[0] - x[0]).map((x) => x[1]);
  const flipped = imported({ params: swapClasses(w.params, a!, b!), buffers: w.buffers }, 'flipped');
  const m = data.y.length;
  let share = 0;
  let shareLabelled = 0;
  for (let i = 0; i < m; i++) {
    if (pred[i] === a || pred[i] === b) {
      share++;
      if (data.y[i] === a || data.y[i] === b) shareLabelled++;
    }
  }
  assert.ok(share / m > 0.2, `classes ${a}, ${b} hold ${share / m} of the predictions`);
  const r = await runTopology(engine, [{ name: 'original', model: original }, { name: 'flipped', model: flipped }], data, { reading: 'disagreement' });
  assert.equal(r.disagreement.distance[0]![1], share / m);
  assert.equal(r.correctness.distance[0]![1], shareLabelled / m);
  assert.equal(r.reading, 'disagreement');
  // same parameters up to the swap: the parameter distance is that of the swapped columns alone
  let ss = 0;
  const W = w.params['classifier.weight']!;
  for (let i = 0; i < W.shape[0]!; i++) ss += 2 * (W.data[i * C + a!]! - W.data[i * C + b!]!) ** 2;
  ss += 2 * (w.params['classifier.bias']!.data[a!]! - w.params['classifier.bias']!.data[b!]!) ** 2;
  assert.ok(Math.abs(r.parameterDistance.distance![0]![1]! - Math.sqrt(ss)) < 1e-5);
});

test('a copy that never predicts one class is at that class\u2019s share in the disagreement reading', async () => {
  const w = weights(6);
  const original = imported(w, 'original');
  const pred = await predict(original);
  const c = pred[0]!;
  const share = pred.filter((p) => p === c).length / pred.length;
  const p = clone(w.params);
  p['classifier.bias']!.data[c]! -= 1e4; // class c loses every point; the others keep their argmax
  const copy = imported({ params: p, buffers: w.buffers }, 'copy');
  const r = await runTopology(engine, [{ name: 'original', model: original }, { name: `without class ${c}`, model: copy }], data, { tieEpsilon: 0 });
  assert.equal(r.disagreement.distance[0]![1], share);
  assert.ok(r.correctness.distance[0]![1]! <= share);
  assert.ok(r.correctness.checks.accuracyBound.ok);
  // the premise: the copy predicts class c nowhere and agrees with the original elsewhere
  const later = await predict(copy);
  for (let i = 0; i < pred.length; i++) assert.ok(later[i] !== c && (pred[i] === c || later[i] === pred[i]));
});

test('result fields: m, Hoeffding half-widths, intervals, classes, subset of n points, accuracies, and the JSON round trip through readResult', async () => {
  const models = [1, 2, 3].map((s) => ({ name: `net ${s}`, model: imported(weights(s), `net${s}`), epoch: s }));
  const r = await runTopology(engine, models, data, { n: 300, seed: 7, confidence: 0.9, datasetSpec: 'spirals#n=800,classes=4', split: 'test' });
  assert.equal(r.m, 300);
  assert.equal(r.dataset.size, 800);
  assert.equal(r.dataset.classCounts.reduce((s, v) => s + v, 0), 300);
  assert.equal(r.delta, 0.09999999999999998);
  assert.equal(r.halfWidth, Math.sqrt(Math.log(2 / r.delta) / 600));
  assert.equal(r.simultaneousHalfWidth, Math.sqrt(Math.log((2 * 3) / r.delta) / 600));
  assert.deepEqual(r.models.map((m) => m.epoch), [1, 2, 3]);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const d = r.correctness.distance[i]![j]!;
      assert.equal(r.correctness.lower[i]![j], i === j ? 0 : Math.max(0, d - r.halfWidth));
      assert.equal(r.correctness.upper[i]![j], i === j ? 0 : Math.min(1, d + r.halfWidth));
      // classes: single linkage on d̂ ≤ h
      if (d <= r.halfWidth) assert.equal(r.classes.classOf[i], r.classes.classOf[j]);
    }
  }
  // the same seed picks the same points: the same estimates
  const again = await runTopology(engine, models, data, { n: 300, seed: 7 });
  assert.deepEqual(again.correctness.distance, r.correctness.distance);
  assert.deepEqual(again.models.map((m) => m.accuracy), r.models.map((m) => m.accuracy));
  const dir = mkdtempSync(join(tmpdir(), 'geolens-topology-'));
  const written = await writeResult(dir, 'topology', r);
  const back = await readResult(TOPOLOGY_RESULT, written[0]!);
  assert.deepEqual(back, JSON.parse(JSON.stringify(r)));
  // hostile files
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ ...r, schemaVersion: 2 }));
  await assert.rejects(readResult(TOPOLOGY_RESULT, file), isCode('INCOMPATIBLE_RESULT'));
  const { mds: _m, ...noMds } = JSON.parse(readFileSync(written[0]!, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify(noMds));
  await assert.rejects(readResult(TOPOLOGY_RESULT, file), (e: unknown) => isCode('BAD_FILE')(e) && /mds/.test((e as Error).message));
  writeFileSync(file, JSON.stringify({ ...r, probe: 'dim' }));
  await assert.rejects(readResult(TOPOLOGY_RESULT, file), isCode('BAD_FILE'));
});

test('different architectures: distances computed, parameter distance null with the reason; hostile inputs are typed errors', async () => {
  const def2 = buildModel({ kind: 'mlp', inputShape: [2], widths: [20, 12], numClasses: C });
  const a = { name: 'a', model: imported(weights(1), 'a') };
  const b = { name: 'b', model: imported(weights(1, def2), 'b', def2) };
  const r = await runTopology(engine, [a, b], data);
  assert.equal(r.parameterDistance.distance, null);
  assert.match(r.parameterDistance.reason!, /'fc1\.bias' has shape \[20\] in 'b' but \[16\] in 'a'/);
  assert.deepEqual(r.models.map((m) => m.numParams), [null, null]);
  assert.ok(r.correctness.distance[0]![1]! >= 0);
  // explicit parameter vectors replace the initializers
  const r2 = await runTopology(engine, [{ ...a, params: new Float32Array([0, 0]) }, { ...b, params: new Float32Array([3, 4]) }], data);
  assert.equal(r2.parameterDistance.distance![0]![1], 5);
  const r3 = await runTopology(engine, [{ ...a, params: new Float32Array([0, 0]) }, b], data);
  assert.match(r3.parameterDistance.reason!, /given for 1 of 2/);

  // the same values in another input shape: measured, with a warning
  const flat = buildModel({ kind: 'mlp', inputShape: [1, 2], widths: [8], numClasses: C });
  const r4 = await runTopology(engine, [a, { name: 'image-shaped', model: imported(initWeights(flat, 1), 'flat', flat) }], data);
  assert.ok(r4.warnings.some((w) => /'image-shaped' takes inputs of shape \[1, 2\] and 'a' of shape \[2\]/.test(w)), r4.warnings.join('\n'));

  const wide = buildModel({ kind: 'mlp', inputShape: [3], widths: [8], numClasses: C });
  const c3 = { name: 'three inputs', model: imported(initWeights(wide, 1), 'c3', wide) };
  await assert.rejects(runTopology(engine, [a, c3], data), (e: unknown) => isCode('BAD_SHAPE')(e) && /'three inputs' takes inputs of shape \[3\]/.test((e as Error).message));
  const five = buildModel({ kind: 'mlp', inputShape: [2], widths: [8], numClasses: 5 });
  await assert.rejects(runTopology(engine, [a, { name: 'five', model: imported(initWeights(five, 1), 'five', five) }], data), isCode('BAD_MODEL'));
  await assert.rejects(runTopology(engine, [a], data), isCode('BAD_ARGUMENT'));
  await assert.rejects(runTopology(engine, [a, { ...b, name: 'a' }], data), (e: unknown) => isCode('BAD_ARGUMENT')(e) && /named 'a'/.test((e as Error).message));
  await assert.rejects(runTopology(engine, [a, b], data, { confidence: 1 }), isCode('BAD_ARGUMENT'));
  await assert.rejects(runTopology(engine, [a, b], data, { tieEpsilon: -1 }), isCode('BAD_ARGUMENT'));
  await assert.rejects(runTopology(engine, [a, b], data, { n: 0 }), isCode('BAD_ARGUMENT'));
});

const MNIST = '/work/shared/data/mnist';

test('on MNIST: a hidden-unit permutation of a 784-64-10 MLP is at distance 0, another initialisation is not; the tie share recomputed', { skip: existsSync(MNIST) ? false : `no MNIST at ${MNIST}` }, async () => {
  const ds = await loadDataset(`idx:${MNIST}#perClass=60`, { seed: 0 });
  assert.equal(ds.y.length, 600);
  const d784 = buildModel({ kind: 'mlp', inputShape: ds.sampleShape, widths: [64], numClasses: 10 });
  const w = weights(1, d784);
  const wp = { params: permuteLayer1(w.params, new Rng(3).permutation(64), 'classifier.weight'), buffers: w.buffers };
  const models = [
    { name: 'w', model: imported(w, 'w', d784) },
    { name: 'π(w)', model: imported(wp, 'pi', d784) },
    { name: 'w2', model: imported(weights(2, d784), 'w2', d784) },
  ];
  const eps = 0.02;
  const r = await runTopology(engine, models, ds, { tieEpsilon: eps });
  assert.equal(r.correctness.distance[0]![1], 0);
  assert.equal(r.disagreement.distance[0]![1], 0);
  assert.ok(r.disagreement.distance[0]![2]! > 0.3);
  assert.ok(r.parameterDistance.distance![0]![1]! > 0.5 * r.parameterDistance.distance![0]![2]!);
  // the tie share, recomputed here: softmax by sorting, gap of the two largest probabilities ≤ ε
  const sess = await engine.load(models[0]!.model.graph);
  const z = (await sess.run({ input: { data: ds.x.data, shape: [600, 1, 28, 28] } }, ['logits'])).logits!.data as Float32Array;
  let tied = 0;
  for (let i = 0; i < 600; i++) {
    const e = Array.from(z.subarray(i * 10, i * 10 + 10), (v) => Math.exp(v));
    const s = e.reduce((a, b) => a + b, 0);
    const p = e.map((v) => v / s).sort((a, b) => b - a);
    if (p[0]! - p[1]! <= eps) tied++;
  }
  assert.ok(tied > 10 && tied < 590, `${tied} tied points`);
  assert.equal(r.models[0]!.tieShare, tied / 600);
  assert.ok(Math.abs(r.models[0]!.tieShare - r.models[1]!.tieShare) <= 1 / 600); // the same network up to float rounding
});
