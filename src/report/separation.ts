/** Plots of the law-of-data-separation results (SVG text). */
import type { SeparationLaw, SeparationOverTraining } from '../probes/separation/types.js';
import { lineChart } from './svg.js';

/** log10 D_l against layer l, with the fitted line and ρ, r in the legend. */
export function separationLawChart(law: Pick<SeparationLaw, 'layers' | 'fit'>, title: string): string {
  const pts: [number, number][] = law.layers.filter((l) => l.logD !== null).map((l) => [l.index, l.logD! / Math.LN10]);
  const series = [{ name: 'log10 D_l', points: pts }];
  const f = law.fit;
  if (f) {
    const L = law.layers.length - 1;
    series.push({ name: `fit: ρ = ${f.rho.toPrecision(3)}, r = ${f.pearsonR === null ? '—' : f.pearsonR.toFixed(3)}`, points: [[0, f.intercept / Math.LN10], [L, (f.intercept + f.slope * L) / Math.LN10]] });
  }
  return lineChart({ title, xLabel: 'layer l (0 = input)', yLabel: 'log10 D_l' }, series);
}

/** Pearson r and ρ of the fit at each checkpoint epoch. */
export function separationOverTrainingChart(ot: Pick<SeparationOverTraining, 'epochs'>, title: string): string {
  const r: [number, number][] = [];
  const rho: [number, number][] = [];
  for (const e of ot.epochs) {
    if (e.pearsonR !== null) r.push([e.epoch, e.pearsonR]);
    if (e.rho !== null) rho.push([e.epoch, e.rho]);
  }
  return lineChart({ title, xLabel: 'epoch', yLabel: 'Pearson r and ρ' }, [
    { name: 'Pearson r', points: r },
    { name: 'ρ', points: rho },
  ]);
}
