/**
 * runRegions / runRegionsOverTraining as library calls on geolens' own MLPs: the result file round-trips through its
 * schema; areas, class areas, density parts and per-layer counts add up; the decision boundary lies where the two
 * leading logits tie; segments and manifold meshes agree with the plane/segment subdivision where they must.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { curvedManifoldMixture, manifoldSheets, twoMoons } from '../../../src/data/synthetic.js';
import { createNodeEngine } from '../../../src/engine/node.js';
import { GeolensError } from '../../../src/errors.js';
import { importDefinition } from '../../../src/measure/target.js';
import { buildModel, initWeights, type ModelConfig } from '../../../src/models/index.js';
import type { ImportedModel } from '../../../src/onnx/import.js';
import { parseResult } from '../../../src/probes/result.js';
import { REGIONS_OVER_TRAINING_RESULT, REGIONS_RESULT } from '../../../src/probes/regions/schema.js';
import { logitsAt, subdivide } from '../../../src/probes/regions/compute.js';
import { manifoldCurveCount, manifoldPatchCount } from '../../../src/probes/regions/manifold.js';
import { rectangle } from '../../../src/probes/regions/polygon.js';
import { forwardPoint, pwlProgram } from '../../../src/probes/regions/pwl.js';
import { runRegions, runRegionsOverTraining } from '../../../src/probes/regions/run.js';
import { Rng } from '../../../src/util/random.js';
import { randomMlp } from './nets.js';

const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

/** A geolens MLP with seeded weights and random biases (He init leaves biases at 0: every first-layer line through 0). */
function geolensMlp(config: ModelConfig, seed: number): ImportedModel {
  const def = buildModel(config);
  const w = initWeights(def, seed);
  const rng = new Rng(seed + 1000);
  for (const [k, t] of Object.entries(w.params)) if (k.endsWith('.bias')) t.data.forEach((_, i) => (t.data[i] = 0.5 * rng.normal()));
  return importDefinition(def, w.params, w.buffers, `mlp-${seed}`);
}

const roundTrip = <T>(v: T): unknown => JSON.parse(JSON.stringify(v));

test('runRegions on a 2-D model: the input plane, schema round trip, areas and counts add up, boundary on ties, density parts sum to the count', async () => {
  const model = geolensMlp({ kind: 'mlp', inputShape: [2], widths: [16, 16, 16], numClasses: 2 }, 4); // a seed whose boundary crosses the data's box
  const data = twoMoons({ n: 300, seed: 2 });
  const r = await runRegions(engine, model, data, { datasetSpec: 'moons#n=300' });
  const back = parseResult(REGIONS_RESULT, roundTrip(r), 'regions.json');
  assert.equal(back.count, r.count);
  assert.equal(r.slice.how, 'input-plane');
  assert.equal(r.bounds.inputDim, 2);
  // the same count as the subdivision called directly on the data's box
  const sub = subdivide(pwlProgram(model), { origin: new Float64Array(2), directions: [Float64Array.of(1, 0), Float64Array.of(0, 1)], domain: rectangle(...(r.slice.extent as [number, number, number, number])) });
  assert.equal(r.count, sub.regions.length);
  assert.deepEqual(r.perLayer.map((l) => l.regions), sub.perLayer);
  r.perLayer.forEach((l) => assert.ok(BigInt(l.regions) <= BigInt(l.bound.exact)));
  assert.equal(r.perLayer.at(-1)!.bound.exact, r.bounds.serra!.exact);
  const feats = r.regions!.features;
  assert.equal(feats.length, r.count);
  const total = feats.reduce((s, f) => s + f.properties.area, 0);
  assert.ok(Math.abs(total - r.slice.measure) < 1e-9 * r.slice.measure);
  assert.ok(Math.abs(r.classMeasures.reduce((a, b) => a + b, 0) - r.slice.measure) < 1e-9 * r.slice.measure);
  for (const f of feats) {
    const ring = f.geometry.coordinates[0]!;
    assert.deepEqual(ring[0], ring[ring.length - 1], 'closed ring');
    assert.equal(f.properties.affine.length, 2);
    if (f.properties.parts) assert.ok(f.properties.classes.length > 1 && f.properties.parts.length === f.properties.classes.length);
  }
  // the boundary: at every vertex the two logits tie (evaluated by the float64 forward pass)
  const prog = pwlProgram(model);
  assert.ok(r.boundary!.features.length >= 1);
  for (const b of r.boundary!.features) {
    for (const [s, t] of b.geometry.coordinates) {
      const e = forwardPoint(prog, [s, t]);
      assert.ok(Math.abs(e.logits[0]! - e.logits[1]!) < 1e-7 * (1 + Math.abs(e.logits[0]!)), `tie at (${s}, ${t})`);
    }
  }
  const d = r.density!;
  assert.ok(Math.abs(d.near.regions + d.far.regions - r.count) < 1e-6 * r.count);
  assert.ok(Math.abs(d.near.measure + d.far.measure - r.slice.measure) < 1e-6 * r.slice.measure);
  assert.ok(d.pointsReaching === 300 && d.near.measure > 0);
  assert.ok(r.check!.maxRelativeLogitError < 1e-5 && r.check!.argmaxAgreement === 1);
  assert.equal(r.nearbyPoints.length, 300);
});

test('a plane through three points of a 32-d dataset: anchors where they should be, predicted class at each anchor = the model\'s', async () => {
  const data = curvedManifoldMixture({ n: 200, seed: 4 });
  const model = geolensMlp({ kind: 'mlp', inputShape: [32], widths: [24, 24], numClasses: 5 }, 2);
  const r = await runRegions(engine, model, data, { radius: null });
  assert.equal(r.slice.how, 'points');
  assert.deepEqual(r.slice.anchors.map((a) => a.label), [0, 1, 2]);
  assert.equal(r.density, null);
  const prog = pwlProgram(model);
  for (const a of r.slice.anchors) {
    const e = forwardPoint(prog, data.x.data.subarray(a.index * 32, (a.index + 1) * 32));
    const want = e.logits.indexOf(Math.max(...e.logits));
    // the region holding the anchor predicts the same class there
    const [s, t] = a.coords as [number, number];
    const f = r.regions!.features.find((g) => {
      const ring = g.geometry.coordinates[0]!;
      for (let i = 0; i + 1 < ring.length; i++) {
        const [x0, y0] = ring[i]!;
        const [x1, y1] = ring[i + 1]!;
        if ((x1 - x0) * (t - y0) - (y1 - y0) * (s - x0) < -1e-9) return false;
      }
      return true;
    })!;
    const aff = f.properties.affine;
    const logits = aff.map(([b, ds, dt]) => b! + ds! * s + dt! * t);
    assert.equal(logits.indexOf(Math.max(...logits)), want);
  }
  // explicit extent and a segment between two of the points
  const seg = await runRegions(engine, model, data, { slice: { kind: 'segment', points: [r.slice.anchors[0]!.index, r.slice.anchors[1]!.index] }, radius: null });
  assert.equal(seg.slice.kind, 'segment');
  const iv = seg.intervals!;
  assert.equal(iv.length, seg.count);
  for (let i = 1; i < iv.length; i++) assert.equal(iv[i]!.t0, iv[i - 1]!.t1);
  assert.equal(iv[0]!.t0, 0);
  assert.ok(Math.abs(iv.at(-1)!.t1 - seg.slice.anchors[1]!.coords[0]!) < 1e-9);
  assert.equal(seg.bounds.inputDim, 1);
  parseResult(REGIONS_RESULT, roundTrip(seg));
  for (const b of seg.boundaryPoints!) assert.ok(b.t > iv[0]!.t0 && b.t < iv.at(-1)!.t1 && b.from !== b.to);
});

test('manifold meshes: a flat sheet gives exactly the plane\'s (and line\'s) regions after merging across the mesh; a curved sheet stays below the ambient bound', async () => {
  const prog = pwlProgram(randomMlp(5, [6, 12, 12], 3));
  const rng = new Rng(8);
  const x0 = Float64Array.from({ length: 6 }, () => rng.normal());
  const u = Float64Array.from({ length: 6 }, () => rng.normal());
  const v = Float64Array.from({ length: 6 }, () => rng.normal());
  const flat = ([a, b]: [number, number]): Float64Array => Float64Array.from(x0, (x, i) => x + a * u[i]! + b * v[i]!);
  const plane = subdivide(prog, { origin: x0, directions: [u, v], domain: rectangle(-1.5, 1.5, -1.5, 1.5) });
  for (const res of [3, 8]) {
    const m = manifoldPatchCount(prog, flat, { latentExtent: 1.5, resolution: res });
    assert.equal(m.pieces, plane.regions.length, `resolution ${res}`);
    assert.equal(m.patterns, plane.regions.length);
    assert.ok(m.cellPieces > m.pieces);
  }
  const line = subdivide(prog, { origin: x0, directions: [u], domain: Float64Array.of(-1.5, 1.5) });
  assert.equal(manifoldCurveCount(prog, flat, { latentExtent: 1.5, resolution: 17 }).pieces, line.regions.length);
  // the embedded manifold dataset's class sheet through runRegions
  const data = curvedManifoldMixture({ n: 300, seed: 1 });
  const model = geolensMlp({ kind: 'mlp', inputShape: [32], widths: [16, 16], numClasses: 5 }, 3);
  const r = await runRegions(engine, model, data, { manifold: { class: 1, resolution: 8 }, radius: null, geometry: false });
  assert.equal(r.regions, null);
  const [patch, curve] = r.manifold!;
  assert.equal(patch!.shape, 'patch');
  assert.equal(curve!.shape, 'curve');
  for (const m of [patch!, curve!]) {
    assert.ok(m.pieces >= m.patterns && m.patterns >= 1);
    assert.ok(BigInt(m.patterns) <= BigInt(m.boundsAmbient.serra!.exact));
    assert.equal(m.boundsAmbient.inputDim, 32);
  }
  assert.equal(patch!.boundsFlat.inputDim, 2);
  // the sheet map is the generator's: its mesh vertices are the noise-free samples' sheet
  const { sheets } = manifoldSheets({ seed: 1 });
  assert.equal(sheets.ambientDim, 32);
  const bad = runRegions(engine, model, twoMoons({ n: 50 }), { manifold: { class: 0 } });
  await assert.rejects(bad, (e: unknown) => e instanceof GeolensError && e.code === 'BAD_SHAPE');
});

test('over training: the same slice at every checkpoint; the last one matches runRegions; bad slices are clear errors', async () => {
  const config: ModelConfig = { kind: 'mlp', inputShape: [2], widths: [12, 12], numClasses: 2 };
  const data = twoMoons({ n: 200, seed: 5 });
  const models = new Map([0, 3, 7].map((e) => [e, geolensMlp(config, 10 + e)]));
  const ot = await runRegionsOverTraining(engine, { epochs: [0, 3, 7], modelAt: async (e) => models.get(e)! }, data, {});
  parseResult(REGIONS_OVER_TRAINING_RESULT, roundTrip(ot));
  assert.deepEqual(ot.epochs.map((e) => e.epoch), [0, 3, 7]);
  const last = await runRegions(engine, models.get(7)!, data, {});
  assert.equal(ot.epochs.at(-1)!.count, last.count);
  assert.deepEqual(ot.epochs.at(-1)!.perLayer, last.perLayer.map((l) => l.regions));
  assert.deepEqual(ot.slice.extent, last.slice.extent);
  for (const e of ot.epochs) assert.ok(e.density && Math.abs(e.density.near.regions + e.density.far.regions - e.count) < 1e-6 * e.count);
  const other = geolensMlp({ ...config, widths: [12, 8] }, 1);
  await assert.rejects(runRegionsOverTraining(engine, { epochs: [0, 1], modelAt: async (e) => (e === 0 ? models.get(0)! : other) }, data, {}), /do not share one architecture/);
  await assert.rejects(runRegionsOverTraining(engine, { epochs: [], modelAt: async () => other }, data, {}), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_FILE');
  // clear errors
  const m32 = geolensMlp({ kind: 'mlp', inputShape: [32], widths: [8], numClasses: 5 }, 1);
  const man = curvedManifoldMixture({ n: 50 });
  await assert.rejects(runRegions(engine, m32, man, { slice: { kind: 'input-plane' } }), /input plane is a slice only for models with 2-D inputs/);
  await assert.rejects(runRegions(engine, m32, man, { slice: { kind: 'points', points: [0, 1, 99] } }), /point 99 is outside 0\.\.49/);
  const dup = { ...man, x: { ...man.x, data: man.x.data.slice() } };
  dup.x.data.copyWithin(32, 0, 32);
  dup.x.data.set(dup.x.data.subarray(0, 32).map((v, i) => 2 * v - dup.x.data[64 + i]!), 64);
  await assert.rejects(runRegions(engine, m32, dup, { slice: { kind: 'points', points: [0, 1, 2] } }), /coincide|lie on one line/);
  await assert.rejects(runRegions(engine, m32, man, { extent: [1, 0, 0, 1] }), /s0 < s1/);
  await assert.rejects(runRegions(engine, models.get(0)!, data, { maxRegions: 5 }), /more than 5 linear regions after Relu/);
  // the logits check: a model whose affine maps are right agrees with onnxruntime everywhere checked
  const ok = await runRegions(engine, models.get(3)!, data, { checkPoints: 1000 });
  assert.equal(ok.check!.points, Math.min(1000, ok.count));
  const e0 = logitsAt({ logits: Float64Array.of(1, 2, 3, 4, 5, 6) }, 2, [1, 1]);
  assert.deepEqual([...e0], [1 + 3 + 5, 2 + 4 + 6]);
});
