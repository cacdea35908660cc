/**
 * Minimal, dependency-free SVG charts for probe results (line charts, box plots, 2-D path fields).
 * Pure string builders: the same data gives the same SVG, in Node and in the browser.
 */

export interface Series {
  name: string;
  points: [number, number][];
  /** Draw markers only (no line). */
  scatter?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const M = { left: 64, right: 16, top: 36, bottom: 48 };

export function color(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : Number(v.toPrecision(3)).toString());

/** About five round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  parts: string[];
  close(): string;
}

function frame(o: ChartOptions, xr: [number, number], yr: [number, number], xTickLabels?: Map<number, string>): Frame {
  const W = o.width ?? 560;
  const H = o.height ?? 340;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const pad = (r: [number, number]): [number, number] => (r[1] > r[0] ? [r[0], r[1]] : [r[0] - 1, r[0] + 1]);
  const [x0, x1] = pad(xr);
  const [y0, y1] = pad(yr);
  const x = (v: number): number => M.left + ((v - x0) / (x1 - x0)) * pw;
  const y = (v: number): number => M.top + ph - ((v - y0) / (y1 - y0)) * ph;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
  ];
  const xt = xTickLabels ? [...xTickLabels.keys()] : ticks(x0, x1);
  for (const t of xt) {
    parts.push(`<line x1="${x(t)}" y1="${M.top + ph}" x2="${x(t)}" y2="${M.top + ph + 4}" stroke="#999"/>`);
    parts.push(`<text x="${x(t)}" y="${M.top + ph + 16}" text-anchor="middle">${esc(xTickLabels?.get(t) ?? fmt(t))}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${M.left}" y1="${y(t)}" x2="${M.left + pw}" y2="${y(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  return { x, y, parts, close: () => parts.join('\n') + '\n</svg>\n' };
}

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

/** [min, max] of the finite values, widened by 5% on each side so marks never sit on the frame. */
function extent(vs: number[]): [number, number] {
  const [lo, hi] = minMax(vs);
  if (lo > hi) return [0, 1];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

function legend(f: Frame, names: string[], x0: number): void {
  names.forEach((n, i) => {
    f.parts.push(`<rect x="${x0}" y="${M.top + 6 + i * 14}" width="10" height="10" fill="${color(i)}"/>`);
    f.parts.push(`<text x="${x0 + 14}" y="${M.top + 15 + i * 14}">${esc(n)}</text>`);
  });
}

/** Line (or scatter) chart of one or more series. */
export function lineChart(o: ChartOptions, series: Series[]): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const f = frame(o, extent(xs), extent(ys));
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (!s.scatter && pts.length > 1) f.parts.push(`<polyline fill="none" stroke="${color(i)}" stroke-width="1.8" points="${pts.map((p) => `${f.x(p[0]).toFixed(1)},${f.y(p[1]).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) f.parts.push(`<circle cx="${f.x(p[0]).toFixed(1)}" cy="${f.y(p[1]).toFixed(1)}" r="2.6" fill="${color(i)}"/>`);
  });
  if (series.length > 1 || series[0]?.name) legend(f, series.map((s) => s.name), (o.width ?? 560) - M.right - 150);
  return f.close();
}

export interface BoxSummary {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

/** Grouped box plots: for each position k (x axis), one box per group. */
export function boxChart(o: ChartOptions, groups: { name: string; boxes: (BoxSummary | undefined)[] }[]): string {
  const K = Math.max(...groups.map((g) => g.boxes.length), 1);
  const vals = groups.flatMap((g) => g.boxes.flatMap((b) => (b ? [b.min, b.max] : [])));
  const labels = new Map(Array.from({ length: K }, (_, k) => [k + 1, String(k + 1)]));
  const f = frame(o, [0.5, K + 0.5], extent(vals), labels);
  const slot = (f.x(2) - f.x(1)) * 0.8;
  const bw = slot / Math.max(1, groups.length);
  groups.forEach((g, gi) => {
    g.boxes.forEach((b, k) => {
      if (!b) return;
      const cx = f.x(k + 1) - slot / 2 + bw * (gi + 0.5);
      const c = color(gi);
      f.parts.push(`<line x1="${cx}" y1="${f.y(b.min)}" x2="${cx}" y2="${f.y(b.max)}" stroke="${c}"/>`);
      f.parts.push(`<rect x="${cx - bw * 0.35}" y="${f.y(b.q3)}" width="${bw * 0.7}" height="${Math.max(1, f.y(b.q1) - f.y(b.q3))}" fill="${c}" fill-opacity="0.35" stroke="${c}"/>`);
      f.parts.push(`<line x1="${cx - bw * 0.35}" y1="${f.y(b.median)}" x2="${cx + bw * 0.35}" y2="${f.y(b.median)}" stroke="${c}" stroke-width="2"/>`);
    });
  });
  legend(f, groups.map((g) => g.name), (o.width ?? 560) - M.right - 150);
  return f.close();
}

/** Paths in the plane (e.g. foliation leaves), coloured by group, over optional labelled points. */
export function pathChart(o: ChartOptions, paths: { group: number; points: [number, number][] }[], points: { x: number; y: number; label: number }[] = []): string {
  const xs = [...paths.flatMap((p) => p.points.map((q) => q[0])), ...points.map((p) => p.x)];
  const ys = [...paths.flatMap((p) => p.points.map((q) => q[1])), ...points.map((p) => p.y)];
  const f = frame(o, extent(xs), extent(ys));
  for (const p of points) f.parts.push(`<circle cx="${f.x(p.x).toFixed(1)}" cy="${f.y(p.y).toFixed(1)}" r="1.8" fill="${color(p.label)}" fill-opacity="0.5"/>`);
  for (const p of paths) {
    if (p.points.length > 1) f.parts.push(`<polyline fill="none" stroke="${p.group === 0 ? '#222' : '#d62728'}" stroke-width="1" stroke-opacity="0.8" points="${p.points.map((q) => `${f.x(q[0]).toFixed(1)},${f.y(q[1]).toFixed(1)}`).join(' ')}"/>`);
  }
  return f.close();
}
