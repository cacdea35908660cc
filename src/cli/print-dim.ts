/** The plain-text tables `geolens probe dim` prints for its results. */
import type { DimDistancesResult, DimResult, DimWalksResult, WalkSummary } from '../probes/dim/types.js';
import { formatTable } from './probe-common.js';

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : String(v));
const g3 = (v: number): string => (Number.isFinite(v) ? (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential(2) : Number(v.toPrecision(4)).toString()) : String(v));

/** The spectrum: box statistics of log10 λ_k per k, the rank distribution, the trace. */
export function printDimSpectrum(r: DimResult, path: string, datasetSize: number): string[] {
  const lines: string[] = [];
  const C = r.model.numClasses;
  lines.push(`DIM spectrum of ${path} on ${r.dataset.name}: n = ${r.n} of ${datasetSize} points (seed ${r.dataset.seed}), C = ${C}, d = ${r.model.inputDim}; accuracy on these points ${(100 * r.accuracy).toFixed(1)}%`);
  lines.push(`log10 λ_k of D(x) = Jᵀ(diag p − ppᵀ)J (k = 1 largest; count = points with rank ≥ k):`);
  const rows = [['k', 'count', 'min', 'q1', 'median', 'q3', 'max', 'mean']];
  for (const b of r.stats.boxes) rows.push([String(b.k + 1), String(b.count), f3(b.min), f3(b.q1), f3(b.median), f3(b.q3), f3(b.max), f3(b.mean)]);
  lines.push(...formatTable(rows));
  const rankText = r.rankDistribution.counts
    .map((c, k) => [k, c] as const)
    .filter(([, c]) => c > 0)
    .reverse()
    .map(([k, c]) => `rank ${k}: ${c} (${((100 * c) / r.n).toFixed(1)}%)`)
    .join(', ');
  lines.push(`rank of D(x) (≤ C − 1 = ${C - 1}, rtol ${r.rtol}): ${rankText}`);
  const tr = r.trace;
  lines.push(`trace D(x): min ${g3(tr.min)}  q1 ${g3(tr.q1)}  median ${g3(tr.median)}  q3 ${g3(tr.q3)}  max ${g3(tr.max)}  mean ${g3(tr.mean)}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines;
}

const summaryRow = (label: string, s: WalkSummary): string[] => [label, String(s.walks), f3(s.medianMaxProbabilityChange), f3(s.maxMaxProbabilityChange), `${(100 * s.fractionClassChanged).toFixed(0)}%`, g3(s.medianLength)];

/** The foliation walks: per mode, how much the start class's probability changed. */
export function printDimWalks(w: DimWalksResult): string[] {
  const starts = new Set(w.walks.map((x) => x.start)).size;
  const lines = ['', `foliation walks (${w.steps} steps of ${g3(w.stepSize)}, from ${starts} data point(s), headings ±h): change of the probability of the start's predicted class`];
  const rows = [['mode', 'walks', 'median max|Δp|', 'max max|Δp|', 'class changed', 'median length']];
  for (const m of ['along', 'across'] as const) if (w.summary[m]) rows.push(summaryRow(m, w.summary[m]));
  if (w.field) for (const m of ['along', 'across'] as const) if (w.field.summary[m]) rows.push(summaryRow(`${m} (field)`, w.field.summary[m]));
  lines.push(...formatTable(rows));
  const a = w.summary.along;
  const c = w.summary.across;
  if (a && c) lines.push(`along changes p by ${f3(a.medianMaxProbabilityChange)} (median), across by ${f3(c.medianMaxProbabilityChange)}: across walks stay on a level set of p, along walks cross the class structure`);
  for (const x of w.walks) if (x.stoppedEarly) lines.push(`note: a ${x.mode} walk from point ${x.start} stopped early: ${x.stoppedEarly}`);
  return lines;
}

/** The compared datasets and the matrix of distances between their spectra. */
export function printDimDistances(r: DimDistancesResult, K: number): string[] {
  const lines = ['', 'datasets compared (the model evaluated on each):'];
  const drows = [['dataset', 'n', 'accuracy', 'mean conf.', 'median log10 λ_1', ...(K > 1 ? [`median log10 λ_${K}`] : []), `rank ${K}`]];
  for (const x of r.datasets) {
    const b1 = x.stats.boxes.find((b) => b.k === 0);
    const bK = x.stats.boxes.find((b) => b.k === K - 1);
    const full = `${((100 * x.rankDistribution[K]!) / Math.max(1, x.n)).toFixed(0)}%`;
    drows.push([x.name, String(x.n), `${(100 * x.accuracy).toFixed(1)}%`, f3(x.meanConfidence), b1 ? f3(b1.median) : '–', ...(K > 1 ? [bK ? f3(bK.median) : '–'] : []), full]);
  }
  lines.push(...formatTable(drows));
  lines.push('');
  lines.push('distance between spectra = mean over k of the 1-Wasserstein distance between the distributions of log10 λ_k (decades;');
  lines.push('for each k over the points whose rank exceeds k; see definition in dim-distances.json):');
  const { names, matrix } = r.matrix;
  const mrows = [['', ...names.map((_, i) => `[${i + 1}]`)]];
  names.forEach((nm, i) => mrows.push([`[${i + 1}] ${nm}`, ...matrix[i]!.map((v) => (v === null ? '–' : v.toFixed(3)))]));
  lines.push(...formatTable(mrows));
  return lines;
}
