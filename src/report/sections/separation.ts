/**
 * Report section of the law of data separation (He & Su, PNAS 2023): log10 D_l against layer with the fit, the fit
 * over training, the per-layer table; in `compare`, the runs' curves on one plot.
 */
import { SEPARATION_OVER_TRAINING_RESULT, SEPARATION_RESULT } from '../../probes/separation/schema.js';
import type { SeparationOverTrainingResult, SeparationResult } from '../../probes/separation/types.js';
import { separationVerdict } from '../../probes/separation/verdict.js';
import { lineChart, type LineSeries } from '../charts/line.js';
import { seriesColor } from '../charts/theme.js';
import { count, esc, figure, fixed, fmtNumber, grid, method, para, table, warnings } from '../markup.js';
import { separationLawChart, separationOverTrainingChart } from '../separation.js';
import { defineSection, optionalResult, requiredResult } from './types.js';

/**
 * The law's verdict in plain words with its actual reason (`separationVerdict`, as `geolens probe separation` prints),
 * e.g. 'Each layer divides separation fuzziness by 3.5 (ρ = 0.29); the law holds (r = −0.97 ≤ −0.9, …).'
 */
export function separationHeadline(r: Pick<SeparationResult, 'fit'>): string {
  const f = r.fit;
  if (!f) return 'Too few layers with D > 0 to fit the law (see the warnings).';
  const per = f.rho < 1 ? `each layer divides separation fuzziness by ${fmtNumber(1 / f.rho)} (ρ = ${fmtNumber(f.rho)})` : `each layer multiplies separation fuzziness by ${fmtNumber(f.rho)} (ρ = ${fmtNumber(f.rho)})`;
  return `${per[0]!.toUpperCase()}${per.slice(1)}; ${separationVerdict(f).text}.`;
}

/** The first epoch from which the law holds at every later checkpoint, or null. */
function holdsFrom(ot: SeparationOverTrainingResult): number | null {
  const i = ot.epochs.findIndex((_, j) => ot.epochs.slice(j).every((e) => e.lawHolds));
  return i < 0 ? null : ot.epochs[i]!.epoch;
}

export const separationSection = defineSection({
  probe: 'separation',
  title: 'Law of data separation',
  files: { law: requiredResult('separation', SEPARATION_RESULT), overTraining: optionalResult('separation-over-training', SEPARATION_OVER_TRAINING_RESULT) },
  render({ law, overTraining }, ctx) {
    const f = law.fit;
    const ds = law.dataset;
    const parts: string[] = [];
    parts.push(
      para(
        `Separation fuzziness D<sub>l</sub> = Tr(SS<sub>w</sub> SS<sub>b</sub><sup>+</sup>) of ${count(law.n)} ${ds.split === 'train' ? 'training ' : ''}samples of <b>${esc(ds.name)}</b> (${ds.numClasses} classes${ds.perClass !== null ? `, ${ds.perClass} per class` : ''}) at the input and at ${law.layers.length - 1} layers; ${esc(law.layerCounting)}. ` +
          (f ? `The least-squares fit ln D<sub>l</sub> = a + l·ln ρ gives ρ = ${fmtNumber(f.rho)}${f.rhoCI95 ? ` (95% CI ${fmtNumber(f.rhoCI95[0])}–${fmtNumber(f.rhoCI95[1])})` : ''} and Pearson r = ${fixed(f.pearsonR, 3)} over ${f.numLayersFitted} layers.` : ''),
      ),
    );
    const charts = [figure(separationLawChart(law, 'Law of data separation', { standalone: false, id: `${ctx.idPrefix}-law` }), 'log10 D<sub>l</sub> against layer l, with the fitted line (dashed). A straight, falling line is the law: every layer shrinks D by the same factor ρ.')];
    if (overTraining && overTraining.epochs.length > 1) {
      const from = holdsFrom(overTraining);
      const last = overTraining.epochs[overTraining.epochs.length - 1]!;
      charts.push(
        figure(
          separationOverTrainingChart(overTraining, 'The law over training', { standalone: false, id: `${ctx.idPrefix}-ot` }, f?.lawThreshold ?? 0.9),
          `Pearson r and ρ of the fit at ${overTraining.epochs.length} checkpoints. ${from !== null ? `The law holds from epoch ${from} on` : 'The law does not hold at the last checkpoint'}; at epoch ${last.epoch} ρ = ${fmtNumber(last.rho)}, r = ${fixed(last.pearsonR, 3)}.`,
        ),
      );
    }
    parts.push(grid(...charts));
    parts.push(
      `<details class="more"><summary>D<sub>l</sub> per layer</summary>${table(
        ['l', 'layer', 'op', 'features p', 'D<sub>l</sub>', 'log10 D<sub>l</sub>', 'residual of ln D<sub>l</sub>'],
        law.layers.map((l) => [String(l.index), esc(l.name), esc(l.op), count(l.featureDim), fmtNumber(l.D, 4), fixed(l.log10D, 3), fixed(l.residual, 3)]),
        [true, false, false, true, true, true, true],
      )}</details>`,
    );
    parts.push(method(`${law.variantDescription} Source: He & Su, "A law of data separation in deep learning", PNAS 2023.`));
    parts.push(warnings([...law.warnings, ...(overTraining?.warnings ?? [])]));
    return { headline: separationHeadline(law), body: parts.join('\n') };
  },
  compare(runs, ctx) {
    if (runs.length === 0) return null;
    const series: LineSeries[] = runs.map((r, i) => ({
      name: `${r.label}: ρ = ${fmtNumber(r.results.law.fit?.rho)}, r = ${fixed(r.results.law.fit?.pearsonR, 2)}`,
      points: r.results.law.layers.filter((l) => l.log10D !== null && Number.isFinite(l.log10D)).map((l) => [l.index, l.log10D!] as [number, number]),
      color: seriesColor(i),
    }));
    const charts = [figure(lineChart({ id: `${ctx.idPrefix}-law`, standalone: false, xLabel: 'layer l (0 = input)', yLabel: 'log10 D_l (separation fuzziness)', integerX: true }, series), 'log10 D<sub>l</sub> against layer for each run.')];
    const ot = runs.filter((r) => r.results.overTraining && r.results.overTraining.epochs.length > 1);
    if (ot.length) {
      const rs: LineSeries[] = ot.map((r) => ({ name: r.label, points: r.results.overTraining!.epochs.filter((e) => e.pearsonR !== null).map((e) => [e.epoch, e.pearsonR!] as [number, number]), color: seriesColor(runs.indexOf(r)) }));
      charts.push(figure(lineChart({ id: `${ctx.idPrefix}-ot`, standalone: false, xLabel: 'epoch', yLabel: 'Pearson r of ln D_l against l', integerX: true, rules: [{ y: -0.9, label: 'r = −0.9' }] }, rs), 'The fit’s Pearson r over training for each run with checkpoints.'));
    }
    const rows = runs.map((r) => [esc(r.label), String(r.results.law.layers.length - 1), fmtNumber(r.results.law.fit?.rho), fixed(r.results.law.fit?.pearsonR, 3), r.results.law.fit?.lawHolds ? 'yes' : 'no']);
    return grid(...charts) + table(['run', 'layers', 'ρ', 'Pearson r', 'law holds'], rows, [false, true, true, true, false]);
  },
});
