/**
 * Scatter plots of labelled points (an embedding such as MDS, a 2-D dataset), each point optionally named; equal
 * scales on both axes by default (distances on screen are distances in the data). Names of points that coincide on
 * screen share one label, and labels that would overlap are moved apart (./labels.ts).
 */
import { placeLabels, type PixelPoint } from './labels.js';
import { type ChartFrame, type LegendItem, minMax, Plot, renderPlane } from './plot.js';
import { seriesColor } from './theme.js';

export interface ScatterPoint {
  x: number;
  y: number;
  /** Group (colour) index. */
  group?: number;
  /** Text drawn next to the point. */
  name?: string;
}

export interface ScatterChartOptions extends ChartFrame {
  xLabel: string;
  yLabel: string;
  /** Names of the groups (legend), index = group. */
  groupNames?: string[];
  /** Equal scales on x and y (default true). */
  equalAspect?: boolean;
}

/** [lo, hi] of the finite values widened by 8% of the span on each side ([−1, 1] around a single value). */
export function paddedExtent(values: ArrayLike<number>): [number, number] {
  const [lo, hi] = minMax(values);
  if (!(hi >= lo)) return [-1, 1];
  const m = hi > lo ? 0.08 * (hi - lo) : Math.max(1, Math.abs(lo)) * 0.5;
  return [lo - m, hi + m];
}

/** Points coloured by group, with their names beside them. */
export function scatterChart(o: ScatterChartOptions, points: ScatterPoint[]): string {
  let [x0, x1] = paddedExtent(points.map((p) => p.x));
  let [y0, y1] = paddedExtent(points.map((p) => p.y));
  if (o.equalAspect !== false) {
    // a flat cloud (all y equal, or all x equal) gets the other axis' span, not a tall strip of an arbitrary ±0.5
    const [xs, ys] = [minMax(points.map((p) => p.x)), minMax(points.map((p) => p.y))];
    const flatX = !(xs[1] > xs[0]);
    const flatY = !(ys[1] > ys[0]);
    if (flatY && !flatX) [y0, y1] = [(y0 + y1) / 2 - (x1 - x0) / 4, (y0 + y1) / 2 + (x1 - x0) / 4];
    if (flatX && !flatY) [x0, x1] = [(x0 + x1) / 2 - (y1 - y0) / 2, (x0 + x1) / 2 + (y1 - y0) / 2];
  }
  const width = o.width ?? 560;
  const plotW = width - 92; // minus the left and right margins
  const single = points.length > 0 && points.every((p) => p.x === points[0]!.x && p.y === points[0]!.y);
  // one spot (e.g. networks all at distance 0): no square of empty space around it
  const plotH = o.equalAspect === false ? (o.height ?? 360) - 68 : single ? 180 : Math.round(Math.min(700, Math.max(220, (plotW * (y1 - y0)) / (x1 - x0))));
  const groups = [...new Set(points.map((p) => p.group ?? 0))].sort((a, b) => a - b);
  const legend: LegendItem[] = o.groupNames ? groups.map((g) => ({ label: o.groupNames![g] ?? `group ${g}`, color: seriesColor(g), symbol: 'dot' as const })) : [];
  const marks: Plot.Markish[] = [Plot.frame({ strokeOpacity: 0.3 })];
  for (const g of groups) {
    const pts = points.filter((p) => (p.group ?? 0) === g);
    marks.push(Plot.dot(pts, { x: 'x', y: 'y', r: 4.5, fill: seriesColor(g), stroke: 'white', strokeWidth: 0.8 }));
  }
  // labels: in pixels of the plot area, coincident points share one, overlapping ones move by whole lines
  const sx = (plotW - 0) / (x1 - x0);
  const sy = plotH / (y1 - y0);
  const named = points.filter((p) => p.name && Number.isFinite(p.x) && Number.isFinite(p.y));
  const pix: PixelPoint[] = named.map((p) => ({ px: (p.x - x0) * sx, py: (y1 - p.y) * sy, name: p.name! }));
  const labels = placeLabels(pix, { right: plotW + 16, bottom: plotH }).map((l) => {
    const x = x0 + l.px / sx;
    const y = y1 - l.py / sy;
    return { x, y, text: l.text, anchor: l.anchor, lx: x + (0.75 * l.dx) / sx, ly: y - l.dy / sy, moved: l.dy !== 0 };
  });
  marks.push(Plot.link(labels.filter((l) => l.moved), { x1: 'x', y1: 'y', x2: 'lx', y2: 'ly', stroke: 'currentColor', strokeOpacity: 0.4, strokeWidth: 0.8 }));
  for (const anchor of ['start', 'end'] as const) {
    marks.push(Plot.text(labels.filter((l) => l.anchor === anchor), { x: 'lx', y: 'ly', text: 'text', dx: anchor === 'start' ? 8 * 0.25 : -8 * 0.25, textAnchor: anchor, fill: 'currentColor' }));
  }
  return renderPlane(marks, { x: [x0, x1], y: [y0, y1], width: width, plotHeight: plotH, xLabel: o.xLabel, yLabel: o.yLabel }, { ...o, legend });
}
