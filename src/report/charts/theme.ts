/**
 * The look shared by every chart: a colour-blind-safe palette (Okabe & Ito 2008, without black and yellow, so that
 * every colour reads on a white and on a dark background), sizes legible at laptop size, number formats.
 */

/** Okabe–Ito colours, in the order series take them: blue, orange, bluish green, vermillion, reddish purple, sky blue. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#999999', '#8C6D31'] as const;

/** Two colours that stay apart for every kind of colour blindness (the foliation's two leaf families). */
export const PAIR = { a: '#0072B2', b: '#D55E00' } as const;

/** The colour of series i (the palette repeats). */
export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** Sequential scheme for heat maps (viridis: perceptually uniform, colour-blind safe). */
export const SEQUENTIAL_SCHEME = 'viridis';

/** Font size of tick labels and text in charts (px). */
export const FONT_SIZE = 13;

/** Default chart width (px); charts scale down to the page width (max-width: 100%). */
export const CHART_WIDTH = 560;

/** A number as a short label: 3 significant digits, exponent notation outside [0.01, 10⁴). */
export function fmtNumber(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  const s = a !== 0 && (a >= 1e4 || a < 1e-2) ? v.toExponential(Math.max(0, digits - 1)) : Number(v.toPrecision(digits)).toString();
  return s.replace(/^-/, '−');
}

/** Escape text for HTML and SVG. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Approximate width in px of `text` at `fontSize` (no text measurement in Node: 0.6 em per character). */
export function textWidth(text: string, fontSize = FONT_SIZE): number {
  return Math.ceil([...text].length * fontSize * 0.6);
}
