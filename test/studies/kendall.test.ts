import { test } from 'node:test';
import assert from 'node:assert/strict';
import { granulatedKendall, kendallTau } from '../../src/studies/generalisation/kendall.js';
import { Rng } from '../../src/util/random.js';

test('kendallTau: identical order is 1, reversed is −1, a constant variable is NaN', () => {
  assert.equal(kendallTau([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(kendallTau([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.ok(Number.isNaN(kendallTau([1, 2, 3], [5, 5, 5])));
});

test('kendallTau: hand-counted example with ties is τ-b', () => {
  // x = [1, 2, 2, 3], y = [1, 3, 2, 2]: pairs (i<j): (0,1) C, (0,2) C, (0,3) C, (1,2) tie x, (1,3) D, (2,3) tie y
  // P = 3, Q = 1, T_x = 1, T_y = 1 → (3 − 1)/√(5·5) = 0.4
  assert.ok(Math.abs(kendallTau([1, 2, 2, 3], [1, 3, 2, 2]) - 0.4) < 1e-15);
});

test('kendallTau agrees with the O(m²) definition through sign products on random data (no ties) and is symmetric', () => {
  const rng = new Rng(7);
  const x = Array.from({ length: 40 }, () => rng.normal());
  const y = x.map((v) => v + 0.8 * rng.normal());
  let s = 0;
  for (let i = 0; i < 40; i++) for (let j = i + 1; j < 40; j++) s += Math.sign(x[i]! - x[j]!) * Math.sign(y[i]! - y[j]!);
  const tau = s / ((40 * 39) / 2);
  assert.ok(Math.abs(kendallTau(x, y) - tau) < 1e-15);
  assert.equal(kendallTau(x, y), kendallTau(y, x));
  assert.throws(() => kendallTau([1, 2], [1]), /has 2 values but y has 1/);
  assert.throws(() => kendallTau([1, NaN], [1, 2]), /not finite/);
});

test('granulatedKendall: ψ per axis averages τ over groups that vary that axis only', () => {
  const runs = [];
  // the measure follows the gap when the learning rate varies, and opposes it when the batch size varies
  for (const lr of [0.01, 0.1, 1]) for (const batchSize of [16, 64]) for (const seed of [1, 2]) {
    runs.push({ hyperparameters: { lr, batchSize, seed }, measure: lr - batchSize / 100 + seed * 1e-3, gap: lr + batchSize / 100 });
  }
  const g = granulatedKendall(runs, ['lr', 'batchSize']);
  assert.equal(g.perAxis.lr!.psi, 1);
  assert.equal(g.perAxis.lr!.groups, 4); // (batch, seed) pairs
  assert.equal(g.perAxis.batchSize!.psi, -1);
  assert.equal(g.perAxis.batchSize!.groups, 6);
  assert.equal(g.average, 0);
  assert.ok(g.overall > 0 && g.overall < 1);
});
