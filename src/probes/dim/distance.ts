/**
 * Summaries of, and distances between, DIM spectra (METHODS.md §2, dataset comparison). The paper plots boxes of
 * log10 λ_k per k and fixes no scalar distance; the one offered here is stated in `SPECTRUM_DISTANCE_DEFINITION`.
 */
import { fail } from '../../errors.js';
import type {
  DatasetDistanceMatrix,
  DimPointSpectrum,
  DimSpectrum,
  DimSpectrumStats,
  NamedSpectrum,
  SpectrumBox,
  SpectrumDistance,
  SpectrumDistanceOptions,
} from './types.js';

export const SPECTRUM_DISTANCE_DEFINITION =
  'd(a, b) = mean over k of W1(P_k^a, P_k^b), where P_k^s is the empirical distribution of log10 λ_k(x) over the ' +
  'points x of spectrum s with numerical rank > k (k = 0 is the largest eigenvalue), and W1 is the exact ' +
  '1-Wasserstein distance between 1-D empirical distributions, ∫_0^1 |F_a⁻¹(t) − F_b⁻¹(t)| dt with the sorted-sample ' +
  'quantile functions (unequal sample sizes allowed); k where either side has no eigenvalue above the rank tolerance ' +
  'is left out of the mean. Units: decades (orders of magnitude) of eigenvalue.';

export const QUANTILE_METHOD = 'linear interpolation between order statistics (Hyndman–Fan type 7, NumPy default)';

function pointsOf(s: DimSpectrum | DimPointSpectrum[], where: string): DimPointSpectrum[] {
  const pts = Array.isArray(s) ? s : s?.points;
  if (!Array.isArray(pts)) fail('BAD_ARGUMENT', `${where}: pass a dimSpectrum result or its points array`);
  return pts;
}

/** log10 λ_k over the points with rank > k, plus the number of points left out. */
function log10Column(pts: DimPointSpectrum[], k: number): { values: Float64Array; excluded: number } {
  const out: number[] = [];
  let excluded = 0;
  for (const pt of pts) {
    if (k < pt.rank && pt.eigenvalues[k]! > 0) out.push(Math.log10(pt.eigenvalues[k]!));
    else excluded++;
  }
  return { values: Float64Array.from(out), excluded };
}

function maxLength(pts: DimPointSpectrum[]): number {
  let m = 0;
  for (const pt of pts) m = Math.max(m, pt.eigenvalues.length);
  return m;
}

/** Quantile q ∈ [0, 1] of an ascending-sorted non-empty sample (type 7). */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) fail('BAD_ARGUMENT', 'sortedQuantile: empty sample');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Box summaries (min, q1, median, q3, max, mean) of log10 λ_k for every k, over the points whose numerical rank
 * exceeds k (eigenvalues below the rank tolerance are counted in `excluded`, not as −∞).
 */
export function dimSpectrumStats(perPoint: DimSpectrum | DimPointSpectrum[]): DimSpectrumStats {
  const pts = pointsOf(perPoint, 'dimSpectrumStats');
  const boxes: SpectrumBox[] = [];
  const K = maxLength(pts);
  for (let k = 0; k < K; k++) {
    const { values, excluded } = log10Column(pts, k);
    if (values.length === 0) continue;
    values.sort();
    let mean = 0;
    for (const v of values) mean += v;
    mean /= values.length;
    boxes.push({
      k,
      count: values.length,
      excluded,
      min: values[0]!,
      q1: sortedQuantile(values, 0.25),
      median: sortedQuantile(values, 0.5),
      q3: sortedQuantile(values, 0.75),
      max: values[values.length - 1]!,
      mean,
    });
  }
  return { schemaVersion: 1, quantity: 'log10 of the k-th largest eigenvalue of D(x)', quantileMethod: QUANTILE_METHOD, boxes };
}

/**
 * Exact 1-Wasserstein distance between the empirical distributions of two finite 1-D samples (any sizes ≥ 1):
 * ∫_0^1 |F_a⁻¹(t) − F_b⁻¹(t)| dt, evaluated on the merged breakpoints i/n, j/m of the two step quantile functions
 * (weights kept as integers over n·m, so no breakpoint is lost to rounding).
 */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) fail('BAD_ARGUMENT', 'wasserstein1: both samples must be non-empty');
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  if (!Number.isFinite(x[0]!) || !Number.isFinite(x[n - 1]!) || !Number.isFinite(y[0]!) || !Number.isFinite(y[m - 1]!)) {
    fail('BAD_ARGUMENT', 'wasserstein1: samples must be finite');
  }
  // t runs over [0, n·m]; sample i of x covers (i·m, (i+1)·m], sample j of y covers (j·n, (j+1)·n].
  let i = 0;
  let j = 0;
  let t = 0;
  let total = 0;
  while (i < n && j < m) {
    const ei = (i + 1) * m;
    const ej = (j + 1) * n;
    const next = Math.min(ei, ej);
    total += Math.abs(x[i]! - y[j]!) * (next - t);
    t = next;
    if (ei === next) i++;
    if (ej === next) j++;
  }
  return total / (n * m);
}

/**
 * Distance between two DIM spectra (e.g. one model evaluated on two datasets): the mean over k of the exact
 * 1-Wasserstein distance between the empirical distributions of log10 λ_k (see `SPECTRUM_DISTANCE_DEFINITION`,
 * repeated in the result).
 */
export function spectrumDistance(
  a: DimSpectrum | DimPointSpectrum[],
  b: DimSpectrum | DimPointSpectrum[],
  opts: SpectrumDistanceOptions = {},
): SpectrumDistance {
  const pa = pointsOf(a, 'spectrumDistance');
  const pb = pointsOf(b, 'spectrumDistance');
  let K = Math.max(maxLength(pa), maxLength(pb));
  if (opts.topK !== undefined) {
    if (!Number.isInteger(opts.topK) || opts.topK < 1) fail('BAD_ARGUMENT', `spectrumDistance: topK must be a positive integer, got ${opts.topK}`);
    K = Math.min(K, opts.topK);
  }
  const perK: SpectrumDistance['perK'] = [];
  let sum = 0;
  let numK = 0;
  for (let k = 0; k < K; k++) {
    const ca = log10Column(pa, k).values;
    const cb = log10Column(pb, k).values;
    let w1: number | null = null;
    if (ca.length > 0 && cb.length > 0) {
      w1 = wasserstein1(ca, cb);
      sum += w1;
      numK++;
    }
    perK.push({ k, w1, countA: ca.length, countB: cb.length });
  }
  return {
    schemaVersion: 1,
    definition: SPECTRUM_DISTANCE_DEFINITION,
    distance: numK > 0 ? sum / numK : null,
    perK,
    numK,
  };
}

/** Symmetric matrix of `spectrumDistance` between named spectra (zero diagonal). */
export function datasetDistanceMatrix(spectra: NamedSpectrum[], opts: SpectrumDistanceOptions = {}): DatasetDistanceMatrix {
  if (!Array.isArray(spectra) || spectra.length === 0) fail('BAD_ARGUMENT', 'datasetDistanceMatrix: pass at least one {name, spectrum}');
  const names = spectra.map((s) => s.name);
  if (new Set(names).size !== names.length) fail('BAD_ARGUMENT', `datasetDistanceMatrix: names must be unique, got [${names.join(', ')}]`);
  const n = spectra.length;
  const matrix: (number | null)[][] = Array.from({ length: n }, () => new Array<number | null>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dist = spectrumDistance(spectra[i]!.spectrum, spectra[j]!.spectrum, opts).distance;
      matrix[i]![j] = dist;
      matrix[j]![i] = dist;
    }
  }
  return { schemaVersion: 1, definition: SPECTRUM_DISTANCE_DEFINITION, names, matrix };
}
