import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curvedManifoldMixture, manifoldSheets, syntheticOptionsOf, twoMoons } from '../../src/data/synthetic.js';
import { normalize } from '../../src/data/transform.js';

test('manifoldSheets: with noise 0 every sample of curvedManifoldMixture is its class sheet at the latent z the generator drew', () => {
  for (const opts of [{ n: 60, seed: 3, noise: 0 }, { n: 40, seed: 1, noise: 0, classes: 3, intrinsicDim: 1, ambientDim: 7 }, { n: 30, noise: 0, subspaceDim: 2, intrinsicDim: 2, ambientDim: 5 }]) {
    const ds = curvedManifoldMixture(opts);
    const { rng, sheets, resolved } = manifoldSheets(opts);
    assert.equal(sheets.ambientDim, ds.sampleShape[0]);
    // replay the generator after the sheets: balanced labels (a permutation), then per sample k latent and d noise draws
    const perm = rng.permutation(opts.n);
    const y = Int32Array.from({ length: opts.n }, (_, i) => perm[i]! % resolved.classes);
    assert.deepEqual(y, ds.y);
    const d = sheets.ambientDim;
    for (let s = 0; s < opts.n; s++) {
      const z = Float64Array.from({ length: sheets.intrinsicDim }, () => rng.normal());
      const x = sheets.at(ds.y[s]!, z);
      for (let r = 0; r < d; r++) rng.normal();
      for (let r = 0; r < d; r++) assert.equal(ds.x.data[s * d + r], Math.fround(x[r]!), `sample ${s}, coordinate ${r}`);
    }
  }
});

test('syntheticOptionsOf reads back the generator options from a dataset source, and refuses transformed data', () => {
  const ds = curvedManifoldMixture({ n: 20, seed: 9, curvature: 1.5 });
  const o = syntheticOptionsOf(ds.source)!;
  assert.equal(o.name, 'manifold');
  assert.deepEqual(o.options, { n: 20, classes: 5, intrinsicDim: 2, ambientDim: 32, subspaceDim: 6, curvature: 1.5, frequency: 1.25, separation: 1, noise: 0.01, seed: 9 });
  assert.equal(syntheticOptionsOf(twoMoons({ n: 10 }).source)!.name, 'moons');
  assert.equal(syntheticOptionsOf(normalize(ds, 0, 2).source), null);
  assert.equal(syntheticOptionsOf('idx:/data/mnist'), null);
  assert.equal(syntheticOptionsOf(undefined), null);
});
