/**
 * A grid of image frames (one PNG, e.g. `imageGridPng`: rows of frames with 2-pixel gaps) with labelled rows and
 * columns — the foliation walks of an image model, frame by frame. The PNG is embedded as a data: URI, so the SVG
 * stands alone.
 */
import { axisLabel, type ChartFrame, Plot, renderPlot } from './plot.js';

export interface ImageStripOptions extends ChartFrame {
  /** The grid's geometry, as imageGridPng lays it out: frame size in PNG pixels (already scaled) and the gap. */
  frameWidth: number;
  frameHeight: number;
  gap: number;
  /** One label per row (e.g. 'along +h, point 0 (class 7)'). */
  rowLabels: string[];
  /** One label per column (e.g. the step number). */
  columnLabels: string[];
  xLabel: string;
  yLabel?: string;
  /** Display size of a PNG pixel in px (default: about 620 px of width, at most 4 px per pixel). */
  pixelScale?: number;
}

/** Base64 of bytes (btoa exists in browsers and in Node ≥ 16). */
export function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Width and height of a PNG from its IHDR chunk. Errors: a RangeError for bytes that are not a PNG. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  if (png.length < 24 || png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) throw new RangeError('pngSize: not a PNG file');
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/** The PNG grid as an SVG image with the rows and columns labelled. */
export function imageStripChart(o: ImageStripOptions, png: Uint8Array): string {
  const { width: W, height: H } = pngSize(png);
  const f = o.pixelScale ?? Math.min(4, 620 / W);
  const rowCentres = o.rowLabels.map((_, i) => o.gap + i * (o.frameHeight + o.gap) + o.frameHeight / 2);
  const colCentres = o.columnLabels.map((_, i) => o.gap + i * (o.frameWidth + o.gap) + o.frameWidth / 2);
  const longest = Math.max(0, ...o.rowLabels.map((l) => l.length));
  const marginLeft = Math.min(260, Math.ceil(longest * 7.2) + 16);
  const src = `data:image/png;base64,${base64(png)}`;
  return renderPlot(
    {
      width: marginLeft + Math.round(W * f) + 12,
      height: 24 + Math.round(H * f) + 44,
      marginLeft,
      marginRight: 12,
      marginBottom: 44,
      x: { domain: [0, W], ...axisLabel(o.xLabel), ticks: colCentres, tickFormat: (_: number, i: number) => o.columnLabels[i] ?? '', tickSize: 3 },
      y: { domain: [H, 0], label: o.yLabel ?? null, labelArrow: 'none', ticks: rowCentres, tickFormat: (_: number, i: number) => o.rowLabels[i] ?? '', tickSize: 3 },
      marks: [Plot.image([0], { x: () => W / 2, y: () => H / 2, src: () => src, width: Math.round(W * f), height: Math.round(H * f), imageRendering: 'pixelated', preserveAspectRatio: 'none' })],
    },
    o,
  );
}
