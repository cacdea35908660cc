/**
 * The exact subdivision against closed forms and second algorithms: n lines in general position, a hand-built
 * two-layer network, the sawtooth on a segment (Montúfar et al.), areas that tile the slice, interior samples that
 * have their region's pattern, and dense grids of activation patterns computed by an independent float64 forward pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrangementRegions, regionBounds, serraBound } from '../../../src/probes/regions/bounds.js';
import { logitsAt, patternKey, subdivide, type SliceGeometry } from '../../../src/probes/regions/compute.js';
import { inradius, pointInPolygon, polygonCentroid, rectangle } from '../../../src/probes/regions/polygon.js';
import { forwardPoint, pwlProgram } from '../../../src/probes/regions/pwl.js';
import { Rng } from '../../../src/util/random.js';
import { mlp, randomLayer, randomMlp, type Layer } from './nets.js';

/** The extent of the pairwise crossings of a layer's lines. */
function spread(l: Layer): number {
  let [lo, hi] = [Infinity, -Infinity];
  const n = l.b.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const [a, b, c, d, e, f] = [l.W[0]![i]!, l.W[1]![i]!, l.b[i]!, l.W[0]![j]!, l.W[1]![j]!, l.b[j]!];
      const det = a * e - b * d;
      const x = (b * f - c * e) / det;
      const y = (c * d - a * f) / det;
      [lo, hi] = [Math.min(lo, x, y), Math.max(hi, x, y)];
    }
  }
  return n < 2 ? 0 : hi - lo;
}

const plane = (s0: number, s1: number, t0: number, t1: number): SliceGeometry => ({ origin: new Float64Array(2), directions: [Float64Array.of(1, 0), Float64Array.of(0, 1)], domain: rectangle(s0, s1, t0, t1) });

test('one layer of n lines in general position cuts a plane into exactly 1 + n + C(n, 2) regions (= Serra et al., tight for L = 1)', () => {
  const rng = new Rng(21);
  for (let n = 1; n <= 14; n++) {
    for (let trial = 0; trial < 3; trial++) {
      // general position with every crossing within a few units (far crossings of nearly parallel lines would make the
      // box so large that the smallest cells fall below the sliver threshold, 1e-12 of the box)
      let hidden = randomLayer(rng, 2, n, 1);
      while (spread(hidden) > 30) hidden = randomLayer(rng, 2, n, 1);
      // a box holding every pairwise intersection (and, for n = 1, a point of the line)
      let [lo, hi] = [Infinity, -Infinity];
      const w = (i: number): [number, number, number] => [hidden.W[0]![i]!, hidden.W[1]![i]!, hidden.b[i]!];
      for (let i = 0; i < n; i++) {
        const [a, b, c] = w(i);
        const foot = [(-c * a) / (a * a + b * b), (-c * b) / (a * a + b * b)];
        for (const v of foot) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
        for (let j = i + 1; j < n; j++) {
          const [d, e, f] = w(j);
          const det = a * e - b * d;
          const x = (b * f - c * e) / det;
          const y = (c * d - a * f) / det;
          [lo, hi] = [Math.min(lo, x, y), Math.max(hi, x, y)];
        }
      }
      const m = 1 + 0.5 * (hi - lo);
      const model = mlp(2, [hidden], randomLayer(rng, n, 2));
      const prog = pwlProgram(model);
      const sub = subdivide(prog, plane(lo - m, hi + m, lo - m, hi + m));
      const want = 1 + n + (n * (n - 1)) / 2;
      assert.equal(sub.regions.length, want, `n = ${n}`);
      assert.equal(BigInt(want), arrangementRegions(2, n));
      assert.equal(BigInt(want), serraBound(2, [n]));
      assert.equal(sub.suppressedSplits, 0);
    }
  }
});

test('a hand-built two-layer network: relu(x), relu(y), then relu(h1 + h2 − 1) on [−2, 2]² has 7 regions with known patterns and areas', () => {
  const model = mlp(2, [{ W: [[1, 0], [0, 1]], b: [0, 0] }, { W: [[1], [1]], b: [-1] }], { W: [[0.5, 0]], b: [-0.2, 0] });
  const prog = pwlProgram(model);
  const sub = subdivide(prog, plane(-2, 2, -2, 2));
  const got = sub.regions.map((r) => `${patternKey(prog, r.pattern)}:${r.measure.toFixed(12)}`).sort();
  // patterns as hex: layer 1 bits (h1 h2) in the high bits of one digit, layer 2 one bit
  const want = [
    ['c.8', 3.5], // x > 0, y > 0, x + y > 1
    ['c.0', 0.5], // x > 0, y > 0, x + y < 1
    ['8.8', 2], // x > 1, y < 0
    ['8.0', 2], // 0 < x < 1, y < 0
    ['4.8', 2], // y > 1, x < 0
    ['4.0', 2],
    ['0.0', 4], // x < 0, y < 0
  ].map(([k, a]) => `${k}:${(a as number).toFixed(12)}`).sort();
  assert.deepEqual(got, want);
  // this network attains Serra et al.'s bound for widths [2, 1] on a plane
  assert.equal(serraBound(2, [2, 1]), 7n);
  assert.deepEqual(sub.perLayer, [4, 7]);
});

test('the sawtooth (L tent maps, Montúfar et al. 2014) has exactly 2^L regions on [0, 1], breaking at k/2^L', () => {
  // layer: u1 = relu(2y), u2 = relu(4y − 2), then y' = u1 − u2 (folded into the next layer's weights)
  for (let L = 1; L <= 7; L++) {
    const hidden: Layer[] = [{ W: [[2, 4]], b: [0, -2] }];
    for (let l = 1; l < L; l++) hidden.push({ W: [[2, 4], [-2, -4]], b: [0, -2] });
    const model = mlp(1, hidden, { W: [[1, 0], [-1, 0]], b: [0, 0.5] });
    const prog = pwlProgram(model);
    const sub = subdivide(prog, { origin: Float64Array.of(0), directions: [Float64Array.of(1)], domain: Float64Array.of(0, 1) });
    assert.equal(sub.regions.length, 2 ** L, `L = ${L}`);
    const breaks = sub.regions.map((r) => r.cell[0]!).sort((a, b) => a - b);
    breaks.forEach((t, k) => assert.ok(Math.abs(t - k / 2 ** L) < 1e-12, `L = ${L}: break ${k} at ${t}`));
    // the logit difference is the sawtooth: 0 at the even breaks, 1 at the odd ones
    for (const r of sub.regions) {
      const mid = (r.cell[0]! + r.cell[1]!) / 2;
      const v = logitsAt(r, 2, [mid]);
      const k = Math.floor(mid * 2 ** L);
      const frac = mid * 2 ** L - k;
      const saw = k % 2 === 0 ? frac : 1 - frac;
      assert.ok(Math.abs(v[0]! - saw) < 1e-9, `sawtooth at ${mid}: ${v[0]} vs ${saw}`);
    }
  }
});

/** Every region: areas tile the domain, the centroid's float64 forward pass has the region's pattern and logits, patterns unique. */
function checkTiling(model: ReturnType<typeof randomMlp>, slice: SliceGeometry): number {
  const prog = pwlProgram(model);
  const sub = subdivide(prog, slice);
  const C = prog.numClasses;
  let area = 0;
  const keys = new Set<string>();
  for (const r of sub.regions) {
    area += r.measure;
    const p = polygonCentroid(r.cell);
    assert.ok(pointInPolygon(r.cell, p[0], p[1]));
    const x = Float64Array.from(slice.origin, (v, i) => v + p[0] * slice.directions[0]![i]! + p[1] * slice.directions[1]![i]!);
    const e = forwardPoint(prog, x);
    const k = patternKey(prog, r.pattern);
    assert.equal(patternKey(prog, e.pattern), k, 'the interior sample has the region pattern');
    const mine = logitsAt(r, C, p);
    for (let c = 0; c < C; c++) assert.ok(Math.abs(mine[c]! - e.logits[c]!) <= 1e-9 * (1 + Math.abs(e.logits[c]!)), 'affine map = forward pass');
    assert.ok(!keys.has(k), 'each pattern is one convex region');
    keys.add(k);
  }
  const total = (slice.domain[4]! - slice.domain[0]!) * (slice.domain[5]! - slice.domain[1]!);
  assert.ok(Math.abs(area - total) <= 1e-10 * total, `areas sum ${area} vs ${total}`);
  const b = regionBounds(prog.layers, 2, C, prog.chain);
  assert.ok(BigInt(sub.regions.length) <= BigInt(b.serra?.exact ?? b.hyperplaneProduct.exact));
  return sub.regions.length;
}

test('random networks: areas sum to the slice, every interior sample has its region\'s pattern and affine logits (2-D inputs and planes in 10-D)', () => {
  for (let seed = 0; seed < 6; seed++) {
    const n2 = checkTiling(randomMlp(seed, [2, 16, 16, 8], 3), plane(-3, 3, -2, 2.5));
    assert.ok(n2 > 20);
    checkTiling(randomMlp(seed, [2, 12, 12], 4, 'LeakyRelu'), plane(-2, 2, -2, 2));
    const rng = new Rng(100 + seed);
    const u = Float64Array.from({ length: 10 }, () => rng.normal());
    const v = Float64Array.from({ length: 10 }, () => rng.normal());
    const origin = Float64Array.from({ length: 10 }, () => rng.normal());
    checkTiling(randomMlp(seed, [10, 20, 20], 3), { origin, directions: [u, v], domain: rectangle(-1, 1, -1.5, 0.5) });
  }
});

/**
 * Activation patterns of an MLP at (s, t) as integers (the bits in order), by plain float64 loops over its layers,
 * independent of the program.
 */
function gridPatterns(hidden: Layer[]): (s: number, t: number) => number {
  const Ws = hidden.map((l) => Float64Array.from(l.W.flat()));
  const bs = hidden.map((l) => Float64Array.from(l.b));
  const width = Math.max(...hidden.map((l) => l.b.length));
  const h = new Float64Array(width);
  const z = new Float64Array(width);
  return (s, t) => {
    h[0] = s;
    h[1] = t;
    let nin = 2;
    let key = 0;
    hidden.forEach((l, k) => {
      const nout = l.b.length;
      const W = Ws[k]!;
      for (let j = 0; j < nout; j++) {
        let acc = bs[k]![j]!;
        for (let i = 0; i < nin; i++) acc += h[i]! * W[i * nout + j]!;
        z[j] = acc;
      }
      for (let j = 0; j < nout; j++) {
        key = 2 * key + (z[j]! > 0 ? 1 : 0);
        h[j] = Math.max(0, z[j]!);
      }
      nin = nout;
    });
    return key;
  };
}

test('dense grids of activation patterns: every grid pattern is an exact region; the grid finds every region whose inscribed disk exceeds half its diagonal, and all of them once that holds for the smallest', () => {
  const rng = new Rng(3);
  const hidden = [randomLayer(rng, 2, 8), randomLayer(rng, 8, 8)];
  const model = mlp(2, hidden, randomLayer(rng, 8, 3));
  const prog = pwlProgram(model);
  const sub = subdivide(prog, plane(-2, 2, -2, 2));
  const gridPattern = gridPatterns(hidden);
  const bitKey = (pattern: Uint8Array[]): number => pattern.reduce((k, a) => a.reduce((q, b) => 2 * q + b, k), 0);
  const exact = new Map(sub.regions.map((r) => [bitKey(r.pattern), r]));
  const radii = sub.regions.map((r) => inradius(r.cell));
  const minR = Math.min(...radii);
  const needed = Math.ceil(4 / (minR * Math.SQRT2));
  assert.ok(needed < 2500, `the test network's smallest region needs G = ${needed}`);
  for (const G of [16, 64, 256, needed]) {
    const h = 4 / G;
    const found = new Set<number>();
    for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) found.add(gridPattern(-2 + (i + 0.5) * h, -2 + (j + 0.5) * h));
    for (const k of found) assert.ok(exact.has(k), `grid pattern ${k} is an exact region`);
    assert.ok(found.size <= sub.regions.length);
    // a disk of radius h/√2 always holds a point of the grid: such regions are found
    const resolvable = sub.regions.filter((_, i) => radii[i]! >= h / Math.SQRT2);
    for (const r of resolvable) assert.ok(found.has(bitKey(r.pattern)), `G = ${G}: a region with inradius ≥ h/√2 was missed`);
    if (G === needed) assert.equal(found.size, sub.regions.length, 'every region is found once the smallest inscribed disk exceeds h/√2');
    else assert.ok(found.size >= resolvable.length);
  }
  // stated as an area: every region is found here, and the smallest one measures
  const minArea = Math.min(...sub.regions.map((r) => r.measure));
  assert.ok(minArea > 0 && minArea >= Math.PI * minR * minR);
});
