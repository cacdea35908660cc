/** Plots of the law-of-data-separation results (SVG text, drawn with the chart modules). */
import type { SeparationLaw, SeparationOverTraining } from '../probes/separation/types.js';
import { lineChart, type LineSeries } from './charts/line.js';
import type { ChartFrame } from './charts/plot.js';
import { fmtNumber, PAIR } from './charts/theme.js';

/** ρ and r of a fit, as the legend and the report write them. */
export function fitLabel(f: NonNullable<SeparationLaw['fit']>): string {
  return `fit: ρ = ${fmtNumber(f.rho)}, r = ${f.pearsonR === null ? '—' : fmtNumber(f.pearsonR)}`;
}

/** log10 D_l against layer l, with the fitted line ln D_l = a + l·ln ρ (ρ and r in the legend). */
export function separationLawChart(law: Pick<SeparationLaw, 'layers' | 'fit'>, title: string, frame: ChartFrame = {}): string {
  const pts: [number, number][] = law.layers.filter((l) => l.logD !== null && Number.isFinite(l.logD)).map((l) => [l.index, l.logD! / Math.LN10]);
  const series: LineSeries[] = [{ name: 'log10 D_l (measured)', points: pts, color: PAIR.a }];
  const f = law.fit;
  if (f) {
    const idx = law.layers.map((l) => l.index);
    const a = Math.min(...idx);
    const b = Math.max(...idx);
    series.push({ name: fitLabel(f), points: [[a, (f.intercept + f.slope * a) / Math.LN10], [b, (f.intercept + f.slope * b) / Math.LN10]], style: 'dash', color: PAIR.b });
  }
  return lineChart({ id: 'separation-law', ...frame, title, xLabel: 'layer l (0 = input)', yLabel: 'log10 D_l (separation fuzziness)', integerX: true }, series);
}

/** Pearson r and ρ of the fit at each checkpoint epoch, with the law's threshold r = −0.9. */
export function separationOverTrainingChart(ot: Pick<SeparationOverTraining, 'epochs'>, title: string, frame: ChartFrame = {}, threshold = 0.9): string {
  const r: [number, number][] = [];
  const rho: [number, number][] = [];
  for (const e of ot.epochs) {
    if (e.pearsonR !== null && Number.isFinite(e.pearsonR)) r.push([e.epoch, e.pearsonR]);
    if (e.rho !== null && Number.isFinite(e.rho)) rho.push([e.epoch, e.rho]);
  }
  return lineChart(
    { id: 'separation-over-training', ...frame, title, xLabel: 'epoch', yLabel: 'Pearson r and ρ (dimensionless)', integerX: true, rules: [{ y: -threshold, label: `r = −${threshold} (the law holds below)` }] },
    [
      { name: 'Pearson r of ln D_l against l', points: r, color: PAIR.a },
      { name: 'ρ (factor of D per layer)', points: rho, color: PAIR.b },
    ],
  );
}
