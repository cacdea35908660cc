/**
 * Box plots from five-number summaries (min, q1, median, q3, max) at positions k: one box per k, or, for several
 * groups (datasets, runs), the groups' boxes side by side within each k.
 */
import { axisLabel, type ChartFrame, Plot, renderPlot } from './plot.js';
import { seriesColor } from './theme.js';

export interface BoxSummary {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

export interface BoxGroup {
  name: string;
  /** boxes[k − 1] is the box at position k (undefined: no box there). */
  boxes: (BoxSummary | undefined)[];
}

export interface BoxChartOptions extends ChartFrame {
  xLabel: string;
  yLabel: string;
}

interface Row extends BoxSummary {
  k: number;
  group: string;
}

/** Grouped box plots: whisker min–max, box q1–q3, a thick median tick. */
export function boxChart(o: BoxChartOptions, groups: BoxGroup[]): string {
  const rows: Row[] = [];
  groups.forEach((g) => g.boxes.forEach((b, i) => b && [b.min, b.q1, b.median, b.q3, b.max].every(Number.isFinite) && rows.push({ ...b, k: i + 1, group: g.name })));
  const K = Math.max(1, ...groups.map((g) => g.boxes.length));
  const names = groups.map((g) => g.name);
  const colors = names.map((_, i) => seriesColor(i));
  const many = groups.length > 1;
  // position on the x axis: k alone, or k with the groups side by side (facets over k)
  const pos = many ? { fx: 'k', x: 'group' } : { x: 'k' };
  const stroke = many ? 'group' : colors[0]!;
  const kTicks = K > 24 ? Array.from({ length: K }, (_, i) => i + 1).filter((k) => k === 1 || k % Math.ceil(K / 12) === 0) : undefined;
  const width = o.width ?? Math.min(1100, Math.max(480, (many ? 10 * groups.length + 14 : 28) * K + 120));
  return renderPlot(
    {
      width,
      marginBottom: 44,
      marginRight: 16,
      ...(many
        ? {
            fx: { ...axisLabel(o.xLabel), axis: 'bottom', padding: 0.15, domain: Array.from({ length: K }, (_, i) => i + 1), ...(kTicks ? { ticks: kTicks } : {}) },
            x: { axis: null, domain: names, paddingInner: 0.2, paddingOuter: 0.1 },
            color: { domain: names, range: colors },
          }
        : { x: { ...axisLabel(o.xLabel), type: 'band', domain: Array.from({ length: K }, (_, i) => i + 1), padding: 0.35, ...(kTicks ? { ticks: kTicks } : {}) } }),
      y: { ...axisLabel(o.yLabel), nice: true, grid: true },
      marks: [
        Plot.ruleX(rows, { ...pos, y1: 'min', y2: 'max', stroke, strokeWidth: 1.5 }),
        Plot.barY(rows, { ...pos, y1: 'q1', y2: 'q3', fill: stroke, fillOpacity: 0.35, stroke, strokeWidth: 1.2 }),
        Plot.tickY(rows, { ...pos, y: 'median', stroke, strokeWidth: 2.5 }),
      ],
    },
    { ...o, width, legend: many ? names.map((n, i) => ({ label: n, color: colors[i]!, symbol: 'box' as const })) : [] },
  );
}
