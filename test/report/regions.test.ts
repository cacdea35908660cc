import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { twoMoons } from '../../src/data/synthetic.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { runRegions } from '../../src/probes/regions/run.js';
import { CLASS_COLOURS, regionsSegmentChart, regionsTilingChart } from '../../src/report/regions.js';
import { mlp } from '../probes/regions/nets.js';

const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

// relu(x), relu(y), relu(h1 + h2 − 1); class 1 where that unit exceeds 0.25
const model = mlp(2, [{ W: [[1, 0], [0, 1]], b: [0, 0] }, { W: [[1], [1]], b: [-1] }], { W: [[0, 1]], b: [0.25, 0] });

test('the tiling: one fill per predicted class in its colour, every region edge, the boundary as polylines, anchors labelled', async () => {
  const r = await runRegions(engine, model, twoMoons({ n: 20 }), { extent: [-2, 2, -2, 2], checkPoints: 0 });
  assert.equal(r.count, 7);
  const svg = regionsTilingChart(r, 'hand-built')!;
  assert.match(svg, /^<svg[^>]*viewBox/);
  const fills = [...svg.matchAll(/<path d="[^"]+" fill="(#[0-9A-F]{6})" fill-opacity/g)].map((m) => m[1]);
  assert.deepEqual(fills, [CLASS_COLOURS[0], CLASS_COLOURS[1]]);
  const edges = /<path d="([^"]+)" fill="none"/.exec(svg)![1]!;
  assert.equal(edges.split('M').length - 1, 7, 'one closed path per region');
  assert.equal((svg.match(/<polyline /g) ?? []).length, r.boundary!.features.length);
  assert.match(svg, /7 regions; bounds \(input dim 2\): Serra 7, Lei \d+/);
  assert.equal(regionsSegmentChart(r, 'x'), null);
});

test('the segment chart: logits per class, a strip cell per region, ticks at the breakpoints, marks at the class changes', async () => {
  const r = await runRegions(engine, model, twoMoons({ n: 20 }), { slice: { kind: 'segment', points: [0, 1] }, margin: 2, checkPoints: 0 });
  const svg = regionsSegmentChart(r, 'segment')!;
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
  assert.equal((svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="26"/g) ?? []).length, r.count);
  assert.equal((svg.match(/stroke-width="2"\/>/g) ?? []).length, r.boundaryPoints!.length);
  assert.equal(regionsTilingChart(r, 'x'), null);
});
