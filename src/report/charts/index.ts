/**
 * Chart modules, one per kind of chart, all drawn with Observable Plot (./plot.ts) into the chart document
 * (./dom.ts): browser-safe, the same bytes for the same data, in Node and in the browser.
 */
export { setChartDocument, chartDocument } from './dom.js';
export { renderPlot, minMax, type ChartFrame, type LegendItem } from './plot.js';
export { PALETTE, PAIR, seriesColor, fmtNumber, escapeXml, SEQUENTIAL_SCHEME } from './theme.js';
export { lineChart, type LineSeries, type LineChartOptions } from './line.js';
export { boxChart, type BoxSummary, type BoxGroup, type BoxChartOptions } from './box.js';
export { heatmapChart, type HeatmapOptions } from './heatmap.js';
export { pathChart, LABEL_COLORS, type Path, type PathFamily, type PathChartOptions, type LabelledPoint } from './paths.js';
export { scatterChart, paddedExtent, type ScatterPoint, type ScatterChartOptions } from './scatter.js';
export { imageStripChart, pngSize, base64, type ImageStripOptions } from './image-strip.js';
export { barChart, type BarSeries, type BarChartOptions } from './bars.js';
export { planeChart, type PlanePoint, type PlaneChartOptions } from './latent.js';
