/**
 * A plane of points and the polygons that tile it: labelled points (coloured by group), marked points (crosses, e.g.
 * generated samples) and polygon outlines (e.g. the cells of a power diagram), on equal scales.
 */
import { type ChartFrame, type LegendItem, Plot, renderPlane } from './plot.js';
import { paddedExtent } from './scatter.js';
import { PALETTE, seriesColor } from './theme.js';

export interface PlanePoint {
  x: number;
  y: number;
  group: number;
}

export interface PlaneChartOptions extends ChartFrame {
  xLabel: string;
  yLabel: string;
  /** Names of the groups, index = group (legend). */
  groupNames: string[];
  /** Legend label of the crosses and of the polygons. */
  markerName?: string;
  polygonName?: string;
}

/** Points by group, crosses at `markers`, and the outlines of `polygons` ([x0, y0, x1, y1, …] each, closed). */
export function planeChart(o: PlaneChartOptions, points: PlanePoint[], markers: { x: number; y: number }[], polygons: number[][] = []): string {
  const xs = [...points.map((p) => p.x), ...markers.map((p) => p.x), ...polygons.flatMap((q) => q.filter((_, k) => k % 2 === 0))];
  const ys = [...points.map((p) => p.y), ...markers.map((p) => p.y), ...polygons.flatMap((q) => q.filter((_, k) => k % 2 === 1))];
  const [x0, x1] = paddedExtent(xs);
  const [y0, y1] = paddedExtent(ys);
  const width = o.width ?? 560;
  const plotW = width - 92;
  const plotH = Math.round(Math.min(560, Math.max(200, (plotW * (y1 - y0)) / (x1 - x0))));
  const marks: Plot.Markish[] = [Plot.frame({ strokeOpacity: 0.3 })];
  if (polygons.length) {
    const rows = polygons.flatMap((q, c) => {
      const r: { x: number; y: number; c: number }[] = [];
      for (let k = 0; k + 1 < q.length; k += 2) r.push({ x: q[k]!, y: q[k + 1]!, c });
      if (r.length) r.push({ ...r[0]! });
      return r;
    });
    marks.push(Plot.line(rows, { x: 'x', y: 'y', z: 'c', stroke: 'currentColor', strokeOpacity: 0.35, strokeWidth: 0.6 }));
  }
  const groups = [...new Set(points.map((p) => p.group))].sort((a, b) => a - b);
  // beyond the palette's colours a group repeats a colour, so it takes a second shape (a square) too
  const square = (g: number): boolean => g >= PALETTE.length;
  for (const g of groups) marks.push(Plot.dot(points.filter((p) => p.group === g), { x: 'x', y: 'y', r: square(g) ? 2.8 : 2.4, symbol: square(g) ? 'square' : 'circle', fill: seriesColor(g), fillOpacity: 0.85 }));
  if (markers.length) marks.push(Plot.dot(markers, { x: 'x', y: 'y', r: 4, symbol: 'times', stroke: 'currentColor', strokeWidth: 1.6 }));
  const legend: LegendItem[] = groups.map((g) => ({ label: `${o.groupNames[g] ?? `group ${g}`}${square(g) ? ' (squares)' : ''}`, color: seriesColor(g), symbol: square(g) ? ('box' as const) : ('dot' as const) }));
  if (markers.length) legend.push({ label: o.markerName ?? 'marked', color: 'currentColor', symbol: 'dot' });
  if (polygons.length) legend.push({ label: o.polygonName ?? 'cells', color: 'currentColor', symbol: 'line' });
  return renderPlane(marks, { x: [x0, x1], y: [y0, y1], width: width, plotHeight: plotH, xLabel: o.xLabel, yLabel: o.yLabel }, { ...o, legend });
}
