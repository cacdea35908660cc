import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipLine, clipPolygon, INTERVALS, inradius, pointInPolygon, polygonArea, polygonCentroid, POLYGONS, rectangle, signedArea, splitPolygon } from '../../../src/probes/regions/polygon.js';
import { Rng } from '../../../src/util/random.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('area, centroid and orientation of rectangles and triangles', () => {
  const r = rectangle(-1, 3, 2, 4);
  close(signedArea(r), 8);
  assert.deepEqual(polygonCentroid(r), [1, 3]);
  const tri = Float64Array.of(0, 0, 3, 0, 0, 3);
  close(polygonArea(tri), 4.5);
  const c = polygonCentroid(tri);
  close(c[0], 1);
  close(c[1], 1);
  // far from the origin, small: the centroid is still exact to rounding
  const far = Float64Array.of(1e6, 1e6, 1e6 + 1e-3, 1e6, 1e6, 1e6 + 1e-3);
  const cf = polygonCentroid(far);
  close(cf[0] - 1e6, 1e-3 / 3, 1e-6);
});

test('splitting by random lines keeps the area, both parts are convex and lie on their side', () => {
  const rng = new Rng(7);
  const vals = new Float64Array(64);
  for (let trial = 0; trial < 500; trial++) {
    let p = rectangle(-1, 1, -1, 1);
    // a random convex polygon: the square cut by a few random half-planes
    for (let k = 0; k < 3; k++) p = clipPolygon(p, 0.9 + rng.uniform(), rng.normal(), rng.normal()) ?? p;
    const [a0, a1, a2] = [rng.normal() * 0.5, rng.normal(), rng.normal()];
    const side = POLYGONS.side(p, a0, a1, a2, vals);
    if (side !== 0) continue;
    const [neg, pos] = splitPolygon(p, vals);
    assert.ok(neg && pos);
    close(polygonArea(neg) + polygonArea(pos), polygonArea(p), 1e-12);
    for (const [part, sign] of [[neg, -1], [pos, 1]] as const) {
      assert.ok(signedArea(part) > 0, 'counter-clockwise');
      const [cx, cy] = polygonCentroid(part);
      assert.ok(sign * (a0 + a1 * cx + a2 * cy) > 0, 'the centroid is on its side');
      assert.ok(pointInPolygon(p, cx, cy));
    }
  }
});

test('vertices on the line (within the relative tolerance) go to both sides; a line through a vertex does not split', () => {
  const sq = rectangle(0, 1, 0, 1);
  const vals = new Float64Array(8);
  // the diagonal s = t passes through two vertices: a real split into two triangles
  assert.equal(POLYGONS.side(sq, 0, 1, -1, vals), 0);
  const [neg, pos] = splitPolygon(sq, vals);
  close(polygonArea(neg!), 0.5);
  close(polygonArea(pos!), 0.5);
  // s + t = 0 touches the square at (0, 0) only: one side
  assert.equal(POLYGONS.side(sq, 0, 1, 1, vals), 1);
  // a value within 1e-10 of the terms counts as on the line
  assert.equal(POLYGONS.side(sq, -1 + 1e-14, 1, 0, vals), -1);
  assert.equal(vals[1], 0);
});

test('inradius: square, right triangle, thin sliver; clipLine: chords and misses', () => {
  close(inradius(rectangle(0, 2, 0, 2)), 1);
  close(inradius(rectangle(0, 10, 0, 1)), 0.5);
  close(inradius(Float64Array.of(0, 0, 4, 0, 0, 3)), 1); // 3-4-5: r = (3 + 4 − 5)/2
  // a sliver: r = area / semi-perimeter
  const r = inradius(Float64Array.of(0, 0, 1, 0, 1, 1e-6));
  const want = 5e-7 / ((1 + 1e-6 + Math.hypot(1, 1e-6)) / 2);
  assert.ok(Math.abs(r - want) < 1e-9 * want, `${r} vs ${want}`);
  const seg = clipLine(rectangle(0, 2, 0, 2), -1, 1, 0)!; // s = 1
  close(seg[0]!, 1);
  close(seg[2]!, 1);
  close(Math.abs(seg[3]! - seg[1]!), 2);
  assert.equal(clipLine(rectangle(0, 2, 0, 2), -3, 1, 0), null);
  assert.equal(clipLine(rectangle(0, 2, 0, 2), 0, 1, 1), null); // touches one corner
});

test('intervals: split at the root, measure, interior', () => {
  const vals = new Float64Array(2);
  const c = Float64Array.of(-1, 3);
  assert.equal(INTERVALS.side(c, -1, 1, 0, vals), 0);
  const [neg, pos] = INTERVALS.split(c, vals);
  assert.deepEqual([...neg!], [-1, 1]);
  assert.deepEqual([...pos!], [1, 3]);
  assert.equal(INTERVALS.measure(c), 4);
  assert.deepEqual(INTERVALS.interior(c), [1]);
  assert.equal(INTERVALS.side(c, 5, 1, 0, vals), 1);
});
