/**
 * Correlation and ordinary least-squares line fits with Student-t confidence intervals, in float64.
 * Results use `null` (not NaN) for undefined quantities so they serialise to JSON as is.
 */
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

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7; relative error ≈ 1e-15). */
export function logGamma(x: number): number {
  if (!(x > 0)) fail('BAD_ARGUMENT', `logGamma: x must be positive, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) s += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Continued fraction for the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** Regularised incomplete beta function I_x(a, b) for a, b > 0, x ∈ [0, 1]. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) fail('BAD_ARGUMENT', `regularizedIncompleteBeta: a and b must be positive, got ${a}, ${b}`);
  if (!(x >= 0 && x <= 1)) fail('BAD_ARGUMENT', `regularizedIncompleteBeta: x must be in [0, 1], got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const lbt = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const bt = Math.exp(lbt);
  if (x < (a + 1) / (a + b + 2)) return (bt * betaContinuedFraction(x, a, b)) / a;
  return 1 - (bt * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Cumulative distribution function of Student's t with `df` > 0 degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) fail('BAD_ARGUMENT', `studentTCdf: df must be positive, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedIncompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile (inverse CDF) of Student's t with `df` > 0 degrees of freedom, for probability p ∈ (0, 1). */
export function studentTQuantile(p: number, df: number): number {
  if (!(df > 0)) fail('BAD_ARGUMENT', `studentTQuantile: df must be positive, got ${df}`);
  if (!(p > 0 && p < 1)) fail('BAD_ARGUMENT', `studentTQuantile: p must be in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  // Upper tail probability q = 1 − p, solved on the tail directly to keep precision: 0.5·I_{df/(df+t²)}(df/2, ½) = q.
  const q = 1 - p;
  const tail = (t: number): number => 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  let lo = 0;
  let hi = 1;
  while (tail(hi) > q) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (tail(mid) > q) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
