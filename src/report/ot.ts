/**
 * Plots of the OT probe, drawn from its result (ot.json) with the chart modules (Observable Plot), so the CLI's files
 * and the report's section are the same pictures: the convergence of the cell measures (max error against step, log
 * scale, with the tolerance), the energy, the latent picture (codes, generated codes and, for 2-D codes, the power
 * cells) and the class distribution of generated samples against the data's; and the grid of decoded generated
 * samples (a PNG).
 */
import type { OtRun } from '../probes/ot/run.js';
import type { OtResult } from '../probes/ot/types.js';
import { barChart, fmtNumber, lineChart, planeChart, type ChartFrame } from './charts/index.js';
import { imageGridPng } from './png.js';

/** Steps where the samples per step changed (the batch doublings). */
function doublings(r: OtResult): number[] {
  const h = r.solve.history;
  return h.filter((e, i) => i > 0 && e.samples !== h[i - 1]!.samples).map((e) => e.step);
}

/** The max cell-measure error max_i |μ(W_i) − ν_i|·N per step on a log scale, with the tolerance (ot-convergence.svg). */
export function otConvergenceChart(r: OtResult, frame: ChartFrame = {}): string {
  const h = r.solve.history;
  const last = h[h.length - 1];
  return lineChart(
    {
      title: `Semi-discrete OT: max cell-measure error per step (${r.targets.distinct} cells in ${r.targets.dimension}-d, ${r.solve.status})`,
      xLabel: 'step',
      yLabel: 'max |μ(W_i) − ν_i| · N',
      yType: 'log',
      integerX: true,
      width: 640,
      rules: [{ y: r.options.tolerance, label: `tolerance ${r.options.tolerance}` }],
      rulesX: { x: doublings(r), label: 'samples per step doubled' },
      ...frame,
    },
    [
      { name: 'max error (solver samples)', points: h.map((e) => [e.step, e.maxError]), style: 'line' },
      { name: 'held-out samples (final h)', points: last ? [[last.step, r.solve.heldOutMaxError]] : [], style: 'dots' },
    ],
  );
}

/**
 * The energy E(h) = ∫u_h dμ − Σν_i h_i above its final value per step (log scale, normalised units), and the
 * learning rate (ot-energy.svg). The energy is convex in h; it falls while the cells approach their masses.
 */
export function otEnergyChart(r: OtResult, frame: ChartFrame = {}): string {
  const h = r.solve.history;
  let min = Infinity;
  for (const e of h) if (e.energy < min) min = e.energy;
  const gap = h.map((e): [number, number] => [e.step, e.energy - min]);
  return lineChart(
    {
      title: 'Semi-discrete OT: energy above its lowest value, and the learning rate',
      xLabel: 'step',
      yLabel: 'E(h) − min E;  learning rate',
      yType: 'log',
      integerX: true,
      width: 640,
      rulesX: { x: doublings(r), label: 'samples per step doubled' },
      ...frame,
    },
    [
      { name: 'E(h) − min E', points: gap, style: 'line' },
      { name: 'Adam learning rate', points: h.map((e) => [e.step, e.lr]), style: 'line', color: '#E69F00' },
    ],
  );
}

/**
 * The latent picture (ot-latent.svg): the codes coloured by class, the generated codes as crosses, and for 2-D codes
 * the power cells W_i(h) of the solved potential, in the autoencoder's units (2-D) or on the codes' first two
 * principal axes.
 */
export function otLatentChart(r: OtResult, frame: ChartFrame = {}): string {
  const l = r.latent;
  const labels = [...new Set(l.codes.map((c) => c.label))].sort((a, b) => a - b);
  const pct = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '' : ` (${fmtNumber(100 * v, 2)}% of the variance)`);
  const [xl, yl] = l.projection === 'codes' ? ['code 1', 'code 2'] : [`principal axis 1${pct(l.explained?.[0])}`, `principal axis 2${pct(l.explained?.[1])}`];
  return planeChart(
    {
      title: `Latent space: ${l.codes.length} codes, ${l.generated.length} generated (${r.generation.mode})${l.cells ? `, ${l.cells.filter((c) => c.length).length} power cells` : ''}`,
      xLabel: xl,
      yLabel: yl,
      groupNames: labels.reduce<string[]>((a, c) => ((a[c] = `class ${c}`), a), []),
      markerName: 'generated code',
      polygonName: 'power cell W_i(h)',
      width: 600,
      ...frame,
    },
    l.codes.map((c) => ({ x: c.x, y: c.y, group: c.label })),
    l.generated,
    l.cells ?? [],
  );
}

/** Class shares of generated samples against the data's (ot-classes.svg); undefined without a class distribution. */
export function otClassesChart(r: OtResult, frame: ChartFrame = {}): string | undefined {
  const c = r.generation.classDistribution;
  if (!c) return undefined;
  return barChart(
    {
      title: `Classes of ${c.samples} generated samples against the data (total variation ${fmtNumber(c.totalVariation, 2)})`,
      xLabel: 'class (by the classifier)',
      yLabel: 'share of samples',
      yFormat: '.0%',
      categories: c.data.map((_, k) => String(k)),
      width: 600,
      ...frame,
    },
    [
      { name: 'data', values: c.data },
      { name: 'generated', values: c.generated },
    ],
  );
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
