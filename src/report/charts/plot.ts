/**
 * The one way charts are drawn: Observable Plot (`@observablehq/plot`) renders marks to an SVG element in the chart
 * document (./dom.ts), and this module adds what every chart shares — a legend and, for stand-alone files, a title and
 * a white background — then serialises it. The same data give the same bytes: Plot's counters for clip-path and
 * marker ids are renamed after the chart's own id, and coordinates are rounded to 0.01 px.
 */
import * as Plot from '@observablehq/plot';
import { chartDocument } from './dom.js';
import { CHART_WIDTH, FONT_SIZE, textWidth } from './theme.js';

export { Plot };

/** A scale's axis label, centred along the axis without Plot's arrow (every chart's axes). */
export function axisLabel(label: string): { label: string; labelAnchor: 'center'; labelArrow: 'none' } {
  return { label, labelAnchor: 'center', labelArrow: 'none' };
}

/** One entry of a chart's legend: a swatch (line, dashed line, dot or box) and its label. */
export interface LegendItem {
  label: string;
  color: string;
  symbol?: 'line' | 'dash' | 'dotted' | 'dot' | 'box';
}

/** What every chart takes besides its data. */
export interface ChartFrame {
  /**
   * Prefix of the ids inside the SVG (letters, digits, '-'), so that several charts on one page never share an id.
   * Default 'chart'.
   */
  id?: string;
  /** Title: drawn inside the SVG for stand-alone files; the report shows it as the figure's caption instead. */
  title?: string;
  /** A stand-alone SVG file (title inside, white background); false for SVG inlined in HTML. Default true. */
  standalone?: boolean;
  /** Width in px (the SVG scales down to its container). */
  width?: number;
  /** Height in px. */
  height?: number;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const LEGEND_ROW = 18;
const TITLE_ROW = 24;

/** [min, max] of the finite values ([Infinity, −Infinity] when there are none); a loop, so any length works. */
export function minMax(vs: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Legend items laid out left to right from x = left, wrapping before `maxWidth`: [row, x] per item. */
function legendLayout(items: LegendItem[], left: number, maxWidth: number): { pos: [number, number][]; rows: number } {
  const pos: [number, number][] = [];
  let row = 0;
  let x = left;
  for (const it of items) {
    const w = 22 + textWidth(it.label) + 16;
    if (x > left && x + w > maxWidth) {
      row++;
      x = left;
    }
    pos.push([row, x]);
    x += w;
  }
  return { pos, rows: items.length ? row + 1 : 0 };
}

function el(doc: Document, name: string, attrs: Record<string, string | number>): Element {
  const e = doc.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function text(doc: Document, content: string, attrs: Record<string, string | number>): Element {
  const t = el(doc, 'text', attrs);
  t.textContent = content;
  return t;
}

/** Rename Plot's global-counter ids (plot-clip-7, plot-marker-3, …) after the chart id, in order of appearance. */
function normaliseIds(svg: string, id: string): string {
  const map = new Map<string, string>();
  return svg.replace(/plot-(clip|pattern|marker)-\d+/g, (m, kind: string) => {
    let v = map.get(m);
    if (!v) map.set(m, (v = `${id}-${kind}-${map.size + 1}`));
    return v;
  });
}

/** Round the numbers of geometry attributes to 0.01 (Plot writes 244.99999999999997). */
function roundGeometry(svg: string): string {
  return svg.replace(/ (d|transform|x|y|x1|x2|y1|y2|cx|cy|r|width|height|points)="([^"]*)"/g, (_, k: string, v: string) => ` ${k}="${v.replace(/-?\d+\.\d{3,}(?:e-?\d+)?/g, (n) => String(Math.round(Number(n) * 100) / 100))}"`);
}

/**
 * Render Plot options (marks, scales, margins) with the shared frame: the legend above the plot area, the title
 * for stand-alone files. Returns the SVG text. `options.width`/`height` default to the frame's.
 */
export function renderPlot(options: Plot.PlotOptions, frame: ChartFrame & { legend?: LegendItem[] }): string {
  const doc = chartDocument();
  const standalone = frame.standalone ?? true;
  const width = options.width ?? frame.width ?? CHART_WIDTH;
  const marginLeft = options.marginLeft ?? 72;
  const legend = frame.legend ?? [];
  const layout = legendLayout(legend, marginLeft, width - 8);
  const extraTop = (standalone && frame.title ? TITLE_ROW : 0) + layout.rows * LEGEND_ROW;
  const marginTop = (options.marginTop ?? 24) + extraTop;
  const height = (options.height ?? frame.height ?? 340) + extraTop;
  const svg = Plot.plot({
    style: { fontSize: `${FONT_SIZE}px`, fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif', overflow: 'visible' },
    className: 'geolens-chart',
    ...options,
    width,
    height,
    marginLeft,
    marginTop,
    document: doc,
  }) as unknown as Element;
  svg.setAttribute('xmlns', SVG_NS);
  svg.setAttribute('role', 'img');
  if (frame.title) svg.setAttribute('aria-label', frame.title);
  const first = svg.firstChild;
  const top = standalone && frame.title ? TITLE_ROW : 0;
  if (standalone) {
    svg.insertBefore(el(doc, 'rect', { width: '100%', height: '100%', fill: 'white' }), first);
    if (frame.title) svg.appendChild(text(doc, frame.title, { x: 8, y: 18, 'font-size': FONT_SIZE + 2, 'font-weight': 'bold', 'text-anchor': 'start' }));
  }
  if (legend.length) {
    const g = el(doc, 'g', { 'aria-label': 'legend', 'text-anchor': 'start' });
    legend.forEach((it, i) => {
      const [row, x] = layout.pos[i]!;
      const y = top + 8 + row * LEGEND_ROW + LEGEND_ROW / 2;
      const sym = it.symbol ?? 'line';
      if (sym === 'dot') g.appendChild(el(doc, 'rect', { x: x + 6, y: y - 4, width: 8, height: 8, rx: 4, fill: it.color }));
      else if (sym === 'box') g.appendChild(el(doc, 'rect', { x: x + 3, y: y - 6, width: 14, height: 12, fill: it.color, 'fill-opacity': 0.35, stroke: it.color }));
      else g.appendChild(el(doc, 'line', { x1: x, x2: x + 18, y1: y, y2: y, stroke: it.color, 'stroke-width': sym === 'dotted' ? 1.5 : 2.5, ...(sym === 'dash' ? { 'stroke-dasharray': '5,3' } : sym === 'dotted' ? { 'stroke-dasharray': '2,3' } : {}) }));
      g.appendChild(text(doc, it.label, { x: x + 22, y, dy: '0.35em', fill: 'currentColor' }));
    });
    svg.appendChild(g);
  }
  return roundGeometry(normaliseIds(svg.outerHTML, frame.id ?? 'chart')) + (standalone ? '\n' : '');
}

/** The extent of a plane chart's plotting area: x and y domains, the SVG width and the plot's height in pixels. */
export interface PlaneFrame {
  x: [number, number];
  y: [number, number];
  width: number;
  plotHeight: number;
  marginLeft?: number;
  xLabel: string;
  yLabel: string;
}

/** A chart on a plane with fixed x/y domains (scatter, paths, latent codes): the shared margins and axes around `marks`. */
export function renderPlane(marks: Plot.Markish[], plane: PlaneFrame, frame: ChartFrame & { legend?: LegendItem[] }): string {
  return renderPlot(
    {
      width: plane.width,
      height: plane.plotHeight + 24 + 44,
      marginLeft: plane.marginLeft ?? 72,
      marginRight: 20,
      marginBottom: 44,
      x: { domain: plane.x, ...axisLabel(plane.xLabel) },
      y: { domain: plane.y, ...axisLabel(plane.yLabel) },
      marks,
    },
    frame,
  );
}
