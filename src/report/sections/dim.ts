/**
 * Report section of the Data Information Matrix (Grementieri & Fioresi; Tron & Fioresi, arXiv 2409.07412): the
 * spectrum of D(x) as box plots per k, the spectra on shifted data and their distance matrix, the foliation walks
 * (a leaf field for 2-D inputs, an image strip for images, the predicted probability along every walk); in
 * `compare`, the runs' spectra side by side.
 */
import { DIM_DISTANCES_RESULT, DIM_RESULT, DIM_WALKS_RESULT } from '../../probes/dim/schema.js';
import type { DimDistancesResult, DimResult, DimSpectrumStats, DimWalksResult } from '../../probes/dim/types.js';
import { boxChart, type BoxSummary } from '../charts/box.js';
import { lineChart, type LineSeries } from '../charts/line.js';
import { PAIR } from '../charts/theme.js';
import { dimDistanceHeatmap, dimDistancesChart, dimFoliationChart, dimSpectrumChart, dimWalksStripChart } from '../dim.js';
import { count, esc, figure, fixed, fmtNumber, grid, method, para, percent, table, warnings } from '../markup.js';
import { defineSection, optionalResult, requiredResult, type SectionContext } from './types.js';

const maxRank = (r: DimResult): number => Math.min(r.model.numClasses - 1, r.model.inputDim);

/** The rank distribution in words: 'rank 4 (the most, C − 1) at 100% of the points'. */
function rankWords(r: DimResult): string {
  const c = r.rankDistribution.counts;
  const K = maxRank(r);
  const top = c.map((v, k) => [k, v] as const).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  if (!top.length) return 'no points';
  const [k, v] = top[0]!;
  return `rank ${k}${k === K ? ` (the most, ${K === r.model.numClasses - 1 ? 'C − 1' : 'the input dimension'})` : ` of at most ${K}`} at ${percent(v / r.n, 0)} of the points`;
}

function spectrumWords(stats: DimSpectrumStats): string {
  const b = stats.boxes;
  if (!b.length) return '';
  const first = b[0]!;
  const last = b[b.length - 1]!;
  return b.length > 1
    ? `median log10 λ falls from ${fixed(first.median, 1)} (k = 1) to ${fixed(last.median, 1)} (k = ${last.k + 1}), ${fixed(first.median - last.median, 1)} decades`
    : `median log10 λ₁ = ${fixed(first.median, 2)}`;
}

function walkWords(w: DimWalksResult): string {
  const pc = (v: number): string => (v >= 0.01 ? fixed(v, 2) : fmtNumber(v, 2));
  const a = w.summary.along;
  const c = w.summary.across;
  if (!a || !c) return '';
  return `walking along the leaves changes the predicted probability by ${pc(a.medianMaxProbabilityChange)} (median), across them by ${pc(c.medianMaxProbabilityChange)}`;
}

function distanceWords(d: DimDistancesResult): string {
  const base = d.matrix.names[0]!;
  const row = d.matrix.matrix[0]!.map((v, j) => [d.matrix.names[j]!, v] as const).slice(1).filter(([, v]) => v !== null && Number.isFinite(v)) as [string, number][];
  if (!row.length) return '';
  row.sort((a, b) => b[1] - a[1]);
  const far = row[0]!;
  const near = row[row.length - 1]!;
  return `the spectrum moves furthest on ${far[0]} (${fmtNumber(far[1])} decades from ${base}), least on ${near[0]} (${fmtNumber(near[1])})${near[0] === 'resample' ? ', the sampling floor' : ''}`;
}

/** The headline of a DIM result in plain words. */
export function dimHeadline(r: DimResult, w?: DimWalksResult, d?: DimDistancesResult): string {
  const parts = [`D(x) has ${rankWords(r)}; ${spectrumWords(r.stats)}`];
  const ww = w ? walkWords(w) : '';
  if (ww) parts.push(ww);
  const dw = d ? distanceWords(d) : '';
  if (dw) parts.push(dw);
  return parts.map((p) => p[0]!.toUpperCase() + p.slice(1)).join('. ').replace(/<\/?sub>/g, '') + '.';
}

/** The predicted probability of the start's class along every walk, against the distance walked. */
function walkProbabilityChart(w: DimWalksResult, ctx: SectionContext): string {
  const series: LineSeries[] = [];
  for (const mode of ['along', 'across'] as const) {
    w.walks.filter((x) => x.mode === mode).forEach((x, i) => {
      series.push({
        name: mode === 'along' ? 'along the leaves (image of D(x))' : 'across (kernel of D(x))',
        points: x.distance.map((dist, t) => [dist, x.startClassProbability[t]!] as [number, number]),
        style: 'line',
        color: mode === 'along' ? PAIR.a : PAIR.b,
        hideInLegend: i > 0,
        strokeWidth: 1.6,
        opacity: 0.85,
      });
    });
  }
  return lineChart({ id: `${ctx.idPrefix}-walkp`, standalone: false, xLabel: 'distance walked from the start (input units)', yLabel: 'p of the class predicted at the start' }, series);
}

function walkTable(w: DimWalksResult): string {
  const rows: string[][] = [];
  for (const [label, s] of [['walks from data points', w.summary], ...(w.field ? [['leaf field (grid starts)', w.field.summary] as const] : [])] as const) {
    for (const mode of ['along', 'across'] as const) {
      const x = s[mode];
      if (x) rows.push([label, mode, String(x.walks), fixed(x.medianMaxProbabilityChange, 4), fixed(x.maxMaxProbabilityChange, 4), percent(x.fractionClassChanged, 0), fmtNumber(x.medianLength)]);
    }
  }
  return table(['walks', 'mode', 'count', 'median max |Δp|', 'max |Δp|', 'class changed', 'median length'], rows, [false, false, true, true, true, true, true]);
}

export const dimSection = defineSection({
  probe: 'dim',
  title: 'Data Information Matrix',
  files: { spectrum: requiredResult('dim', DIM_RESULT), walks: optionalResult('dim-walks', DIM_WALKS_RESULT), distances: optionalResult('dim-distances', DIM_DISTANCES_RESULT) },
  assets: ['dim-walks.png'],
  render({ spectrum, walks, distances }, ctx) {
    const K = maxRank(spectrum);
    const parts: string[] = [];
    parts.push(
      para(
        `D(x) = J<sup>T</sup>(diag p − pp<sup>T</sup>)J (J = ∂logits/∂x) at ${count(spectrum.n)} of ${count(spectrum.dataset.size)} points of <b>${esc(spectrum.dataset.name)}</b>; C = ${spectrum.model.numClasses} classes, d = ${count(spectrum.model.inputDim)} inputs, so rank ≤ ${K}. ` +
          `Accuracy on these points ${percent(spectrum.accuracy)}; trace of D(x): median ${fmtNumber(spectrum.trace.median)}.`,
      ),
    );
    const charts = [figure(dimSpectrumChart(spectrum, { standalone: false, id: `${ctx.idPrefix}-spectrum` }), `log10 λ<sub>k</sub> of D(x) per k over the measured points (box: quartiles, line: median, whiskers: min–max). Eigenvalues below the rank tolerance (${fmtNumber(spectrum.rtol)} λ<sub>max</sub>) are left out.`)];
    if (distances) {
      // the heat map beside the spectrum; the spectra side by side after them, across the page when they are many
      const crowded = distances.datasets.length * K > 16;
      charts.push(figure(dimDistanceHeatmap(distances, { standalone: false, id: `${ctx.idPrefix}-distances` }), 'Distances between the spectra: the mean over k of the 1-Wasserstein distance between the distributions of log10 λ<sub>k</sub>, in decades (the definition is under Method).'));
      charts.push(figure(dimDistancesChart(distances, K, { standalone: false, id: `${ctx.idPrefix}-spectra` }), `The spectra of the model on ${distances.datasets.length} datasets: its data and shifts of them.`, crowded));
    }
    if (walks) {
      const data = walks.field?.data;
      if (walks.field && data) {
        const xy = data.points.flat();
        const svg = dimFoliationChart(walks, xy, data.labels, { standalone: false, id: `${ctx.idPrefix}-foliation` });
        if (svg) charts.push(figure(svg, `Leaves of the data foliation through a ${walks.field.grid}×${walks.field.grid} grid: along the leaves (blue, the image of D(x)) the prediction changes; across them (vermillion, its kernel) it stays constant to first order. Dots: the measured points by class.`));
      }
      const png = walks.images ? ctx.assets[walks.images.file] : undefined;
      if (walks.images && png) charts.push(figure(dimWalksStripChart(walks, png, { standalone: false, id: `${ctx.idPrefix}-strip` }), `Frames along each walk (rows), every ${walks.images.frameEvery} steps (columns): walks along the leaves change the image in the directions the model reads; walks across leave its prediction unchanged.`, true));
      charts.push(figure(walkProbabilityChart(walks, ctx), `The probability of the class predicted at the start along ${walks.walks.length} walks of ${walks.steps} steps from ${new Set(walks.walks.map((x) => x.start)).size} points.`));
    }
    parts.push(grid(...charts));
    const details: string[] = [];
    details.push(
      `<details class="more"><summary>Spectrum per k</summary>${table(
        ['k', 'points', 'min', 'q1', 'median', 'q3', 'max'],
        spectrum.stats.boxes.map((b) => [String(b.k + 1), String(b.count), fixed(b.min, 2), fixed(b.q1, 2), fixed(b.median, 2), fixed(b.q3, 2), fixed(b.max, 2)]),
      )}</details>`,
    );
    if (walks) details.push(`<details class="more"><summary>Foliation walks</summary>${walkTable(walks)}</details>`);
    if (distances) {
      details.push(
        `<details class="more"><summary>Datasets compared</summary>${table(
          ['dataset', 'kind', 'points', 'accuracy', 'mean confidence'],
          distances.datasets.map((x) => [esc(x.name), x.kind, String(x.n), percent(x.accuracy), fixed(x.meanConfidence, 3)]),
          [false, false, true, true, true],
        )}</details>`,
      );
    }
    parts.push(details.join(''));
    parts.push(method(`${spectrum.method}${walks ? ` ${walks.method}` : ''}${distances ? ` Distance between spectra: ${distances.definition}` : ''}`));
    parts.push(warnings(spectrum.warnings));
    return { headline: dimHeadline(spectrum, walks, distances), body: parts.join('\n') };
  },
  compare(runs, ctx) {
    if (!runs.length) return null;
    const K = Math.max(...runs.map((r) => maxRank(r.results.spectrum)));
    const groups = runs.map((r) => {
      const boxes: (BoxSummary | undefined)[] = new Array(K).fill(undefined);
      for (const b of r.results.spectrum.stats.boxes) if (b.k < K) boxes[b.k] = b;
      return { name: r.label, boxes };
    });
    const svg = boxChart({ id: `${ctx.idPrefix}-spectra`, standalone: false, xLabel: 'k (1 = largest eigenvalue)', yLabel: 'log10 λ_k (eigenvalue of D(x))' }, groups);
    const rows = runs.map((r) => [esc(r.label), esc(r.results.spectrum.dataset.name), String(r.results.spectrum.n), rankWords(r.results.spectrum), fixed(r.results.spectrum.stats.boxes[0]?.median, 2)]);
    return grid(figure(svg, 'The DIM spectra of the runs side by side, per k.', true)) + table(['run', 'data', 'points', 'rank', 'median log10 λ<sub>1</sub>'], rows, [false, false, true, false, true]);
  },
});
