/**
 * Pictures of the exact linear-regions results, drawn with the chart modules (Observable Plot): the tiling of a plane
 * slice coloured by predicted class with the region edges, the exact decision boundary, the data near the slice and
 * the anchor points; the regions of a segment with the logits along it; counts and densities over training. The same
 * module draws the CLI's stand-alone SVG and the report's figure.
 *
 * Colours: the charts' Okabe–Ito palette (PALETTE, colour-blind safe), extended by Paul Tol's wine and teal for
 * classes 9 and 10; classes beyond 10 cycle. The tiling lies on a white backing so that it reads the same in light and
 * dark mode; the boundary is black with a white halo; text and axes take the page's colour.
 */
import type { RegionsOverTrainingResult, RegionsResult } from '../probes/regions/types.js';
import { ticks as d3ticks } from 'd3-array';
import { axisLabel, Plot, renderPlot, type LegendItem } from './charts/plot.js';
import { fmtNumber, lineChart, PALETTE, type ChartFrame } from './charts/index.js';

/** Class colours: the charts' palette (Okabe–Ito without black and yellow), then Tol's wine and teal. */
export const CLASS_COLOURS: readonly string[] = [...PALETTE, '#882255', '#44AA99'];

export const classColour = (c: number): string => CLASS_COLOURS[c % CLASS_COLOURS.length]!;

const FILL_OPACITY = 0.6;

const bigText = (v: { value: number | null; log10: number } | null): string => (v === null ? '—' : v.value !== null ? fmtNumber(v.value) : `10^${v.log10.toFixed(1)}`);

/** "N regions; bounds (input dim d): Serra …, Lei …" */
export function regionsBoundText(r: Pick<RegionsResult, 'bounds' | 'count'>): string {
  const b = r.bounds;
  const given = b.serra || b.lei ? `Serra ${bigText(b.serra)}, Lei ${bigText(b.lei)}` : `hyperplane product ${bigText(b.hyperplaneProduct)}`;
  return `${r.count} regions; bounds (input dim ${b.inputDim}): ${given}`;
}

type Ring = [number, number][];
interface MultiPolygon {
  type: 'Feature';
  properties: { predicted: number };
  geometry: { type: 'MultiPolygon'; coordinates: Ring[][] };
}

/** The class cells of the tiling as one MultiPolygon per predicted class (one path each: small, seamless). */
function classFeatures(r: RegionsResult): MultiPolygon[] {
  const byClass = new Map<number, Ring[][]>();
  const add = (c: number, ring: Ring): void => {
    // GeoJSON rings are closed (first = last); d3-geo with the x/y scales draws them as given
    const closed = ring.length && (ring[0]![0] !== ring[ring.length - 1]![0] || ring[0]![1] !== ring[ring.length - 1]![1]) ? [...ring, ring[0]!] : ring;
    const l = byClass.get(c);
    if (l) l.push([closed]);
    else byClass.set(c, [[closed]]);
  };
  for (const f of r.regions!.features) {
    if (f.properties.parts) for (const p of f.properties.parts) add(p.predicted, p.coordinates);
    else add(f.properties.predicted, f.geometry.coordinates[0]!);
  }
  return [...byClass].sort((a, b) => a[0] - b[0]).map(([predicted, coordinates]) => ({ type: 'Feature', properties: { predicted }, geometry: { type: 'MultiPolygon', coordinates } }));
}

/**
 * The tiling of a plane slice (`regions.svg`, the report's figure): each region filled with its predicted class (split
 * into its class cells where the decision boundary crosses it), region edges thin, the decision boundary thick black,
 * the data near the slice as small dots and the anchor points as labelled rings; equal scales on s and t. Returns null
 * for a segment or a result written without geometry (--summary).
 */
export function regionsTilingChart(r: RegionsResult, title: string, frame: ChartFrame = {}): string | null {
  if (r.slice.kind !== 'plane' || !r.regions) return null;
  const [s0, s1, t0, t1] = r.slice.extent as [number, number, number, number];
  const width = frame.width ?? 640;
  const M = { left: 60, right: 20, top: 40, bottom: 46 };
  const plotW = width - M.left - M.right;
  const plotH = Math.round(Math.min(900, Math.max(160, (plotW * (t1 - t0)) / (s1 - s0))));
  const C = r.model.numClasses;
  const input = r.slice.how === 'input-plane';
  const edges = { type: 'Feature', properties: {}, geometry: { type: 'MultiLineString', coordinates: r.regions.features.map((f) => f.geometry.coordinates[0]!) } };
  const boundary = r.boundary && r.boundary.features.length ? { type: 'Feature', properties: {}, geometry: { type: 'MultiLineString', coordinates: r.boundary.features.map((f) => f.geometry.coordinates) } } : null;
  const edgeWidth = r.count > 20000 ? 0.15 : r.count > 3000 ? 0.25 : 0.5;
  const pts = r.nearbyPoints.map((p) => ({ s: p.coords[0]!, t: p.coords[1]!, label: p.label }));
  const anchors = r.slice.anchors.map((a) => ({ s: a.coords[0]!, t: a.coords[1]!, label: a.label, name: `#${a.index} (class ${a.label})` }));
  const marks: Plot.Markish[] = [
    // white backing (fixes the scales' extent too): the tiling reads the same on a light and a dark page
    Plot.rect([{ s0, s1, t0, t1 }], { x1: 's0', x2: 's1', y1: 't0', y2: 't1', fill: 'white' }),
    Plot.geo(classFeatures(r), { fill: (d: MultiPolygon) => classColour(d.properties.predicted), fillOpacity: FILL_OPACITY, stroke: (d: MultiPolygon) => classColour(d.properties.predicted), strokeWidth: 0.4, strokeOpacity: FILL_OPACITY, clip: true }),
    Plot.geo([edges], { fill: 'none', stroke: '#333333', strokeWidth: edgeWidth, strokeOpacity: 0.55, clip: true }),
    Plot.dot(pts, { x: 's', y: 't', r: 2.2, fill: (d: { label: number }) => classColour(d.label), stroke: '#000000', strokeWidth: 0.6, clip: true }),
  ];
  if (boundary) {
    marks.push(Plot.geo([boundary], { fill: 'none', stroke: 'white', strokeWidth: 4, strokeOpacity: 0.8, strokeLinejoin: 'round', clip: true }));
    marks.push(Plot.geo([boundary], { fill: 'none', stroke: '#000000', strokeWidth: 2, strokeLinejoin: 'round', clip: true }));
  }
  marks.push(
    Plot.dot(anchors, { x: 's', y: 't', r: 5, fill: (d: { label: number }) => classColour(d.label), stroke: '#000000', strokeWidth: 1.5 }),
    Plot.text(anchors, { x: 's', y: 't', text: 'name', dx: 8, dy: -8, textAnchor: 'start', fontWeight: 'bold', fill: '#000000', stroke: 'white', strokeWidth: 3, paintOrder: 'stroke' }),
    Plot.frame({ stroke: 'currentColor', strokeOpacity: 0.5 }),
    Plot.text([regionsBoundText(r)], { frameAnchor: 'top-left', dy: -14, textAnchor: 'start', fill: 'currentColor' }),
  );
  const legend: LegendItem[] = [
    ...Array.from({ length: C }, (_, c) => ({ label: `class ${c}`, color: classColour(c), symbol: 'box' as const })),
    { label: 'decision boundary', color: 'currentColor', symbol: 'line' },
    { label: 'region edge', color: '#777777', symbol: 'line' },
    ...(pts.length ? [{ label: 'data near the slice', color: '#777777', symbol: 'dot' as const }] : []),
  ];
  return renderPlot(
    {
      width,
      height: plotH + M.top + M.bottom,
      marginLeft: M.left,
      marginRight: M.right,
      marginTop: M.top,
      marginBottom: M.bottom,
      x: { domain: [s0, s1], ...axisLabel(input ? 'input feature 1' : 's (input units, in the slice)') },
      y: { domain: [t0, t1], ...axisLabel(input ? 'input feature 2' : 't (input units, in the slice)') },
      marks,
    },
    { ...frame, title, legend },
  );
}

/**
 * A segment (`regions.svg` of --segment): the logits of every class along t (exact polylines through the
 * breakpoints) above a strip of its regions coloured by predicted class, breakpoints as ticks in the strip, class
 * changes as vertical rules, the anchor points on the strip. Null for a plane.
 */
export function regionsSegmentChart(r: RegionsResult, title: string, frame: ChartFrame = {}): string | null {
  if (r.slice.kind !== 'segment' || !r.intervals) return null;
  const [t0, t1] = r.slice.extent as [number, number];
  const C = r.model.numClasses;
  const rows: { t: number; v: number; c: number }[] = [];
  if (r.intervals.every((iv) => iv.affine.length === C)) {
    for (let c = 0; c < C; c++) {
      for (const iv of r.intervals) {
        const [b, m] = iv.affine[c] as [number, number];
        rows.push({ t: iv.t0, v: b + m * iv.t0, c }, { t: iv.t1, v: b + m * iv.t1, c });
      }
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of rows) [lo, hi] = [Math.min(lo, x.v), Math.max(hi, x.v)];
  if (!(hi > lo)) [lo, hi] = [0, 1];
  const span = hi - lo;
  // the strip of regions sits below the logits, in the same y scale
  const strip = { y1: lo - 0.22 * span, y2: lo - 0.1 * span };
  // strip cells: the intervals split at the class changes, each coloured by the argmax of its logits at its middle
  const cuts = (r.boundaryPoints ?? []).map((b) => b.t).sort((a, b) => a - b);
  const ivs: { t0: number; t1: number; predicted: number; y1: number; y2: number }[] = [];
  for (const iv of r.intervals) {
    const ends = [iv.t0, ...cuts.filter((t) => t > iv.t0 && t < iv.t1), iv.t1];
    for (let i = 0; i + 1 < ends.length; i++) {
      const m = (ends[i]! + ends[i + 1]!) / 2;
      let best = iv.predicted;
      if (iv.affine.length === C) {
        let v = -Infinity;
        iv.affine.forEach(([b, a], c) => {
          if (b! + a! * m > v) [v, best] = [b! + a! * m, c];
        });
      }
      ivs.push({ t0: ends[i]!, t1: ends[i + 1]!, predicted: best, ...strip });
    }
  }
  const ticks = d3ticks(lo, hi, 5);
  const marks: Plot.Markish[] = [
    Plot.ruleY(ticks, { stroke: 'currentColor', strokeOpacity: 0.12 }),
    Plot.rectY(ivs, { x1: 't0', x2: 't1', y1: 'y1', y2: 'y2', fill: (d: { predicted: number }) => classColour(d.predicted), fillOpacity: 0.75 }),
    Plot.ruleX(r.intervals.slice(1), { x: 't0', y1: strip.y1, y2: strip.y2, stroke: '#333333', strokeWidth: r.intervals.length > 400 ? 0.2 : 0.6 }),
    Plot.ruleX(r.boundaryPoints ?? [], { x: 't', y1: strip.y1 - 0.03 * span, y2: hi + 0.05 * span, stroke: 'currentColor', strokeWidth: 2 }),
    Plot.line(rows, { x: 't', y: 'v', z: 'c', stroke: (d: { c: number }) => classColour(d.c), strokeWidth: 1.8 }),
    Plot.dot(r.slice.anchors, { x: (a: { coords: number[] }) => a.coords[0], y: (strip.y1 + strip.y2) / 2, r: 5, fill: (a: { label: number }) => classColour(a.label), stroke: '#000000', strokeWidth: 1.5 }),
    Plot.text(r.slice.anchors, { x: (a: { coords: number[] }) => a.coords[0], y: strip.y2, text: (a: { index: number }) => `#${a.index}`, dy: -12, fontWeight: 'bold', fill: 'currentColor' }),
    Plot.text([regionsBoundText(r)], { frameAnchor: 'top-left', dy: -14, textAnchor: 'start', fill: 'currentColor' }),
  ];
  const legend: LegendItem[] = [...Array.from({ length: C }, (_, c) => ({ label: `class ${c}`, color: classColour(c), symbol: 'line' as const })), { label: 'class change', color: 'currentColor', symbol: 'line' }];
  return renderPlot(
    {
      width: frame.width ?? 720,
      height: 400,
      marginTop: 40,
      marginBottom: 44,
      marginRight: 24,
      x: { domain: [t0, t1], ...axisLabel('t (along the segment)') },
      y: { domain: [strip.y1 - 0.04 * span, hi + 0.05 * span], ticks: ticks, ...axisLabel('logit') },
      marks,
    },
    { ...frame, title, legend },
  );
}

/** Region counts at every checkpoint (final count and after each layer). */
export function regionsOverTrainingChart(ot: RegionsOverTrainingResult, title: string): string {
  const L = ot.model.layers.length;
  const series = ot.model.layers.map((l, i) => ({ name: i === L - 1 ? `all ${L} layers` : `after ${l.op} ${i + 1}`, points: ot.epochs.map((e) => [e.epoch, e.perLayer[i]!] as [number, number]) }));
  return lineChart({ title, xLabel: 'epoch', yLabel: 'linear regions on the slice' }, series);
}

/** Region density near the data and far from it at every checkpoint; null without densities. */
export function regionsDensityChart(ot: RegionsOverTrainingResult, title: string): string | null {
  if (ot.epochs.some((e) => !e.density)) return null;
  const near: [number, number][] = [];
  const far: [number, number][] = [];
  for (const e of ot.epochs) {
    if (e.density!.near.density !== null) near.push([e.epoch, e.density!.near.density]);
    if (e.density!.far.density !== null) far.push([e.epoch, e.density!.far.density]);
  }
  return lineChart({ title, xLabel: 'epoch', yLabel: 'regions per unit area' }, [
    { name: `within r = ${fmtNumber(ot.epochs[0]!.density!.radius)} of data`, points: near },
    { name: 'elsewhere', points: far },
  ]);
}
