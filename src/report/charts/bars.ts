/**
 * Grouped bar charts: for each category (a class, say) one bar per series side by side, e.g. the class shares of
 * generated samples against the data's.
 */
import { axisLabel, type ChartFrame, type LegendItem, Plot, renderPlot } from './plot.js';
import { seriesColor } from './theme.js';

export interface BarSeries {
  name: string;
  /** One value per category (same order as `categories`). */
  values: number[];
  color?: string;
}

export interface BarChartOptions extends ChartFrame {
  xLabel: string;
  yLabel: string;
  /** Category names along x. */
  categories: string[];
  /** Format of the y tick labels (a d3-format string, e.g. '%' for shares). */
  yFormat?: string;
}

/** Bars of every series per category, side by side; the legend names the series. */
export function barChart(o: BarChartOptions, series: BarSeries[]): string {
  const colors = series.map((s, i) => s.color ?? seriesColor(i));
  const rows = series.flatMap((s, i) => s.values.map((v, c) => ({ category: o.categories[c] ?? String(c), series: s.name, value: Number.isFinite(v) ? v : 0, color: colors[i]! })));
  const legend: LegendItem[] = series.map((s, i) => ({ label: s.name, color: colors[i]!, symbol: 'box' as const }));
  return renderPlot(
    {
      marginBottom: 44,
      marginRight: 16,
      fx: { ...axisLabel(o.xLabel), domain: o.categories, padding: 0.15 },
      x: { axis: null, domain: series.map((s) => s.name), padding: 0.05 },
      y: { ...axisLabel(o.yLabel), nice: true, grid: true, ...(o.yFormat ? { tickFormat: o.yFormat } : {}) },
      marks: [Plot.barY(rows, { fx: 'category', x: 'series', y: 'value', fill: 'color', fillOpacity: 0.85 }), Plot.ruleY([0], { stroke: 'currentColor', strokeOpacity: 0.5 })],
    },
    { ...o, legend },
  );
}
