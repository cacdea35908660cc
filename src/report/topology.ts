/**
 * Plots of the metric-topology result (SVG text): a heat map of the distance matrix, the classical-MDS embedding of
 * the quotient, and the probabilistic distance against the parameter distance. The heat map and the labelled
 * equal-aspect scatter are primitives of this file (svg.ts holds the shared line/box/path charts).
 */
import type { TopologyResult } from '../probes/topology/types.js';
import { color, lineChart, minMax, ticks } from './svg.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : Number(v.toPrecision(3)).toString());
const px = (v: number): string => v.toFixed(1);
/** Width of a label in pixels at font size 11 (an estimate: no text metrics in a string builder). */
const textWidth = (s: string): number => [...s].length * 6.2;
/** Width of a title (font size 13, bold). */
const titleWidth = (s: string): number => [...s].length * 7.9;

/** Viridis at 9 stops (matplotlib's colormap), interpolated linearly in RGB. */
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

/** The colour of t ∈ [0, 1] on the viridis scale (clamped). */
export function viridis(t: number): string {
  const u = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  const ch = (s: string, k: number): number => parseInt(s.slice(1 + 2 * k, 3 + 2 * k), 16);
  const mix = [0, 1, 2].map((k) => Math.round(ch(a, k) + f * (ch(b, k) - ch(a, k))));
  return '#' + mix.map((v) => v.toString(16).padStart(2, '0')).join('');
}

export interface HeatMapOptions {
  title: string;
  /** Caption under the title (e.g. what outlines mean). */
  subtitle?: string;
  /** Label of the colour bar. */
  valueLabel: string;
  /** Colour range (default [0, the largest finite value], or [0, 1] when all are 0). */
  range?: [number, number];
  /** Outline the cells where this is true (e.g. interval contains 0). */
  outline?: (i: number, j: number) => boolean;
  /** Write the values into the cells when they are at least this wide in pixels (default 30). */
  valuesFrom?: number;
}

/** A heat map of a square matrix (rows top to bottom, columns left to right) with row and column labels. */
export function heatMap(o: HeatMapOptions, labels: readonly string[], matrix: readonly (readonly number[])[]): string {
  const n = labels.length;
  const cell = Math.max(6, Math.min(48, Math.floor(480 / Math.max(1, n))));
  const labelW = Math.min(180, Math.max(24, ...labels.map(textWidth))) + 8;
  const top = 48 + (o.subtitle ? 14 : 0) + Math.min(130, Math.max(24, ...labels.map(textWidth)) * 0.72) + 8;
  const left = labelW + 8;
  const grid = n * cell;
  const barX = left + grid + 24;
  const W = Math.max(barX + 90, 360, titleWidth(o.title) + 24, textWidth(o.subtitle ?? '') + 24);
  const H = top + grid + 24;
  const all = matrix.flat();
  const [lo0, hi0] = minMax(all);
  const range: [number, number] = o.range ?? [Math.min(0, lo0 > hi0 ? 0 : lo0), hi0 > 0 ? hi0 : 1];
  const t = (v: number): number => (v - range[0]) / (range[1] - range[0] || 1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`,
  ];
  if (o.subtitle) parts.push(`<text x="${W / 2}" y="36" text-anchor="middle" fill="#444">${esc(o.subtitle)}</text>`);
  // the grid and its colour bar, centred when the title makes the picture wider
  parts.push(`<g transform="translate(${px((W - Math.max(barX + 90, 360)) / 2)} 0)">`);
  const showValues = cell >= (o.valuesFrom ?? 30);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = matrix[i]![j]!;
      const x = left + j * cell;
      const y = top + i * cell;
      const fill = Number.isFinite(v) ? viridis(t(v)) : '#cccccc';
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}"><title>${esc(`${labels[i]} – ${labels[j]}: ${Number.isFinite(v) ? v.toPrecision(4) : 'n/a'}`)}</title></rect>`);
      if (o.outline?.(i, j)) parts.push(`<rect x="${x + 1}" y="${y + 1}" width="${cell - 2}" height="${cell - 2}" fill="none" stroke="#e8e8e8" stroke-width="1.5" stroke-dasharray="3 2"/>`);
      if (showValues && Number.isFinite(v)) {
        const dark = t(v) < 0.6;
        parts.push(`<text x="${px(x + cell / 2)}" y="${px(y + cell / 2 + 4)}" text-anchor="middle" font-size="${cell >= 40 ? 10 : 8}" fill="${dark ? 'white' : 'black'}">${v === 0 ? '0' : v.toFixed(3).replace(/^0\./, '.')}</text>`);
      }
    }
  }
  parts.push(`<rect x="${left}" y="${top}" width="${grid}" height="${grid}" fill="none" stroke="#999"/>`);
  const fontSize = cell < 11 ? Math.max(6, cell - 1) : 11;
  const every = Math.max(1, Math.ceil(7 / cell));
  labels.forEach((l, i) => {
    if (i % every !== 0) return;
    const c = left + i * cell + cell / 2;
    parts.push(`<text x="${left - 6}" y="${px(top + i * cell + cell / 2 + fontSize / 3)}" text-anchor="end" font-size="${fontSize}">${esc(l)}</text>`);
    parts.push(`<text transform="translate(${px(c + fontSize / 3)} ${top - 6}) rotate(-45)" font-size="${fontSize}">${esc(l)}</text>`);
  });
  // colour bar
  const steps = 40;
  for (let s = 0; s < steps; s++) {
    const y = top + grid - ((s + 1) * grid) / steps;
    parts.push(`<rect x="${barX}" y="${px(y)}" width="14" height="${px(grid / steps + 0.5)}" fill="${viridis((s + 0.5) / steps)}"/>`);
  }
  parts.push(`<rect x="${barX}" y="${top}" width="14" height="${grid}" fill="none" stroke="#999"/>`);
  for (const v of ticks(range[0], range[1], 4)) {
    const y = top + grid - t(v) * grid;
    parts.push(`<line x1="${barX + 14}" y1="${px(y)}" x2="${barX + 18}" y2="${px(y)}" stroke="#999"/>`);
    parts.push(`<text x="${barX + 21}" y="${px(y + 4)}">${fmt(v)}</text>`);
  }
  parts.push(`<text transform="translate(${barX + 72} ${top + grid / 2}) rotate(90)" text-anchor="middle">${esc(o.valueLabel)}</text>`);
  parts.push('</g>');
  return parts.join('\n') + '\n</svg>\n';
}

export interface ScatterPoint {
  x: number;
  y: number;
  /** Text next to the point. */
  label: string;
  /** Colour group (legend entry). */
  group: number;
}

export interface LabelledScatterOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Legend entries by group (default: none). */
  groups?: string[];
  width?: number;
  height?: number;
}

/** A scatter of labelled points with one scale for both axes (distances in the plane are true to the data). */
export function labelledScatter(o: LabelledScatterOptions, points: readonly ScatterPoint[]): string {
  const W = Math.max(o.width ?? 560, titleWidth(o.title) + 24);
  const H = o.height ?? 460;
  const M = { left: 64, right: 16 + (o.groups?.length ? 150 : 0), top: 36, bottom: 48 };
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const [x0, x1] = minMax(points.map((p) => p.x));
  const [y0, y1] = minMax(points.map((p) => p.y));
  const cx = x0 <= x1 ? (x0 + x1) / 2 : 0;
  const cy = y0 <= y1 ? (y0 + y1) / 2 : 0;
  const span = Math.max(x0 <= x1 ? x1 - x0 : 0, y0 <= y1 ? y1 - y0 : 0);
  // one scale (pixels per unit) on both axes with a 12% margin; ±1 around the point when every point coincides
  const scale = span > 0 ? Math.min(pw, ph) / (span * 1.24) : Math.min(pw, ph) / 2;
  const xr: [number, number] = [cx - pw / 2 / scale, cx + pw / 2 / scale];
  const yr: [number, number] = [cy - ph / 2 / scale, cy + ph / 2 / scale];
  const X = (v: number): number => M.left + ((v - xr[0]) / (xr[1] - xr[0])) * pw;
  const Y = (v: number): number => M.top + ph - ((v - yr[0]) / (yr[1] - yr[0])) * ph;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
  ];
  for (const t of ticks(xr[0], xr[1])) {
    parts.push(`<line x1="${px(X(t))}" y1="${M.top}" x2="${px(X(t))}" y2="${M.top + ph}" stroke="#f0f0f0"/>`);
    parts.push(`<line x1="${px(X(t))}" y1="${M.top + ph}" x2="${px(X(t))}" y2="${M.top + ph + 4}" stroke="#999"/>`);
    parts.push(`<text x="${px(X(t))}" y="${M.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(yr[0], yr[1])) {
    parts.push(`<line x1="${M.left}" y1="${px(Y(t))}" x2="${M.left + pw}" y2="${px(Y(t))}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${M.left - 6}" y="${px(Y(t) + 4)}" text-anchor="end">${fmt(t)}</text>`);
  }
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  // points at one position share one label
  const at = new Map<string, ScatterPoint[]>();
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const key = `${px(X(p.x))},${px(Y(p.y))}`;
    at.set(key, [...(at.get(key) ?? []), p]);
  }
  // labels: the first of a few candidate places (right, left, above, below, then farther out with a leader line)
  // that overlaps neither another label nor a point, in order of the points
  type Box = [number, number, number, number];
  const taken: Box[] = [];
  const hits = (b: Box): boolean => taken.some((t) => b[0] < t[2] && t[0] < b[2] && b[1] < t[3] && t[1] < b[3]);
  const inside = (b: Box): boolean => b[0] >= M.left && b[2] <= M.left + pw && b[1] >= M.top && b[3] <= M.top + ph;
  const groupsAt = [...at.values()];
  for (const ps of groupsAt) taken.push([X(ps[0]!.x) - 4, Y(ps[0]!.y) - 4, X(ps[0]!.x) + 4, Y(ps[0]!.y) + 4]);
  for (const ps of groupsAt) {
    const p = ps[0]!;
    parts.push(`<circle cx="${px(X(p.x))}" cy="${px(Y(p.y))}" r="${ps.length > 1 ? 5 : 4}" fill="${color(p.group)}" fill-opacity="0.85" stroke="white"/>`);
  }
  for (const ps of groupsAt) {
    const p = ps[0]!;
    const text = ps.length > 4 ? `${ps[0]!.label}, …, ${ps[ps.length - 1]!.label} (${ps.length})` : ps.map((q) => q.label).join(', ');
    const w = textWidth(text);
    const h = 11;
    const x = X(p.x);
    const y = Y(p.y);
    let chosen: { box: Box; far: boolean } | undefined;
    for (const r of [1, 2, 3, 4, 5]) {
      const d = 6 + (r - 1) * 12;
      const cands: Box[] = [
        [x + d, y - d - h / 2 + 2, x + d + w, y - d + h / 2 + 2],
        [x + d, y + d - h / 2, x + d + w, y + d + h / 2],
        [x - d - w, y - d - h / 2 + 2, x - d, y - d + h / 2 + 2],
        [x - d - w, y + d - h / 2, x - d, y + d + h / 2],
        [x - w / 2, y - d - h - 2, x + w / 2, y - d - 2],
        [x - w / 2, y + d + 2, x + w / 2, y + d + h + 2],
      ];
      const ok = cands.find((b) => inside(b) && !hits(b));
      if (ok) {
        chosen = { box: ok, far: r > 1 };
        break;
      }
    }
    chosen ??= { box: [x + 6, y - 10, x + 6 + w, y + 1], far: false };
    const b = chosen.box;
    taken.push(b);
    if (chosen.far) {
      const lx = Math.max(b[0], Math.min(b[2], x));
      const ly = Math.max(b[1], Math.min(b[3], y));
      parts.push(`<line x1="${px(x)}" y1="${px(y)}" x2="${px(lx)}" y2="${px(ly)}" stroke="#aaa" stroke-width="0.8"/>`);
    }
    parts.push(`<text x="${px(b[0])}" y="${px(b[3] - 2)}" fill="#222">${esc(text)}</text>`);
  }
  o.groups?.forEach((g, i) => {
    if (i >= 20) return;
    const lx = W - M.right + 10;
    parts.push(`<circle cx="${lx + 5}" cy="${M.top + 11 + i * 15}" r="4" fill="${color(i)}"/>`);
    parts.push(`<text x="${lx + 14}" y="${M.top + 15 + i * 15}">${esc(g.length > 22 ? g.slice(0, 21) + '…' : g)}</text>`);
  });
  if ((o.groups?.length ?? 0) > 20) parts.push(`<text x="${W - M.right + 10}" y="${M.top + 15 + 20 * 15}">… ${o.groups!.length - 20} more</text>`);
  return parts.join('\n') + '\n</svg>\n';
}

const readingName = (r: TopologyResult['reading']): string => (r === 'correctness' ? 'correctness' : 'disagreement');

/** `topology-distances.svg`: the chosen reading's distance matrix; dashed outlines mark intervals that contain 0. */
export function topologyDistancesChart(r: TopologyResult, title: string): string {
  const D = r[r.reading];
  const labels = r.models.map((m) => m.name);
  return heatMap(
    {
      title,
      subtitle: `d̂ (${readingName(r.reading)} reading), m = ${r.m}, h = ${r.halfWidth.toFixed(4)} at ${Number((100 * r.confidence).toPrecision(6))}%; dashed: interval contains 0`,
      valueLabel: `d̂ (${readingName(r.reading)})`,
      outline: (i, j) => i !== j && D.lower[i]![j] === 0,
    },
    labels,
    D.distance,
  );
}

/** `topology-mds.svg`: classical MDS of the quotient, coloured by equivalence class, labelled by network. */
export function topologyMdsChart(r: TopologyResult, title: string): string {
  const share = r.mds.explained === null ? '' : ` — axes hold ${(100 * r.mds.explained).toFixed(0)}% of the positive eigenvalue mass`;
  const groups = r.classes.list.map((c) => `class ${c.id}: ${c.members.length === 1 ? r.models[c.members[0]!]!.name : `${c.members.length} networks`}`);
  return labelledScatter(
    { title, xLabel: `MDS axis 1 (λ₁ = ${fmt(r.mds.eigenvalues[0] ?? 0)})${share}`, yLabel: `MDS axis 2 (λ₂ = ${fmt(r.mds.eigenvalues[1] ?? 0)})`, groups },
    r.models.map((m, i) => ({ x: r.mds.coordinates[i]![0], y: r.mds.coordinates[i]![1], label: m.name, group: r.classes.classOf[i]! })),
  );
}

/** `topology-parameters.svg`: d̂ of each pair against its parameter distance; null without parameter distances. */
export function topologyParametersChart(r: TopologyResult, title: string): string | null {
  const P = r.parameterDistance.distance;
  if (!P) return null;
  const D = r[r.reading].distance;
  const pts: [number, number][] = [];
  for (let i = 0; i < r.models.length; i++) for (let j = i + 1; j < r.models.length; j++) pts.push([P[i]![j]!, D[i]![j]!]);
  const corr = r.parameterDistance.spearman === null ? '' : ` (Spearman ${r.parameterDistance.spearman.toFixed(2)})`;
  const full = `${title}${corr}`;
  return lineChart({ title: full, xLabel: '‖w − w′‖₂ (parameter distance)', yLabel: `d̂ (${readingName(r.reading)})`, width: Math.max(560, Math.ceil(titleWidth(full) + 24)) }, [{ name: '', points: pts, scatter: true }]);
}
