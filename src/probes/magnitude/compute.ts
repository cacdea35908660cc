/**
 * The mathematics of metric-space magnitude (Leinster 2013; as computed by the magnipy library, aidos-lab/magnipy,
 * for Andreeva, Limbeck, Rieck & Sarkar 2023, "Metric Space Magnitude and Generalisation in Neural Networks"):
 * the similarity matrix Z_ij = exp(−t·d_ij), the weighting w solving Z w = 1, the magnitude |tX| = Σ_i w_i, the
 * scales (convergence scale and grids), the magnitude-dimension profile and the magnitude dimension.
 * Pure functions on typed arrays; the solvers that need onnxruntime live in ./solve.ts.
 */
import { GeolensError } from '../../errors.js';
import { hashBytes } from '../../util/hash.js';
import type { MagnitudeGrid } from './types.js';

const bad = (message: string): never => {
  throw new GeolensError('BAD_ARGUMENT', message);
};

/**
 * Z = exp(−t·D) elementwise for a row-major distance matrix D [n, n] (written into `out` when given). Z_ii = 1 for a
 * zero diagonal; entries underflow to 0 for t·d > 745. For a symmetric D pass `n`: only the lower triangle is
 * exponentiated (in 64 × 64 tiles) and mirrored, half the Math.exp calls.
 */
export function similarityMatrix(D: Float64Array, t: number, out: Float64Array = new Float64Array(D.length), n?: number): Float64Array {
  if (!(t >= 0) || !Number.isFinite(t)) bad(`magnitude: the scale t must be finite and ≥ 0 (got ${t}).`);
  if (n === undefined) {
    for (let i = 0; i < D.length; i++) out[i] = Math.exp(-t * D[i]!);
    return out;
  }
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = 0; j0 <= i0; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        const jEnd = Math.min(j1, i + 1);
        for (let j = j0; j < jEnd; j++) {
          const v = Math.exp(-t * D[i * n + j]!);
          out[i * n + j] = v;
          out[j * n + i] = v;
        }
      }
    }
  }
  return out;
}

/**
 * Cholesky factorisation A = L Lᵀ in place: on return the lower triangle of the row-major n×n `a` holds L (the strict
 * upper triangle is left as it was). Returns false, leaving `a` partly overwritten, when a pivot is not above
 * `pivotTolerance` times the original diagonal entry (A singular to working precision, or not positive definite).
 * Row-oriented (Cholesky–Crout) loops over contiguous rows; n³/6 multiply-adds.
 */
export function choleskyInPlace(a: Float64Array, n: number, pivotTolerance = 0): boolean {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      if (i === j) {
        if (!(s > pivotTolerance * Math.abs(a[ri + i]!)) || !Number.isFinite(s)) return false;
        a[ri + i] = Math.sqrt(s);
      } else a[ri + j] = s / a[rj + j]!;
    }
  }
  return true;
}

/** L⁻¹ in place for a row-major lower-triangular n×n L with a non-zero diagonal (strict upper triangle ignored). */
export function invertLowerInPlace(l: Float64Array, n: number): void {
  // column j of L⁻¹ from row j down: X[i, j] = −(Σ_{k=j}^{i−1} L[i, k] X[k, j]) / L[i, i]; rows below j are still L.
  // Work on a copy of the original rows to keep the loops simple.
  const orig = l.slice();
  for (let j = 0; j < n; j++) {
    l[j * n + j] = 1 / orig[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += orig[i * n + k]! * l[k * n + j]!;
      l[i * n + j] = -s / orig[i * n + i]!;
    }
  }
}

/** Solve L Lᵀ x = b with the lower Cholesky factor L (row-major n×n): forward then back substitution. */
export function choleskySolve(L: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = y[i]!;
    for (let k = 0; k < i; k++) s -= L[ri + k]! * y[k]!;
    y[i] = s / L[ri + i]!;
  }
  // Lᵀ x = y: x_i = (y_i − Σ_{j>i} L[j, i] x_j) / L[i, i], done as row updates with row i of L
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const xi = y[i]! / L[ri + i]!;
    y[i] = xi;
    for (let k = 0; k < i; k++) y[k]! -= L[ri + k]! * xi;
  }
  return y;
}

/** Σ v_i (pairwise-free plain sum: the weights of a magnitude are O(1) each). */
export function sum(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
}

/** ‖Zw − 1‖₂ from Zw. */
export function residualNorm(zw: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < zw.length; i++) s += (zw[i]! - 1) ** 2;
  return Math.sqrt(s);
}

export interface ConjugateGradientOptions {
  /** Stop when ‖b − A x‖₂ ≤ tolerance · ‖b‖₂ (default 1e-12). */
  tolerance?: number;
  /** Default max(200, min(2n, 5000)). */
  maxIterations?: number;
  /** A symmetric positive definite preconditioner: M⁻¹ r (returns a new array or writes into `out`). */
  precondition?: (r: Float64Array, out: Float64Array) => Float64Array;
}

/**
 * The block-Jacobi preconditioner of a symmetric positive definite row-major A [n, n]: the Cholesky factors of its
 * diagonal blocks of `block` consecutive rows, and M⁻¹ r = blockdiag(A)⁻¹ r by two triangular solves per block
 * (n·block multiply-adds; setup n·block²/6). Points recorded in order (a training trajectory) have their nearest
 * neighbours in the same block, so the blocks hold most of Z's large entries; measured on the bench's random walk
 * (n = 2000, 10⁴ dimensions), conjugate-gradient iterations to 1e-12 at t = 0.2 / 0.4 / 1: 177 / 99 / 33 without,
 * 42 / 25 / 13 with blocks of 64, 26 / 17 / 11 with 256. A block whose factorisation fails (duplicate points) is
 * left as the identity.
 */
export function blockJacobi(a: ArrayLike<number>, n: number, block: number): (r: Float64Array, out: Float64Array) => Float64Array {
  const factors: { i0: number; b: number; l: Float64Array | null }[] = [];
  for (let i0 = 0; i0 < n; i0 += block) {
    const b = Math.min(block, n - i0);
    const l = new Float64Array(b * b);
    for (let i = 0; i < b; i++) for (let j = 0; j <= i; j++) l[i * b + j] = a[(i0 + i) * n + i0 + j]!;
    factors.push({ i0, b, l: choleskyInPlace(l, b, 1e-10) ? l : null });
  }
  return (r, out) => {
    for (const { i0, b, l } of factors) {
      if (!l) {
        for (let i = 0; i < b; i++) out[i0 + i] = r[i0 + i]!;
        continue;
      }
      for (let i = 0; i < b; i++) {
        const ri = i * b;
        let s = r[i0 + i]!;
        for (let k = 0; k < i; k++) s -= l[ri + k]! * out[i0 + k]!;
        out[i0 + i] = s / l[ri + i]!;
      }
      for (let i = b - 1; i >= 0; i--) {
        const ri = i * b;
        const xi = out[i0 + i]! / l[ri + i]!;
        out[i0 + i] = xi;
        for (let k = 0; k < i; k++) out[i0 + k]! -= l[ri + k]! * xi;
      }
    }
    return out;
  };
}

export interface ConjugateGradientResult {
  x: Float64Array;
  /** ‖b − A x‖₂ of the returned x (the recursively updated residual, refreshed by a true product at the end). */
  residual: number;
  iterations: number;
  converged: boolean;
}

/**
 * Conjugate gradient for a symmetric positive (semi-)definite A given by its product `apply(v) = A v`, from the
 * start x0 (a warm start: the weighting of the previous scale), preconditioned when `options.precondition` is given
 * (Saad 2003, Algorithm 9.1; the stopping test stays on the unpreconditioned residual). Hestenes–Stiefel recurrences; the residual is
 * recomputed as b − A x every 50 iterations and at the end, so the reported residual is a true one. Returns the
 * iterate with the smallest true residual seen when the tolerance is not met within maxIterations.
 */
export async function conjugateGradient(apply: (v: Float64Array) => Promise<Float64Array> | Float64Array, b: Float64Array, x0: Float64Array, options: ConjugateGradientOptions = {}): Promise<ConjugateGradientResult> {
  const n = b.length;
  const tol = options.tolerance ?? 1e-12;
  const maxIt = options.maxIterations ?? Math.max(200, Math.min(2 * n, 5000));
  let bn = 0;
  for (let i = 0; i < n; i++) bn += b[i]! * b[i]!;
  bn = Math.sqrt(bn);
  const x = Float64Array.from(x0);
  const trueResidual = async (): Promise<Float64Array> => {
    const ax = await apply(x);
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) r[i] = b[i]! - ax[i]!;
    return r;
  };
  const M = options.precondition;
  const zr = new Float64Array(n);
  const dot = (u: Float64Array, v: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += u[i]! * v[i]!;
    return s;
  };
  let r = await trueResidual();
  let rr = dot(r, r);
  let z = M ? M(r, zr) : r;
  let rz = M ? dot(r, z) : rr;
  let best = { x: x.slice(), residual: Math.sqrt(rr) };
  const p = z.slice();
  let it = 0;
  while (Math.sqrt(rr) > tol * bn && it < maxIt) {
    const ap = await apply(p);
    const pap = dot(p, ap);
    if (!(pap > 0)) break; // A singular along p (or not positive): no further progress possible
    const alpha = rz / pap;
    for (let i = 0; i < n; i++) {
      x[i]! += alpha * p[i]!;
      r[i]! -= alpha * ap[i]!;
    }
    it++;
    if (it % 50 === 0) r = await trueResidual();
    const rrNew = dot(r, r);
    if (it % 50 === 0 && Math.sqrt(rrNew) < best.residual) best = { x: x.slice(), residual: Math.sqrt(rrNew) };
    z = M ? M(r, zr) : r;
    const rzNew = M ? dot(r, z) : rrNew;
    const beta = rzNew / rz;
    rr = rrNew;
    rz = rzNew;
    for (let i = 0; i < n; i++) p[i] = z[i]! + beta * p[i]!;
  }
  r = await trueResidual();
  const res = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
  if (res <= best.residual || it === 0) best = { x, residual: res };
  return { x: best.x, residual: best.residual, iterations: it, converged: best.residual <= tol * bn };
}

// ------------------------------------------------------------------------------------------------ scales

/**
 * A root of a continuous f on [a, b] with f(a)·f(b) ≤ 0 by Brent's method (inverse quadratic interpolation, secant
 * and bisection; Brent 1973, ch. 4), to a bracket width ≤ 2·(rtol·|x| + atol). `fa`, `fb` are f(a), f(b) when known.
 * magnipy uses SciPy's TOMS 748 with rtol 1e-5 for the same bracket; both return the root to that tolerance.
 * No maintained npm package offers a bracketing root finder, hence this one.
 */
export async function brentRoot(f: (x: number) => Promise<number> | number, a: number, b: number, o: { fa?: number; fb?: number; rtol?: number; atol?: number; maxIterations?: number } = {}): Promise<{ root: number; evaluations: number }> {
  const rtol = o.rtol ?? 1e-5;
  const atol = o.atol ?? 1e-12;
  const maxIt = o.maxIterations ?? 100;
  let evaluations = 0;
  const F = async (x: number): Promise<number> => {
    evaluations++;
    return f(x);
  };
  let fa = o.fa ?? (await F(a));
  let fb = o.fb ?? (await F(b));
  if (fa === 0) return { root: a, evaluations };
  if (fb === 0) return { root: b, evaluations };
  if (fa * fb > 0) bad(`brentRoot: f(${a}) = ${fa} and f(${b}) = ${fb} have the same sign; the interval does not bracket a root.`);
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let it = 0; it < maxIt; it++) {
    if (fb * fc > 0) {
      c = a;
      fc = fa;
      d = e = b - a;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + rtol * Math.abs(b) + atol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return { root: b, evaluations };
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      let p: number;
      let q: number;
      const s = fb / fa;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = await F(b);
  }
  return { root: b, evaluations };
}

/**
 * The evaluation scales between 0 and the convergence scale as magnipy's `get_scales` chooses them with its
 * one-point property: `count` scales in all, the first t = 0 (where |0X| = 1); 'linear': 0, t_c/(count−1), …, t_c;
 * 'log': 0 then count − 1 geometrically spaced scales from `from`·t_c (default 1/count, magnipy's) to t_c
 * (numpy.geomspace).
 */
export function magnitudeScales(tConv: number, count: number, grid: MagnitudeGrid, from = 1 / count): number[] {
  if (!(tConv > 0) || !Number.isFinite(tConv)) bad(`magnitude: the convergence scale must be finite and > 0 (got ${tConv}).`);
  if (!Number.isInteger(count) || count < 3) bad(`magnitude: use at least 3 scales (got ${count}); the dimension profile needs two positive ones.`);
  if (grid === 'linear') return Array.from({ length: count }, (_, i) => (i === count - 1 ? tConv : (tConv * i) / (count - 1)));
  const k = count - 1;
  if (!(from > 0 && from < 1)) bad(`magnitude: a log grid starts at a fraction of t_conv in (0, 1) (got ${from}).`);
  const lo = Math.log(tConv * from);
  const hi = Math.log(tConv);
  return [0, ...Array.from({ length: k }, (_, i) => (i === k - 1 ? tConv : Math.exp(lo + ((hi - lo) * i) / (k - 1))))];
}

/**
 * The magnitude-dimension profile: the slope of log|tX| against log t between consecutive positive scales, placed
 * at their log-midpoints √(t_i·t_{i+1}) (magnipy's `magitude_dimension_profile_interp`). Scales ≤ 0 are skipped.
 */
export function magnitudeDimensionProfile(scales: number[], magnitudes: number[]): { scales: number[]; values: number[] } {
  if (scales.length !== magnitudes.length) bad(`magnitudeDimensionProfile: ${scales.length} scales but ${magnitudes.length} magnitudes.`);
  const pts = scales.map((t, i) => [t, magnitudes[i]!] as const).filter(([t]) => t > 0);
  const out = { scales: [] as number[], values: [] as number[] };
  for (let i = 0; i + 1 < pts.length; i++) {
    const [t0, m0] = pts[i]!;
    const [t1, m1] = pts[i + 1]!;
    out.scales.push(Math.sqrt(t0 * t1));
    out.values.push((Math.log(m1) - Math.log(m0)) / (Math.log(t1) - Math.log(t0)));
  }
  return out;
}

/** The magnitude dimension: the maximum of the profile, and the scale where it is reached (NaN for an empty profile). */
export function magnitudeDimension(profile: { scales: number[]; values: number[] }): { value: number; scale: number } {
  let best = -1;
  profile.values.forEach((v, i) => {
    if (Number.isFinite(v) && (best < 0 || v > profile.values[best]!)) best = i;
  });
  return best < 0 ? { value: NaN, scale: NaN } : { value: profile.values[best]!, scale: profile.scales[best]! };
}

/**
 * The distinct rows of x ([n, d] row-major, compared by value, −0 = 0): `keep` lists the first row of each group in
 * order, `groupOf[i]` is the position in `keep` of row i's group. A metric space has no repeated points; a cloud with
 * repeats (or a pseudometric with zero distances) has the magnitude of its distinct points. Rows are hashed
 * (util/hash) and compared element by element within a hash bucket.
 */
export function distinctRows(x: ArrayLike<number>, n: number, d: number): { keep: number[]; groupOf: Int32Array } {
  const buckets = new Map<string, number[]>();
  const keep: number[] = [];
  const groupOf = new Int32Array(n);
  const row = new Float64Array(d);
  const bytes = new Uint8Array(row.buffer);
  const same = (a: number, b: number): boolean => {
    for (let j = 0; j < d; j++) if (x[a * d + j] !== x[b * d + j]) return false;
    return true;
  };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j]! + 0; // + 0 turns −0 into 0
    const h = hashBytes(bytes);
    const bucket = buckets.get(h);
    const g = bucket?.find((k) => same(keep[k]!, i));
    if (g === undefined) {
      if (bucket) bucket.push(keep.length);
      else buckets.set(h, [keep.length]);
      groupOf[i] = keep.length;
      keep.push(i);
    } else groupOf[i] = g;
  }
  return { keep, groupOf };
}
