/**
 * Plots of the OT probe: the convergence of the cell measures (max error against step), the power diagram of a 2-D
 * latent space with its codes, and the grid of decoded generated samples.
 */
import { powerCells2d } from '../probes/ot/compute.js';
import type { OtRun } from '../probes/ot/run.js';
import type { OtResult } from '../probes/ot/types.js';
import { imageGridPng } from './png.js';
import { ticks as d3ticks } from 'd3-array';
import { lineChart, seriesColor as color } from './charts/index.js';

/** About five round tick values in [lo, hi] (d3's nice ticks). */
const ticks = (lo: number, hi: number): number[] => (hi > lo ? d3ticks(lo, hi, 5) : [lo]);

/** log10 of the max cell-measure error per step, with the tolerance and the sample count (ot-convergence.svg). */
export function otConvergenceChart(r: OtResult): string {
  const h = r.solve.history;
  const lg = (v: number): number => Math.log10(Math.max(v, 1e-12));
  const doublings = h.filter((e, i) => i > 0 && e.samples !== h[i - 1]!.samples);
  return lineChart(
    {
      title: `semi-discrete OT: max |μ(W_i) − ν_i|·N per step (${r.targets.distinct} cells in ${r.targets.dimension}-d, ${r.solve.status})`,
      xLabel: `step (samples per step changed at ${doublings.length ? doublings.map((e) => e.step).join(', ') : 'no step'})`,
      yLabel: 'log10 max error',
      width: 640,
    },
    [
      { name: 'max error (solver samples)', points: h.map((e) => [e.step, lg(e.maxError)]) },
      { name: `tolerance ${r.options.tolerance}`, points: h.length ? [[h[0]!.step, lg(r.options.tolerance)], [h[h.length - 1]!.step, lg(r.options.tolerance)]] : [] },
      { name: 'held-out samples (final h)', points: h.length ? [[h[h.length - 1]!.step, lg(r.solve.heldOutMaxError)]] : [], style: 'dots' },
    ],
  );
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The power diagram W_i(h) of a 2-D latent space clipped to the source box (exact polygons), each cell tinted by the
 * class of its code, the codes as dots and the generated codes as crosses, in the autoencoder's units
 * (ot-cells.svg). Undefined unless the codes are 2-D.
 */
export function otCellsChart(run: OtRun, options: { width?: number } = {}): string | undefined {
  const sol = run.solution;
  const t = sol.targets;
  if (t.d !== 2) return undefined;
  const W = options.width ?? 640;
  const M = { left: 56, right: 16, top: 36, bottom: 44 };
  const side = W - M.left - M.right;
  const H = side + M.top + M.bottom;
  const lo: [number, number] = [t.lo[0]!, t.lo[1]!];
  const hi: [number, number] = [t.hi[0]!, t.hi[1]!];
  const cells = powerCells2d(t.y, sol.state.h, lo, hi);
  // original units: y = centre + scale · ŷ; one scale for both axes (the longest side fills the plot)
  const orig = (v: number, k: number): number => t.centre[k]! + t.scale * v;
  const x0 = orig(-0.5, 0);
  const y0 = orig(-0.5, 1);
  const px = (v: number): number => M.left + ((v - x0) / t.scale) * side;
  const py = (v: number): number => M.top + side - ((v - y0) / t.scale) * side;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${esc(`power diagram of u_h: ${t.n} cells, ${run.result.options.source} source (max error ${run.result.solve.maxError.toPrecision(2)})`)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${side}" height="${side}" fill="#fafafa" stroke="#999"/>`,
  ];
  for (const tk of ticks(x0, x0 + t.scale)) {
    parts.push(`<line x1="${px(tk).toFixed(1)}" y1="${M.top + side}" x2="${px(tk).toFixed(1)}" y2="${M.top + side + 4}" stroke="#999"/>`, `<text x="${px(tk).toFixed(1)}" y="${M.top + side + 16}" text-anchor="middle">${Number(tk.toPrecision(3))}</text>`);
  }
  for (const tk of ticks(y0, y0 + t.scale)) {
    parts.push(`<line x1="${M.left - 4}" y1="${py(tk).toFixed(1)}" x2="${M.left}" y2="${py(tk).toFixed(1)}" stroke="#999"/>`, `<text x="${M.left - 6}" y="${(py(tk) + 4).toFixed(1)}" text-anchor="end">${Number(tk.toPrecision(3))}</text>`);
  }
  parts.push(`<text x="${M.left + side / 2}" y="${H - 10}" text-anchor="middle">code 1</text>`, `<text transform="translate(14 ${M.top + side / 2}) rotate(-90)" text-anchor="middle">code 2</text>`);
  const label = (target: number): number => run.labels[sol.targetCodes[target]!] ?? 0;
  cells.forEach((p, i) => {
    if (!p.length) return;
    const pts: string[] = [];
    for (let k = 0; k < p.length; k += 2) pts.push(`${px(orig(p[k]!, 0)).toFixed(1)},${py(orig(p[k + 1]!, 1)).toFixed(1)}`);
    parts.push(`<polygon points="${pts.join(' ')}" fill="${color(label(i))}" fill-opacity="0.18" stroke="#444" stroke-width="0.4"/>`);
  });
  for (let i = 0; i < t.n; i++) parts.push(`<circle cx="${px(orig(t.y[2 * i]!, 0)).toFixed(1)}" cy="${py(orig(t.y[2 * i + 1]!, 1)).toFixed(1)}" r="1.4" fill="${color(label(i))}"/>`);
  const g = run.generated.codes;
  if (run.result.generation.mode === 'piecewise-linear') {
    for (let i = 0; i < g.length / 2; i++) {
      const cx = px(g[2 * i]!);
      const cy = py(g[2 * i + 1]!);
      parts.push(`<path d="M${(cx - 3).toFixed(1)},${(cy - 3).toFixed(1)}L${(cx + 3).toFixed(1)},${(cy + 3).toFixed(1)}M${(cx - 3).toFixed(1)},${(cy + 3).toFixed(1)}L${(cx + 3).toFixed(1)},${(cy - 3).toFixed(1)}" stroke="black" stroke-width="1"/>`);
    }
  }
  return parts.join('\n') + '\n</svg>\n';
}

/** The decoded generated samples as one PNG grid (√count columns), scaled ×2 (ot-generated.png); undefined for non-image data. */
export function otGeneratedPng(run: OtRun, scale = 2): Uint8Array | undefined {
  const img = run.result.generation.images;
  if (!img || !run.imageRange) return undefined;
  const shape = run.generated.sampleShape;
  const size = shape.reduce((a, b) => a * b, 1);
  const count = run.generated.samples.length / size;
  const rows: Float64Array[][] = [];
  for (let i = 0; i < count; i += img.columns) {
    const row: Float64Array[] = [];
    for (let j = i; j < Math.min(count, i + img.columns); j++) row.push(Float64Array.from(run.generated.samples.subarray(j * size, (j + 1) * size)));
    rows.push(row);
  }
  return imageGridPng(rows, shape, img.valueRange, scale);
}
