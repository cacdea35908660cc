/**
 * The chart modules (Observable Plot into a linkedom document): well-formed stand-alone SVG, the same bytes for the
 * same data (Plot's counters for clip/marker ids renamed per chart), the marks the data ask for, hostile text escaped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOMParser } from 'linkedom';
import '../../src/report/node.js';
import { boxChart, heatmapChart, imageStripChart, lineChart, minMax, pathChart, pngSize, renderPlot, scatterChart, PALETTE } from '../../src/report/charts/index.js';
import { Plot } from '../../src/report/charts/plot.js';
import { encodePng, imageGridPng } from '../../src/report/png.js';
import { separationLawChart } from '../../src/report/separation.js';

/** Parse as XML: a stand-alone SVG file must be well-formed XML with the SVG namespace. */
function parseSvg(svg: string): Element {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement as unknown as Element;
  assert.equal(root.tagName.toLowerCase(), 'svg');
  assert.equal(root.getAttribute('xmlns'), 'http://www.w3.org/2000/svg');
  return root;
}

const count = (svg: string, re: RegExp): number => (svg.match(re) ?? []).length;

test('line chart: a line and a dot per point, a legend entry per named series, labelled axes; the same bytes twice', () => {
  const series = [
    { name: 'measured', points: [[0, 1], [1, 0.5], [2, 0.2], [3, NaN]] as [number, number][] },
    { name: 'fit', points: [[0, 1.1], [3, 0.1]] as [number, number][], style: 'dash' as const },
  ];
  const a = lineChart({ title: 'T <b>&', xLabel: 'layer l', yLabel: 'log10 D', integerX: true }, series);
  const b = lineChart({ title: 'T <b>&', xLabel: 'layer l', yLabel: 'log10 D', integerX: true }, series);
  assert.equal(a, b);
  parseSvg(a);
  assert.equal(count(a, /<circle /g), 3); // the NaN point is left out; the dashed fit has no dots
  assert.match(a, /stroke-dasharray="6,4"/);
  assert.match(a, />T &lt;b&gt;&amp;</); // the title is text, not markup
  assert.match(a, /aria-label="T &lt;b&gt;&amp;"/);
  assert.doesNotMatch(a, /<b>/);
  for (const t of ['measured', 'fit', 'layer l', 'log10 D']) assert.ok(a.includes(`>${t}<`), t);
  // integer ticks on x: 0, 1, 2, 3 and nothing in between
  const xTicks = /aria-label="x-axis tick label"[^>]*>([\s\S]*?)<\/g>/.exec(a)?.[1] ?? '';
  assert.deepEqual([...xTicks.matchAll(/>([^<]+)</g)].map((m) => m[1]), ['0', '1', '2', '3']);
  assert.match(a, /<rect fill="white"/); // stand-alone: a background
  const inline = lineChart({ title: 'T', xLabel: 'x', yLabel: 'y', standalone: false }, series);
  assert.doesNotMatch(inline, /<rect fill="white"/);
});

test("ids from Plot's global counters are renamed after the chart id, so a page's charts never share one and re-renders match", () => {
  // clip: true makes Plot emit clip-path ids from a module-level counter
  const draw = (id: string): string => renderPlot({ marks: [Plot.line([[0, 0], [1, 1]], { clip: true })] }, { id, standalone: false });
  const first = draw('a');
  const second = draw('a');
  assert.equal(first, second);
  assert.match(first, /id="a-clip-1"/);
  assert.match(first, /clip-path="url\(#a-clip-1\)"/);
  assert.doesNotMatch(first, /plot-(clip|marker|pattern)-\d/);
  assert.match(draw('b'), /id="b-clip-1"/);
});

test('box chart: one box per k, grouped side by side for several groups; missing k left out', () => {
  const box = { min: -3, q1: -2, median: -1.5, q3: -1, max: 0 };
  const one = boxChart({ xLabel: 'k', yLabel: 'log10 λ' }, [{ name: 'a', boxes: [box, undefined, box] }]);
  parseSvg(one);
  assert.equal(count(one, /<rect (?!fill="white")/g), 2);
  const two = boxChart({ xLabel: 'k', yLabel: 'log10 λ' }, [{ name: 'a', boxes: [box, box] }, { name: 'b <i>', boxes: [box, box] }]);
  parseSvg(two);
  assert.equal(count(two, /aria-label="bar"/g) >= 1, true);
  assert.match(two, />b &lt;i&gt;</);
  // two colours from the palette, one per group
  assert.ok(two.includes(PALETTE[0]) && two.includes(PALETTE[1]));
});

test('heat map: a cell per entry, value labels, null entries blank; labels readable on both ends of the scheme', () => {
  const svg = heatmapChart({ valueLabel: 'distance (decades)' }, ['a', 'b', 'c'], [[0, 1.5, null], [1.5, 0, 2], [null, 2, 0]]);
  parseSvg(svg);
  assert.equal(count(svg, /<rect /g) - 1, 9); // 7 values + 2 blanks, plus the background
  assert.equal(count(svg, />—</g), 2);
  assert.match(svg, />1\.5</);
  assert.match(svg, /fill="black"/);
  assert.match(svg, /fill="white"/);
});

test('paths and scatter: equal scales (a unit square of data is square on screen), any number of points', () => {
  // (test/cli/probe-dim.test.ts draws 150,000 points; minMax below takes as many)
  const m = 150_000;
  const sq = pathChart({ xLabel: 'x₁', yLabel: 'x₂', families: [{ name: 'along', color: '#000' }] }, [{ group: 0, points: [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]] }]);
  const d = /aria-label="line"><path d="M([\d.]+),([\d.]+)L([\d.]+),([\d.]+)L([\d.]+),([\d.]+)/.exec(sq);
  assert.ok(d, 'a path');
  const [x0, y0, x1, , , y2] = d.slice(1).map(Number) as [number, number, number, number, number, number];
  assert.ok(Math.abs(x1 - x0 - (y0 - y2)) < 2, `width ${x1 - x0} vs height ${y0 - y2}`);
  const sc = scatterChart({ xLabel: 'MDS 1', yLabel: 'MDS 2', groupNames: ['runs'] }, [{ x: 0, y: 0, name: 'run a' }, { x: 1, y: 2, name: 'run b' }]);
  parseSvg(sc);
  assert.equal(count(sc, /<circle /g), 2);
  assert.match(sc, />run b</);
  assert.deepEqual(minMax(Float64Array.from({ length: m }, (_, i) => i - 5)), [-5, m - 6]);
  assert.deepEqual(minMax([3, NaN, -Infinity, 1]), [1, 3]);
  assert.deepEqual(minMax([]), [Infinity, -Infinity]);
});

test('image strip: the PNG embedded as a data: URI, a tick label per row and column', () => {
  const frame = (v: number): Float64Array => new Float64Array(16).fill(v);
  const png = imageGridPng([[frame(0), frame(0.5), frame(1)], [frame(1), frame(0.5), frame(0)]], [4, 4], [0, 1], 2);
  assert.deepEqual(pngSize(png), { width: 3 * (8 + 2) + 2, height: 2 * (8 + 2) + 2 });
  const svg = imageStripChart({ frameWidth: 8, frameHeight: 8, gap: 2, rowLabels: ['walk A', 'walk B'], columnLabels: ['0', '5', '10'], xLabel: 'step' }, png);
  parseSvg(svg);
  assert.match(svg, /<image [^>]*href="data:image\/png;base64,iVBORw0KGgo/);
  for (const t of ['walk A', 'walk B', '0', '5', '10', 'step']) assert.ok(svg.includes(`>${t}<`), t);
  assert.throws(() => pngSize(encodePng(1, 1, 1, new Uint8Array(1)).subarray(1)), RangeError);
});

test('separationLawChart keeps its signature: the measured layers as dots, the fit dashed with ρ and r in the legend', () => {
  const layers = [0, 1, 2].map((i) => ({ index: i, name: `l${i}`, D: 10 ** -i, logD: -i * Math.LN10, residual: 0, rankBetween: 1 }));
  const svg = separationLawChart({ layers, fit: { rho: 0.1, rhoCI95: null, slope: -Math.LN10, slopeStderr: null, intercept: 0, pearsonR: -1, lawHolds: true, lawThreshold: 0.9, numLayersFitted: 3 } }, 'law');
  parseSvg(svg);
  assert.equal(count(svg, /<circle /g), 3);
  assert.match(svg, /fit: ρ = 0\.1, r = −1/);
});
