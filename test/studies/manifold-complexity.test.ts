/**
 * The manifold-complexity study: exact pieces on a closed curve for hand-built networks (known counts), the
 * convex-curve bound on random deep networks, the polyline count against dense pattern sampling, the data and the
 * accuracy ceiling in closed form, and the sweep itself: deterministic by seed, every count within its bounds, its
 * file round-trips through the schema, its plots render.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNodeEngine } from '../../src/engine/node.js';
import { parseResult } from '../../src/probes/result.js';
import { convexCurveBound, serraBound } from '../../src/probes/regions/bounds.js';
import { patternKey } from '../../src/probes/regions/compute.js';
import { polylinePieces } from '../../src/probes/regions/manifold.js';
import { forwardPoint, pwlProgram } from '../../src/probes/regions/pwl.js';
import '../../src/report/node.js';
import { manifoldFitChart, manifoldPiecesChart } from '../../src/report/manifold-complexity.js';
import { accuracyCeiling, alternatingCircleData, alternatingClass, circlePlane, circlePoint, runManifoldComplexity } from '../../src/studies/manifold-complexity/run.js';
import { MANIFOLD_COMPLEXITY_RESULT } from '../../src/studies/manifold-complexity/schema.js';
import { mlp, randomMlp } from '../probes/regions/nets.js';

const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

const PLANE2 = circlePlane(2, 0);
const ring = (m: number, plane = PLANE2): Float64Array[] => Array.from({ length: m }, (_, i) => circlePoint((2 * Math.PI * (i + 0.5)) / m, plane));

test('w lines through the centre cut the circle into exactly 2w pieces (the convex-curve bound, attained); lines missing it cut nothing', () => {
  for (const w of [1, 2, 3, 5, 8]) {
    // unit j: relu(cos φ_j · x + sin φ_j · y), φ_j = π(j + 0.3)/w: w distinct lines through the origin
    const W = [Array.from({ length: w }, (_, j) => Math.fround(Math.cos((Math.PI * (j + 0.3)) / w))), Array.from({ length: w }, (_, j) => Math.fround(Math.sin((Math.PI * (j + 0.3)) / w)))];
    const net = mlp(2, [{ W, b: new Array(w).fill(0) }], { W: Array.from({ length: w }, (_, j) => [0, j % 2 ? 1 : -1]), b: [0, 0] });
    const p = polylinePieces(pwlProgram(net), ring(720), { closed: true });
    assert.equal(p.pieces, 2 * w, `w = ${w}`);
    assert.equal(BigInt(p.pieces), convexCurveBound([w]));
    assert.equal(p.patterns, 2 * w);
  }
  // three units whose lines x = 2 miss the unit circle, plus one through it: 2 pieces
  const W = [[1, 1, 1, 1], [0, 0, 0, 1]].map((r) => r.map(Math.fround));
  const net = mlp(2, [{ W, b: [-2, -3, -4, 0] }], { W: [[0, 1], [0, 1], [0, 1], [0, 1]], b: [0, 0] });
  assert.equal(polylinePieces(pwlProgram(net), ring(360), { closed: true }).pieces, 2);
});

test('class changes along the closed curve: logit difference x changes sign twice on the circle; an open arc counts its own', () => {
  // logits (0, relu(x) − relu(−x)) = (0, x)
  const net = pwlProgram(mlp(2, [{ W: [[1, -1], [0, 0]], b: [0, 0] }], { W: [[0, 1], [0, -1]], b: [0, 0] }));
  const closed = polylinePieces(net, ring(100), { closed: true });
  assert.equal(closed.classChanges, 2);
  assert.equal(closed.pieces, 2);
  const arc = Array.from({ length: 50 }, (_, i) => circlePoint(-Math.PI / 2 + (Math.PI * i) / 49 + 0.01, PLANE2)); // right half: x > 0 but for the first point
  assert.ok(polylinePieces(net, arc).classChanges <= 1);
});

test('random deep networks: pieces on a convex closed curve ≤ the convex-curve bound; pieces = pattern runs of dense sampling once fine', () => {
  for (const [seed, widths] of [[1, [2, 5, 4]], [2, [2, 8, 8, 3]], [3, [2, 3, 3, 3, 3]], [4, [2, 12]]] as [number, number[]][]) {
    const prog = pwlProgram(randomMlp(seed, widths, 2));
    const verts = ring(64);
    const p = polylinePieces(prog, verts, { closed: true });
    assert.ok(BigInt(p.pieces) <= convexCurveBound(widths.slice(1)), `seed ${seed}: ${p.pieces} > bound ${convexCurveBound(widths.slice(1))}`);
    // second algorithm: sample the polygon densely, count runs of equal patterns (closed)
    const runs: string[] = [];
    const S = 400;
    for (let e = 0; e < verts.length; e++) {
      const A = verts[e]!;
      const B = verts[(e + 1) % verts.length]!;
      for (let s = 0; s < S; s++) {
        const t = (s + 0.5) / S;
        const key = patternKey(prog, forwardPoint(prog, A.map((a, i) => a + t * (B[i]! - a))).pattern);
        if (runs[runs.length - 1] !== key) runs.push(key);
      }
    }
    const sampled = runs.length > 1 && runs[0] === runs[runs.length - 1] ? runs.length - 1 : runs.length;
    assert.ok(sampled <= p.pieces);
    assert.equal(sampled, p.pieces, `seed ${seed}: dense sampling finds ${sampled}, exact ${p.pieces}`);
  }
});

test('Σ_k: 2k arcs of alternating class, the plane is orthonormal in R^n, the ceiling is attained by a predictor with m pairs of changes', () => {
  for (const k of [1, 3, 7]) {
    let changes = 0;
    const M = 4000;
    for (let i = 0; i < M; i++) if (alternatingClass((2 * Math.PI * i) / M, k) !== alternatingClass((2 * Math.PI * (i + 1)) / M, k)) changes++;
    assert.equal(changes, 2 * k);
    const d = alternatingCircleData(k, 500, PLANE2, 1);
    for (let i = 0; i < 500; i++) assert.equal(d.y[i], alternatingClass(Math.atan2(d.x.data[2 * i + 1]!, d.x.data[2 * i]!), k));
  }
  const [a, b] = circlePlane(7, 3);
  const dot = (u: Float64Array, v: Float64Array): number => u.reduce((s, x, i) => s + x * v[i]!, 0);
  assert.ok(Math.abs(dot(a, a) - 1) < 1e-12 && Math.abs(dot(b, b) - 1) < 1e-12 && Math.abs(dot(a, b)) < 1e-12);
  // predictor: truth on the first 2m arcs, class 0 on the rest → accuracy 1/2 + m/(2k) exactly (2m changes: m pieces suffice)
  const k = 8;
  for (const m of [0, 2, 5, 8]) {
    const M = 16000;
    let right = 0;
    for (let i = 0; i < M; i++) {
      const th = (2 * Math.PI * (i + 0.5)) / M;
      const pred = th < (2 * m * Math.PI) / k ? alternatingClass(th, k) : 0;
      if (pred === alternatingClass(th, k)) right++;
    }
    assert.ok(Math.abs(right / M - accuracyCeiling(m, k)) < 1e-3, `m = ${m}`);
  }
  assert.equal(accuracyCeiling(20, 8), 1);
});

test('the sweep: deterministic by seed, counts within their bounds, schema round trip, plots render', async () => {
  const opts = { ks: [1, 4], architectures: [{ name: 'small', widths: [3] }, { name: 'large', widths: [8, 8] }], epochs: 4, trainSamples: 128, testSamples: 64, batchSize: 32, mesh: 120, seed: 5, ambientDim: 3 };
  const r1 = await runManifoldComplexity(engine, opts);
  const r2 = await runManifoldComplexity(engine, opts);
  const strip = (r: typeof r1): unknown => r.points.map(({ seconds: _s, ...p }) => p);
  assert.deepEqual(strip(r1), strip(r2));
  assert.equal(r1.points.length, 4);
  for (const p of r1.points) {
    const a = r1.architectures.find((x) => x.name === p.architecture)!;
    assert.ok(BigInt(p.pieces) <= BigInt(a.curveBound.exact));
    assert.ok(BigInt(p.planeRegions) <= BigInt(a.serra.exact) && BigInt(a.serra.exact) <= BigInt(a.lei.exact));
    assert.equal(a.serra.exact, serraBound(2, a.widths).toString());
    assert.ok(p.classChanges <= 2 * p.pieces && p.classChanges % 2 === 0);
    assert.equal(p.piecesNeeded, p.k);
    assert.ok(p.testAccuracy >= 0 && p.testAccuracy <= 1 && p.accuracyCeiling === accuracyCeiling(p.pieces, p.k));
  }
  assert.equal(r1.architectures[0]!.curveBound.exact, '6');
  const back = parseResult(MANIFOLD_COMPLEXITY_RESULT, JSON.parse(JSON.stringify(r1)), 'manifold-complexity.json');
  assert.deepEqual(back, JSON.parse(JSON.stringify(r1)));
  assert.throws(() => parseResult(MANIFOLD_COMPLEXITY_RESULT, { ...JSON.parse(JSON.stringify(r1)), schemaVersion: 2 }), /schema|version/i);
  for (const svg of [manifoldPiecesChart(r1), manifoldFitChart(r1)]) {
    assert.match(svg, /^<svg/);
    assert.ok((svg.match(/<path/g) ?? []).length >= 4);
    assert.match(svg, /held-out|pieces/);
  }
});

test('geolens study manifold-complexity: the table, manifold-complexity.json (schema) and its two plots; usage errors', async () => {
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { studyCommand } = await import('../../src/cli/study.js');
  const { UsageError } = await import('../../src/cli/args.js');
  const dir = mkdtempSync(join(tmpdir(), 'geolens-mc-'));
  const lines: string[] = [];
  const rc = await studyCommand(['manifold-complexity', '--k', '2,1', '--small', '2', '--large', 'none', '--epochs', '2', '--samples', '64', '--batch-size', '32', '--mesh', '60', '--threads', '1', '--quiet', '--out', dir], (l) => lines.push(l));
  assert.equal(rc, 0);
  const text = lines.join('\n');
  assert.match(text, /pieces needed\s+pieces on Σ_k\s+curve bound/);
  assert.match(text, /small 2/);
  const r = parseResult(MANIFOLD_COMPLEXITY_RESULT, JSON.parse(readFileSync(join(dir, 'manifold-complexity.json'), 'utf8')));
  assert.deepEqual(r.manifold.ks, [1, 2]);
  assert.equal(r.architectures.length, 1);
  assert.equal(r.architectures[0]!.curveBound.exact, '4');
  for (const f of ['manifold-complexity-pieces.svg', 'manifold-complexity-fit.svg']) assert.match(readFileSync(join(dir, f), 'utf8'), /^<svg/);
  await assert.rejects(studyCommand(['manifold-complexity', '--k', '0'], () => {}), UsageError);
  await assert.rejects(studyCommand(['manifold-complexity', '--samples', '8', '--batch-size', '32'], () => {}), UsageError);
});
