/**
 * Pictures of the exact linear-regions results (SVG text, pure string builders): the tiling of a plane slice coloured
 * by predicted class with the region edges and the exact decision boundary drawn; the regions of a segment with the
 * logits along it; counts and densities over training. The polygon and strip marks live here, not in svg.ts.
 *
 * Colours: the Okabe–Ito colour-blind-safe palette (without its black, which draws the boundary), extended by Paul
 * Tol's wine and teal for classes 9 and 10; classes beyond 10 cycle.
 */
import type { RegionsOverTrainingResult, RegionsResult } from '../probes/regions/types.js';
import { ticks as d3ticks } from 'd3-array';
import { lineChart } from './charts/index.js';

/** About five round tick values in [lo, hi] (d3's nice ticks); [lo] when the interval is empty. */
const ticks = (lo: number, hi: number): number[] => (hi > lo ? d3ticks(lo, hi, 5) : [lo]);

/** Class colours (Okabe–Ito without black, then Tol's wine and teal). */
export const CLASS_COLOURS = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999', '#882255', '#44AA99'];

export const classColour = (c: number): string => CLASS_COLOURS[c % CLASS_COLOURS.length]!;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : Number(v.toPrecision(3)).toString());
const f1 = (v: number): string => v.toFixed(1);

function boundText(r: Pick<RegionsResult, 'bounds' | 'count'>): string {
  const b = r.bounds;
  const show = (v: { value: number | null; log10: number } | null): string => (v === null ? '—' : v.value !== null ? String(v.value) : `10^${v.log10.toFixed(1)}`);
  const given = b.serra || b.lei ? `Serra ${show(b.serra)}, Lei ${show(b.lei)}` : `hyperplane product ${show(b.hyperplaneProduct)}`;
  return `${r.count} regions; bounds (input dim ${b.inputDim}): ${given}`;
}

/**
 * The tiling of a plane slice: each region filled with its predicted class (split into its class cells where the
 * decision boundary crosses it), region edges thin, the decision boundary as thick black polylines, the anchor points
 * as labelled rings and the data points near the slice as small dots. Equal scales on s and t. Returns null for a
 * segment or a result written without geometry.
 */
export function regionsTilingChart(r: RegionsResult, title: string): string | null {
  if (r.slice.kind !== 'plane' || !r.regions) return null;
  const [s0, s1, t0, t1] = r.slice.extent as [number, number, number, number];
  const M = { left: 56, right: 150, top: 52, bottom: 44 };
  const side = 640;
  const scale = Math.min(side / (s1 - s0), side / (t1 - t0));
  const pw = (s1 - s0) * scale;
  const ph = (t1 - t0) * scale;
  const W = Math.ceil(M.left + pw + M.right);
  const H = Math.ceil(M.top + ph + M.bottom);
  const x = (s: number): number => M.left + (s - s0) * scale;
  const y = (t: number): number => M.top + ph - (t - t0) * scale;
  const path = (ring: [number, number][]): string => 'M' + ring.map(([s, t]) => `${f1(x(s))},${f1(y(t))}`).join('L') + 'Z';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left + pw / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<text x="${M.left + pw / 2}" y="36" text-anchor="middle">${esc(boundText(r))}</text>`,
    `<clipPath id="slice"><rect x="${M.left}" y="${M.top}" width="${f1(pw)}" height="${f1(ph)}"/></clipPath>`,
    '<g clip-path="url(#slice)">',
  ];
  // fills, one path per class (smaller file, no seams between cells of one class)
  const byClass = new Map<number, string[]>();
  const add = (c: number, d: string): void => {
    const l = byClass.get(c);
    if (l) l.push(d);
    else byClass.set(c, [d]);
  };
  for (const f of r.regions.features) {
    if (f.properties.parts) for (const p of f.properties.parts) add(p.predicted, path(p.coordinates));
    else add(f.properties.predicted, path(f.geometry.coordinates[0]!));
  }
  parts.push('<g aria-label="regions by predicted class">');
  for (const [c, ds] of [...byClass].sort((a, b) => a[0] - b[0])) parts.push(`<path d="${ds.join('')}" fill="${classColour(c)}" fill-opacity="0.6" stroke="${classColour(c)}" stroke-width="0.4" stroke-opacity="0.6"/>`);
  parts.push('</g>');
  // region edges
  const edgeWidth = r.count > 20000 ? 0.15 : r.count > 3000 ? 0.25 : 0.5;
  parts.push(`<path d="${r.regions.features.map((f) => path(f.geometry.coordinates[0]!)).join('')}" fill="none" stroke="#333" stroke-width="${edgeWidth}" stroke-opacity="0.55"/>`);
  // data near the slice
  parts.push('<g aria-label="data near the slice">');
  for (const p of r.nearbyPoints) parts.push(`<circle cx="${f1(x(p.coords[0]!))}" cy="${f1(y(p.coords[1]!))}" r="1.6" fill="${classColour(p.label)}" stroke="#000" stroke-width="0.3"/>`);
  parts.push('</g>');
  // decision boundary
  if (r.boundary) {
    parts.push('<g aria-label="decision boundary">');
    for (const b of r.boundary.features) parts.push(`<polyline fill="none" stroke="#000" stroke-width="2" stroke-linejoin="round" points="${b.geometry.coordinates.map(([s, t]) => `${f1(x(s))},${f1(y(t))}`).join(' ')}"/>`);
    parts.push('</g>');
  }
  for (const a of r.slice.anchors) {
    const [cx, cy] = [x(a.coords[0]!), y(a.coords[1]!)];
    parts.push(`<circle cx="${f1(cx)}" cy="${f1(cy)}" r="5" fill="${classColour(a.label)}" stroke="#000" stroke-width="1.5"/>`);
    parts.push(`<text x="${f1(cx + 7)}" y="${f1(cy - 7)}" font-weight="bold" stroke="white" stroke-width="3" paint-order="stroke">#${a.index} (class ${a.label})</text>`);
  }
  parts.push('</g>');
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${f1(pw)}" height="${f1(ph)}" fill="none" stroke="#666"/>`);
  for (const v of ticks(s0, s1)) {
    parts.push(`<line x1="${f1(x(v))}" y1="${f1(M.top + ph)}" x2="${f1(x(v))}" y2="${f1(M.top + ph + 4)}" stroke="#666"/>`);
    parts.push(`<text x="${f1(x(v))}" y="${f1(M.top + ph + 16)}" text-anchor="middle">${fmt(v)}</text>`);
  }
  for (const v of ticks(t0, t1)) {
    parts.push(`<line x1="${M.left - 4}" y1="${f1(y(v))}" x2="${M.left}" y2="${f1(y(v))}" stroke="#666"/>`);
    parts.push(`<text x="${M.left - 6}" y="${f1(y(v) + 4)}" text-anchor="end">${fmt(v)}</text>`);
  }
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 8}" text-anchor="middle">s</text>`);
  parts.push(`<text x="16" y="${M.top + ph / 2}" text-anchor="middle">t</text>`);
  // legend
  const lx = M.left + pw + 14;
  parts.push(`<text x="${lx}" y="${M.top + 10}" font-weight="bold">predicted class</text>`);
  for (let c = 0; c < r.model.numClasses; c++) {
    const ly = M.top + 22 + c * 16;
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${classColour(c)}" fill-opacity="0.6" stroke="#333" stroke-width="0.5"/>`);
    parts.push(`<text x="${lx + 18}" y="${ly + 1}">${c}</text>`);
  }
  const ly = M.top + 34 + r.model.numClasses * 16;
  parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 14}" y2="${ly}" stroke="#000" stroke-width="2"/><text x="${lx + 18}" y="${ly + 4}">decision boundary</text>`);
  parts.push(`<line x1="${lx}" y1="${ly + 16}" x2="${lx + 14}" y2="${ly + 16}" stroke="#333" stroke-width="0.8"/><text x="${lx + 18}" y="${ly + 20}">region edge</text>`);
  return parts.join('\n') + '\n</svg>\n';
}

/**
 * A segment: the logits of every class along t (exact polylines through the breakpoints) above a strip of its regions
 * coloured by predicted class, breakpoints as ticks, the class changes as thick marks. Null for a plane.
 */
export function regionsSegmentChart(r: RegionsResult, title: string): string | null {
  if (r.slice.kind !== 'segment' || !r.intervals) return null;
  const [t0, t1] = r.slice.extent as [number, number];
  const C = r.model.numClasses;
  const W = 760;
  const M = { left: 60, right: 110, top: 52, bottom: 40 };
  const pw = W - M.left - M.right;
  const chartH = 260;
  const stripH = 26;
  const H = M.top + chartH + 18 + stripH + M.bottom;
  const x = (t: number): number => M.left + ((t - t0) / (t1 - t0)) * pw;
  // logits at the interval ends (affine per interval: offset + slope·t)
  const lines: [number, number][][] = Array.from({ length: C }, () => []);
  const haveAffine = r.intervals.every((iv) => iv.affine.length === C);
  if (haveAffine) {
    for (const iv of r.intervals) {
      for (let c = 0; c < C; c++) {
        const [b, m] = iv.affine[c] as [number, number];
        lines[c]!.push([iv.t0, b + m * iv.t0], [iv.t1, b + m * iv.t1]);
      }
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) for (const [, v] of l) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  if (!(hi > lo)) [lo, hi] = [0, 1];
  const pad = 0.05 * (hi - lo);
  const y = (v: number): number => M.top + chartH - ((v - lo + pad) / (hi - lo + 2 * pad)) * chartH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left + pw / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`,
    `<text x="${M.left + pw / 2}" y="36" text-anchor="middle">${esc(boundText(r))}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${chartH}" fill="none" stroke="#999"/>`,
  ];
  for (const v of ticks(lo - pad, hi + pad)) {
    parts.push(`<line x1="${M.left}" y1="${f1(y(v))}" x2="${M.left + pw}" y2="${f1(y(v))}" stroke="#eee"/>`);
    parts.push(`<text x="${M.left - 6}" y="${f1(y(v) + 4)}" text-anchor="end">${fmt(v)}</text>`);
  }
  parts.push(`<text transform="translate(14 ${M.top + chartH / 2}) rotate(-90)" text-anchor="middle">logit</text>`);
  lines.forEach((l, c) => {
    if (l.length) parts.push(`<polyline fill="none" stroke="${classColour(c)}" stroke-width="1.6" points="${l.map(([t, v]) => `${f1(x(t))},${f1(y(v))}`).join(' ')}"/>`);
  });
  const sy = M.top + chartH + 18;
  for (const iv of r.intervals) parts.push(`<rect x="${f1(x(iv.t0))}" y="${sy}" width="${Math.max(0.3, x(iv.t1) - x(iv.t0)).toFixed(2)}" height="${stripH}" fill="${classColour(iv.predicted)}" fill-opacity="0.7"/>`);
  const tickW = r.intervals.length > 400 ? 0.2 : 0.6;
  for (const iv of r.intervals.slice(1)) parts.push(`<line x1="${f1(x(iv.t0))}" y1="${sy}" x2="${f1(x(iv.t0))}" y2="${sy + stripH}" stroke="#333" stroke-width="${tickW}"/>`);
  for (const b of r.boundaryPoints ?? []) parts.push(`<line x1="${f1(x(b.t))}" y1="${M.top}" x2="${f1(x(b.t))}" y2="${sy + stripH + 4}" stroke="#000" stroke-width="2"/>`);
  for (const a of r.slice.anchors) {
    parts.push(`<circle cx="${f1(x(a.coords[0]!))}" cy="${sy + stripH / 2}" r="5" fill="${classColour(a.label)}" stroke="#000" stroke-width="1.5"/>`);
    parts.push(`<text x="${f1(x(a.coords[0]!))}" y="${sy + stripH + 14}" text-anchor="middle">#${a.index}</text>`);
  }
  for (const v of ticks(t0, t1)) parts.push(`<text x="${f1(x(v))}" y="${H - 8}" text-anchor="middle">${fmt(v)}</text>`);
  parts.push(`<text x="${M.left + pw + 8}" y="${H - 8}">t</text>`);
  for (let c = 0; c < C; c++) {
    const ly = M.top + 10 + c * 16;
    parts.push(`<rect x="${M.left + pw + 14}" y="${ly - 9}" width="12" height="12" fill="${classColour(c)}"/><text x="${M.left + pw + 32}" y="${ly + 1}">class ${c}</text>`);
  }
  return parts.join('\n') + '\n</svg>\n';
}

/** Region counts at every checkpoint (final count and after each layer). */
export function regionsOverTrainingChart(ot: RegionsOverTrainingResult, title: string): string {
  const L = ot.model.layers.length;
  const series = ot.model.layers.map((l, i) => ({ name: i === L - 1 ? `all ${L} layers` : `after ${l.op} ${i + 1}`, points: ot.epochs.map((e) => [e.epoch, e.perLayer[i]!] as [number, number]) }));
  return lineChart({ title, xLabel: 'epoch', yLabel: 'linear regions on the slice' }, series);
}

/** Region density near the data and far from it at every checkpoint; null without densities. */
export function regionsDensityChart(ot: RegionsOverTrainingResult, title: string): string | null {
  if (ot.epochs.some((e) => !e.density)) return null;
  const near: [number, number][] = [];
  const far: [number, number][] = [];
  for (const e of ot.epochs) {
    if (e.density!.near.density !== null) near.push([e.epoch, e.density!.near.density]);
    if (e.density!.far.density !== null) far.push([e.epoch, e.density!.far.density]);
  }
  return lineChart({ title, xLabel: 'epoch', yLabel: 'regions per unit area' }, [
    { name: `within r = ${fmt(ot.epochs[0]!.density!.radius)} of data`, points: near },
    { name: 'elsewhere', points: far },
  ]);
}
