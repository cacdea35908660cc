/**
 * Line charts: one or more series of (x, y) points drawn as lines, dots or both, with optional dashed straight
 * lines (a least-squares fit) and horizontal reference rules. The law-of-data-separation plots are built on it.
 */
import { axisLabel, type ChartFrame, type LegendItem, Plot, renderPlot } from './plot.js';
import { fmtNumber, seriesColor } from './theme.js';

export interface LineSeries {
  name: string;
  points: [number, number][];
  /** 'line+dots' (default), 'line', 'dots', or 'dash' (a dashed line without dots, e.g. a fitted line). */
  style?: 'line+dots' | 'line' | 'dots' | 'dash';
  /** Default: the palette colour of the series' position. */
  color?: string;
  /** Leave the series out of the legend (e.g. the second and later of many lines that share a colour). */
  hideInLegend?: boolean;
  /** Line width in px (default 2.2). */
  strokeWidth?: number;
  /** Line opacity (default 1). */
  opacity?: number;
}

export interface LineChartOptions extends ChartFrame {
  xLabel: string;
  yLabel: string;
  /** Integer x positions (layers, epochs): ticks on integers only. */
  integerX?: boolean;
  /** Horizontal reference lines, e.g. a threshold. */
  rules?: { y: number; label: string }[];
  /** Vertical reference lines at these x (e.g. the steps where a schedule changed), named once in the legend. */
  rulesX?: { x: number[]; label: string };
  /** 'log': a logarithmic y axis (non-positive values are left out). Default 'linear'. */
  yType?: 'linear' | 'log';
  /** Leave out the legend (one unnamed series). Default: a legend when any series has a name. */
  legend?: boolean;
}

interface Row {
  x: number;
  y: number;
  s: number;
}

/** Line chart of the series (non-finite points are left out; a gap does not join its neighbours). */
export function lineChart(o: LineChartOptions, series: LineSeries[]): string {
  const colors = series.map((s, i) => s.color ?? seriesColor(i));
  const marks: Plot.Markish[] = [Plot.gridY({ strokeOpacity: 0.12 }), Plot.gridX({ strokeOpacity: 0.06 })];
  if (o.rulesX?.x.length) marks.push(Plot.ruleX(o.rulesX.x, { stroke: 'currentColor', strokeOpacity: 0.35, strokeWidth: 1 }));
  for (const r of o.rules ?? []) marks.push(Plot.ruleY([r.y], { stroke: 'currentColor', strokeOpacity: 0.6, strokeWidth: 1.5, strokeDasharray: '2,3' }));
  series.forEach((s, i) => {
    const rows: Row[] = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (o.yType !== 'log' || p[1] > 0)).map((p) => ({ x: p[0], y: p[1], s: i }));
    const style = s.style ?? 'line+dots';
    if (style !== 'dots' && rows.length > 1) {
      marks.push(Plot.line(rows, { x: 'x', y: 'y', stroke: colors[i], strokeWidth: s.strokeWidth ?? (style === 'dash' ? 2 : 2.2), strokeOpacity: s.opacity ?? 1, ...(style === 'dash' ? { strokeDasharray: '6,4' } : {}) }));
    }
    if (style === 'dots' || style === 'line+dots') marks.push(Plot.dot(rows, { x: 'x', y: 'y', fill: colors[i], r: 3.5, stroke: 'white', strokeWidth: 0.8 }));
  });
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).filter(Number.isFinite);
  let ticks: number[] | undefined;
  if (o.integerX && xs.length) {
    let a = Infinity;
    let b = -Infinity;
    for (const v of xs) {
      if (v < a) a = v;
      if (v > b) b = v;
    }
    const span = b - a;
    const step = Math.max(1, [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000].find((s) => span / s <= 12) ?? Math.ceil(span / 12));
    ticks = [];
    for (let v = Math.ceil(a / step) * step; v <= b; v += step) ticks.push(v);
  }
  const legend: LegendItem[] = (o.legend ?? series.some((s) => s.name))
    ? series.flatMap((s, i) => (s.hideInLegend ? [] : [{ label: s.name, color: colors[i]!, symbol: s.style === 'dash' ? ('dash' as const) : s.style === 'dots' ? ('dot' as const) : ('line' as const) }]))
    : [];
  // reference lines are named in the legend (a label on the plot would sit on the data near the line)
  for (const r of o.rules ?? []) legend.push({ label: r.label, color: 'currentColor', symbol: 'dotted' });
  if (o.rulesX?.x.length) legend.push({ label: o.rulesX.label, color: 'currentColor', symbol: 'line' });
  return renderPlot(
    {
      marginBottom: 44,
      marginRight: 24,
      x: { ...axisLabel(o.xLabel), ...(ticks ? { ticks, tickFormat: 'd' } : {}), nice: !o.integerX, inset: 8 },
      y: { ...axisLabel(o.yLabel), nice: true, inset: 6, ...(o.yType === 'log' ? { type: 'log' as const, tickFormat: (v: number) => fmtNumber(v, 1) } : {}) },
      marks,
    },
    { ...o, legend },
  );
}
