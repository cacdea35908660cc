/**
 * Heat maps of a matrix (e.g. distances between datasets, networks or runs): one cell per entry on a sequential,
 * colour-blind-safe scheme (viridis), each cell labelled with its value.
 */
import { Plot, renderPlot, type ChartFrame } from './plot.js';
import { fmtNumber, SEQUENTIAL_SCHEME, textWidth } from './theme.js';

export interface HeatmapOptions extends ChartFrame {
  /** What a cell's value is, with its unit (shown under the plot). */
  valueLabel: string;
  /** Label of the rows' and columns' names (e.g. 'dataset'). */
  axisLabel?: string;
}

interface Cell {
  row: string;
  col: string;
  v: number | null;
  t: number;
}

/** A square or rectangular matrix as a heat map with value labels; null entries are left blank ('—'). */
export function heatmapChart(o: HeatmapOptions, rows: string[], matrix: (number | null)[][], cols: string[] = rows): string {
  let hi = 0;
  let lo = Infinity;
  for (const r of matrix) for (const v of r) if (v !== null && Number.isFinite(v)) (hi = Math.max(hi, v)), (lo = Math.min(lo, v));
  if (!Number.isFinite(lo)) lo = 0;
  const lo0 = Math.min(0, lo);
  const cells: Cell[] = [];
  rows.forEach((row, i) => cols.forEach((col, j) => {
    const v = matrix[i]?.[j] ?? null;
    cells.push({ row, col, v: v !== null && Number.isFinite(v) ? v : null, t: v !== null && hi > lo0 ? (v - lo0) / (hi - lo0) : 0 });
  }));
  const longest = Math.max(...rows.map((r) => textWidth(r)), 20);
  const colLongest = Math.max(...cols.map((c) => textWidth(c)), 20);
  const cellSize = Math.max(44, Math.min(72, Math.floor(560 / Math.max(cols.length, 1))));
  const rotate = colLongest > cellSize - 6;
  // room for the row names (textWidth is an estimate: keep a few px to spare)
  const marginLeft = Math.min(220, longest + 22);
  const marginBottom = (rotate ? Math.min(160, Math.ceil(colLongest * 0.72) + 24) : 30) + 20;
  const xLabel = `${o.valueLabel}${o.axisLabel ? ` between ${o.axisLabel}s` : ''}`;
  const width = o.width ?? Math.max(marginLeft + cellSize * cols.length + 16, textWidth(xLabel) + marginLeft + 24);
  const height = o.height ?? 24 + cellSize * rows.length + marginBottom;
  return renderPlot(
    {
      width,
      height,
      marginLeft,
      marginBottom,
      marginRight: 16,
      x: { domain: cols, label: xLabel, labelAnchor: 'center', labelArrow: 'none', ...(rotate ? { tickRotate: -35 } : {}), tickSize: 0 },
      y: { domain: rows, label: null, tickSize: 0 },
      color: { type: 'linear', scheme: SEQUENTIAL_SCHEME, domain: [lo0, hi > lo0 ? hi : lo0 + 1] },
      marks: [
        Plot.cell(cells.filter((c) => c.v !== null), { x: 'col', y: 'row', fill: 'v', inset: 1 }),
        Plot.cell(cells.filter((c) => c.v === null), { x: 'col', y: 'row', fill: 'currentColor', fillOpacity: 0.08, inset: 1 }),
        // value labels: black on the light end of the scheme, white on the dark end
        Plot.text(cells.filter((c) => c.v === null), { x: 'col', y: 'row', text: () => '—', fill: 'currentColor' }),
        Plot.text(cells.filter((c) => c.v !== null && c.t > 0.6), { x: 'col', y: 'row', text: (c: Cell) => fmtNumber(c.v), fill: 'black' }),
        Plot.text(cells.filter((c) => c.v !== null && c.t <= 0.6), { x: 'col', y: 'row', text: (c: Cell) => fmtNumber(c.v), fill: 'white' }),
      ],
    },
    { ...o, width, height },
  );
}
