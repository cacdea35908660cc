/**
 * Correlation and ordinary least-squares line fits with Student-t confidence intervals, in float64.
 * Results use `null` (not NaN) for undefined quantities so they serialise to JSON as is.
 *
 * Hand-written here, and why: the centred moments, Pearson r and the least-squares line with its standard errors
 * (`moments`, `pearson`, `linearFit`) are geolens' own — a few lines of two-pass sums that fix the exact quantities
 * the separation law reports (null for undefined values, typed errors), not worth a dependency. The Student-t CDF and
 * quantile, the regularised incomplete beta function and log Γ are not: they come from stdlib (see below).
 */
import betainc from '@stdlib/math-base-special-betainc';
import gammaln from '@stdlib/math-base-special-gammaln';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { fail } from '../errors.js';

/** Result of `linearFit`: y ≈ intercept + slope·x by ordinary least squares. */
export interface LinearFit {
  /** Number of points. */
  n: number;
  /** Residual degrees of freedom, n − 2. */
  dof: number;
  slope: number;
  intercept: number;
  /** Standard error of the slope, √(SSE/(n−2) / Σ(x−x̄)²); null when n = 2. */
  slopeStderr: number | null;
  /** Standard error of the intercept; null when n = 2. */
  interceptStderr: number | null;
  /** Two-sided 95% confidence interval of the slope: slope ± t_{0.975, n−2}·stderr; null when n = 2. */
  slopeCI95: [number, number] | null;
  /** Pearson correlation of x and y; null when y is constant (undefined). */
  r: number | null;
  /** Residuals y_i − (intercept + slope·x_i), in input order. */
  residuals: number[];
}

function checkPair(name: string, x: ArrayLike<number>, y: ArrayLike<number>, min: number): void {
  if (x.length !== y.length) fail('BAD_SHAPE', `${name}: x has ${x.length} values but y has ${y.length}; pass paired samples`);
  if (x.length < min) fail('BAD_ARGUMENT', `${name}: needs at least ${min} points, got ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) {
      fail('BAD_ARGUMENT', `${name}: point ${i} is not finite (x = ${x[i]}, y = ${y[i]}); remove NaN/Infinity first`);
    }
  }
}

interface Moments {
  xm: number;
  ym: number;
  sxx: number;
  syy: number;
  sxy: number;
}

function moments(x: ArrayLike<number>, y: ArrayLike<number>): Moments {
  const n = x.length;
  let xm = 0;
  let ym = 0;
  for (let i = 0; i < n; i++) {
    xm += x[i]!;
    ym += y[i]!;
  }
  xm /= n;
  ym /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - xm;
    const dy = y[i]! - ym;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  return { xm, ym, sxx, syy, sxy };
}

/**
 * Pearson correlation coefficient of paired samples (two-pass, centred sums). Returns NaN when either sample is
 * constant (the coefficient is undefined there). Needs at least 2 points.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPair('pearson', x, y, 2);
  const { sxx, syy, sxy } = moments(x, y);
  if (sxx === 0 || syy === 0) return NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/**
 * Ordinary least-squares fit y ≈ intercept + slope·x with the slope's standard error, its two-sided 95% Student-t
 * confidence interval (n − 2 degrees of freedom), Pearson r and the residuals. Needs ≥ 2 points and non-constant x.
 */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>): LinearFit {
  checkPair('linearFit', x, y, 2);
  const n = x.length;
  const { xm, ym, sxx, syy, sxy } = moments(x, y);
  if (sxx === 0) fail('BAD_ARGUMENT', 'linearFit: all x values are equal, so the slope is undefined; pass at least two distinct x');
  const slope = sxy / sxx;
  const intercept = ym - slope * xm;
  const residuals: number[] = new Array<number>(n);
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const e = y[i]! - (intercept + slope * x[i]!);
    residuals[i] = e;
    sse += e * e;
  }
  const dof = n - 2;
  let slopeStderr: number | null = null;
  let interceptStderr: number | null = null;
  let slopeCI95: [number, number] | null = null;
  if (dof > 0) {
    const s2 = sse / dof;
    slopeStderr = Math.sqrt(s2 / sxx);
    interceptStderr = Math.sqrt(s2 * (1 / n + (xm * xm) / sxx));
    const t = studentTQuantile(0.975, dof);
    slopeCI95 = [slope - t * slopeStderr, slope + t * slopeStderr];
  }
  const r = syy === 0 ? null : Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  return { n, dof, slope, intercept, slopeStderr, interceptStderr, slopeCI95, r, residuals };
}

// ---- Student t distribution -------------------------------------------------------------------------------------
// The special functions come from stdlib (@stdlib/*: maintained, typed, browser-safe, accurate to a few ulp against
// SciPy; jstat's studentt.inv is off by ~1e-8 relative, simple-statistics has no t quantile). The wrappers below only
// keep geolens' argument checks and typed errors.

/** log Γ(x) for x > 0 (stdlib's gammaln). */
export function logGamma(x: number): number {
  if (!(x > 0)) fail('BAD_ARGUMENT', `logGamma: x must be positive, got ${x}`);
  return gammaln(x);
}

/** Regularised incomplete beta function I_x(a, b) for a, b > 0, x ∈ [0, 1] (stdlib's betainc). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) fail('BAD_ARGUMENT', `regularizedIncompleteBeta: a and b must be positive, got ${a}, ${b}`);
  if (!(x >= 0 && x <= 1)) fail('BAD_ARGUMENT', `regularizedIncompleteBeta: x must be in [0, 1], got ${x}`);
  return betainc(x, a, b);
}

/** Cumulative distribution function of Student's t with `df` > 0 degrees of freedom (stdlib's t CDF). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) fail('BAD_ARGUMENT', `studentTCdf: df must be positive, got ${df}`);
  return tCdf(t, df);
}

/** Quantile (inverse CDF) of Student's t with `df` > 0 degrees of freedom, for probability p ∈ (0, 1) (stdlib's t quantile). */
export function studentTQuantile(p: number, df: number): number {
  if (!(df > 0)) fail('BAD_ARGUMENT', `studentTQuantile: df must be positive, got ${df}`);
  if (!(p > 0 && p < 1)) fail('BAD_ARGUMENT', `studentTQuantile: p must be in (0, 1), got ${p}`);
  return tQuantile(p, df);
}
