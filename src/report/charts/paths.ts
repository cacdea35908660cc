/**
 * Paths in the plane: families of polylines (streamlines of a field, walks) over a scatter of labelled points, on
 * equal scales for x and y so that angles on screen are angles in the data (the foliation plots).
 */
import { type ChartFrame, type LegendItem, Plot, renderPlane } from './plot.js';
import { paddedExtent } from './scatter.js';
import { PALETTE } from './theme.js';

export interface PathFamily {
  name: string;
  color: string;
}

export interface PathChartOptions extends ChartFrame {
  xLabel: string;
  yLabel: string;
  /** The families of paths (index = a path's `group`). */
  families?: PathFamily[];
  /** Names of the point labels (classes), index = label. */
  labelNames?: string[];
}

export interface Path {
  /** Index into `families`. */
  group: number;
  points: [number, number][];
}

export interface LabelledPoint {
  x: number;
  y: number;
  label: number;
}

/** Colours of point labels: the palette without the first and fourth entries (kept for the path families). */
export const LABEL_COLORS = PALETTE.filter((_, i) => i !== 0 && i !== 3);

/** Paths (thin lines, one colour per family) over points coloured by label; equal aspect ratio. */
export function pathChart(o: PathChartOptions, paths: Path[], points: LabelledPoint[] = []): string {
  const fam = o.families ?? [];
  const lineRows: { x: number; y: number; z: number; g: number }[] = [];
  paths.forEach((p, i) => p.points.forEach(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && lineRows.push({ x, y, z: i, g: p.group })));
  const [x0, x1] = paddedExtent([...lineRows.map((r) => r.x), ...points.map((p) => p.x)]);
  const [y0, y1] = paddedExtent([...lineRows.map((r) => r.y), ...points.map((p) => p.y)]);
  const plotW = (o.width ?? 560) - 84; // minus the left and right margins
  const plotH = Math.round(Math.min(800, Math.max(200, (plotW * (y1 - y0)) / (x1 - x0))));
  const groups = [...new Set(paths.map((p) => p.group))].sort((a, b) => a - b);
  const labels = [...new Set(points.map((p) => p.label))].sort((a, b) => a - b);
  const legend: LegendItem[] = [
    ...groups.map((g) => ({ label: fam[g]?.name ?? `paths ${g}`, color: fam[g]?.color ?? PALETTE[g % PALETTE.length]!, symbol: 'line' as const })),
    ...labels.map((l) => ({ label: o.labelNames?.[l] ?? `class ${l}`, color: LABEL_COLORS[l % LABEL_COLORS.length]!, symbol: 'dot' as const })),
  ];
  const marks: Plot.Markish[] = [Plot.frame({ strokeOpacity: 0.3 })];
  for (const g of groups) {
    marks.push(Plot.line(lineRows.filter((r) => r.g === g), { x: 'x', y: 'y', z: 'z', stroke: fam[g]?.color ?? PALETTE[g % PALETTE.length]!, strokeWidth: 1.1, strokeOpacity: 0.85 }));
  }
  for (const l of labels) {
    marks.push(Plot.dot(points.filter((p) => p.label === l), { x: 'x', y: 'y', r: 2.6, fill: LABEL_COLORS[l % LABEL_COLORS.length]!, fillOpacity: 0.85 }));
  }
  return renderPlane(marks, { x: [x0, x1], y: [y0, y1], width: plotW + 84, plotHeight: plotH, marginLeft: 64, xLabel: o.xLabel, yLabel: o.yLabel }, { ...o, legend });
}
