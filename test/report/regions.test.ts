import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { twoMoons } from '../../src/data/synthetic.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { runRegions } from '../../src/probes/regions/run.js';
import { PALETTE } from '../../src/report/charts/index.js';
import '../../src/report/node.js';
import { CLASS_COLOURS, regionsSegmentChart, regionsTilingChart } from '../../src/report/regions.js';
import { mlp } from '../probes/regions/nets.js';

const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

// relu(x), relu(y), relu(h1 + h2 − 1); class 1 where that unit exceeds 0.25
const model = mlp(2, [{ W: [[1, 0], [0, 1]], b: [0, 0] }, { W: [[1], [1]], b: [-1] }], { W: [[0, 1]], b: [0.25, 0] });

/** The contents of each mark group with the given aria-label, in order. */
const groups = (svg: string, label: string): string[] => svg.split(`aria-label="${label}"`).slice(1).map((g) => g.slice(0, g.indexOf('</g>')));

test('the tiling (Observable Plot): one fill per predicted class in its colour, every region edge, the boundary with its halo, data and anchors, counts and bounds; deterministic', async () => {
  const r = await runRegions(engine, model, twoMoons({ n: 20 }), { extent: [-2, 2, -2, 2], checkPoints: 0 });
  assert.equal(r.count, 7);
  const svg = regionsTilingChart(r, 'hand-built')!;
  assert.match(svg, /^<svg[^>]*viewBox/);
  assert.equal(svg, regionsTilingChart(r, 'hand-built'), 'the same result gives the same bytes');
  const geo = groups(svg, 'geo');
  assert.equal(geo.length, 4, 'class fills, region edges, boundary halo, boundary');
  assert.deepEqual([...geo[0]!.matchAll(/<path[^>]* fill="(#[0-9A-Fa-f]{6})"/g)].map((m) => m[1]), [CLASS_COLOURS[0], CLASS_COLOURS[1]]);
  assert.equal(CLASS_COLOURS[0], PALETTE[0], 'the class colours are the charts\' palette');
  const edges = /d="([^"]+)"/.exec(geo[1]!)![1]!;
  assert.equal(edges.split('M').length - 1, 7, 'one closed ring per region');
  for (const b of [geo[2]!, geo[3]!]) assert.equal(/d="([^"]+)"/.exec(b)![1]!.split('M').length - 1, r.boundary!.features.length);
  const dots = groups(svg, 'dot');
  assert.equal((dots[0]!.match(/<circle/g) ?? []).length, r.nearbyPoints.length);
  assert.match(svg, /7 regions; bounds \(input dim 2\): Serra 7, Lei \d+/);
  assert.match(svg, /input feature 1/);
  assert.doesNotMatch(svg, /<polyline/, 'no hand-written marks left');
  // the report's figure: no title or background inside, ids from the section's prefix
  const inline = regionsTilingChart(r, 'x', { standalone: false, id: 'sec-tiling' })!;
  assert.doesNotMatch(inline, /fill="white" width="100%"/);
  assert.match(inline, /sec-tiling-clip-1/);
  assert.equal(regionsSegmentChart(r, 'x'), null);
});

test('the segment chart (Observable Plot): logits per class, a strip cell per region (split at class changes), ticks at the breakpoints, rules at the class changes', async () => {
  const r = await runRegions(engine, model, twoMoons({ n: 20 }), { slice: { kind: 'segment', points: [0, 1] }, margin: 2, checkPoints: 0 });
  const svg = regionsSegmentChart(r, 'segment')!;
  const lines = groups(svg, 'line');
  assert.equal((lines[0]!.match(/<path/g) ?? []).length, 2, 'one line per class');
  const inside = (r.boundaryPoints ?? []).filter((b) => r.intervals!.every((iv) => Math.abs(iv.t0 - b.t) > 1e-12 && Math.abs(iv.t1 - b.t) > 1e-12)).length;
  assert.equal((groups(svg, 'rect')[0]!.match(/<rect/g) ?? []).length, r.count + inside);
  const rules = groups(svg, 'rule');
  assert.equal((rules[1]!.match(/<line/g) ?? []).length, r.count - 1, 'a tick at every breakpoint');
  assert.equal((rules[2]!.match(/<line/g) ?? []).length, r.boundaryPoints!.length);
  assert.equal(regionsTilingChart(r, 'x'), null);
});
