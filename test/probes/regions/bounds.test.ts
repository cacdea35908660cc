import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrangementRegions, bigIntJson, binomial, checkAgainstBounds, hyperplaneProduct, leiBound, regionBounds, serraBound, tightestBound } from '../../../src/probes/regions/bounds.js';
import { Rng } from '../../../src/util/random.js';

/** Serra et al. Theorem 7 by its definition: every (j_1…j_L) in J enumerated. */
function serraBrute(n0: number, widths: number[]): bigint {
  let total = 0n;
  const rec = (l: number, dims: number[], prod: bigint): void => {
    if (l === widths.length) {
      total += prod;
      return;
    }
    const n = widths[l]!;
    const cap = Math.min(n0, ...dims, n);
    for (let j = 0; j <= cap; j++) rec(l + 1, [...dims, n - j], prod * binomial(n, j));
  };
  rec(0, [], 1n);
  return total;
}

test('binomials and C(d, n): Pascal, symmetry, 2^n for d ≥ n, 1 + n + C(n, 2) lines in the plane', () => {
  for (let n = 0; n <= 30; n++) {
    let row = 0n;
    for (let k = 0; k <= n; k++) {
      assert.equal(binomial(n, k), binomial(n, n - k));
      if (n > 0 && k > 0 && k < n) assert.equal(binomial(n, k), binomial(n - 1, k - 1) + binomial(n - 1, k));
      row += binomial(n, k);
    }
    assert.equal(row, 1n << BigInt(n));
    assert.equal(arrangementRegions(n + 3, n), 1n << BigInt(n));
    assert.equal(arrangementRegions(2, n), BigInt(1 + n + (n * (n - 1)) / 2));
    assert.equal(arrangementRegions(1, n), BigInt(n + 1));
  }
  assert.equal(binomial(5, -1), 0n);
  assert.equal(binomial(5, 6), 0n);
  assert.equal(binomial(100, 50), 100891344545564193334812497256n);
});

test('Serra et al. Theorem 7: the dynamic programme equals the sum over J by definition; tight for one layer; at most Lei et al.', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 60; trial++) {
    const L = 1 + rng.int(4);
    const n0 = 1 + rng.int(5);
    const widths = Array.from({ length: L }, () => 1 + rng.int(7));
    const dp = serraBound(n0, widths);
    assert.equal(dp, serraBrute(n0, widths), `n0 ${n0} widths ${widths}`);
    assert.ok(dp <= leiBound(n0, widths), `Serra ≤ Lei for n0 ${n0}, widths ${widths}`);
    assert.ok(dp <= hyperplaneProduct(n0, widths.map((w) => ({ width: w, hyperplanes: w }))));
  }
  for (const [n0, n1] of [[2, 64], [1, 10], [3, 2], [784, 64]] as const) assert.equal(serraBound(n0, [n1]), arrangementRegions(n0, n1));
  // a plane slice of a 4×64 MLP: every layer can at most multiply by C(2, 64) = 2081
  assert.equal(serraBound(2, [64, 64, 64, 64]), 2081n ** 4n);
  // the bottleneck: a width-1 layer caps everything after it at dimension 1
  assert.equal(serraBound(2, [1, 10]), 1n * 1n + 1n * 11n);
  assert.equal(leiBound(2, [64, 64]), 2081n * (1n << 64n));
});

test('regionBounds: Lei/Serra for rectifier chains, only the hyperplane product with MaxPool or skip connections; checkAgainstBounds fails loudly', () => {
  const relu = (w: number) => ({ op: 'Relu', width: w, hyperplanes: w });
  const b = regionBounds([relu(8), relu(8)], 2, 3, true);
  assert.equal(b.serra!.exact, serraBound(2, [8, 8]).toString());
  assert.equal(b.lei!.exact, leiBound(2, [8, 8]).toString());
  assert.equal(b.leiWithOutput!.exact, leiBound(2, [8, 8, 3]).toString());
  assert.equal(tightestBound(b).name, 'serra');
  const pool = regionBounds([relu(16), { op: 'MaxPool', width: 4, hyperplanes: 4 * 6 }], 2, 3, true);
  assert.equal(pool.serra, null);
  assert.equal(pool.lei, null);
  assert.equal(pool.hyperplaneProduct.exact, (arrangementRegions(2, 16) * arrangementRegions(2, 24)).toString());
  const skip = regionBounds([relu(8), relu(8)], 2, 3, false);
  assert.equal(skip.serra, null);
  assert.match(skip.notes.join(' '), /skip connections/);
  checkAgainstBounds(Number(serraBound(2, [8, 8])), b, 'x');
  assert.throws(() => checkAgainstBounds(Number(serraBound(2, [8, 8])) + 1, b, 'the slice'), /geolens bug: the slice counted \d+ linear regions, above the Serra et al\. \(Theorem 7\) bound/);
  const big = bigIntJson(1n << 200n);
  assert.equal(big.value, null);
  assert.ok(Math.abs(big.log10 - 200 * Math.log10(2)) < 1e-9);
  assert.deepEqual(bigIntJson(2081n), { exact: '2081', value: 2081, log10: Math.log10(2081) });
});
