/**
 * Moore–Penrose pseudo-inverse of a symmetric matrix through its eigendecomposition, with an explicit relative
 * rank tolerance.
 */
import { fail } from '../errors.js';
import { symmetricEigen } from './eigen.js';

/**
 * Default relative rank tolerance: eigenvalues with |λ| ≤ rtol·max|λ| count as zero. 1e-10 sits well above the
 * roundoff of a float64 eigensolver (≈ n·ε·‖A‖, ε = 2.2e-16, so ≈ 1e-13 for n = 1000) and still resolves condition
 * numbers up to 1e10. Note this is a tolerance on eigenvalues; for a Gram matrix AᵀA it corresponds to a tolerance
 * of √rtol = 1e-5 on the singular values of A.
 */
export const DEFAULT_RANK_RTOL = 1e-10;

export interface SymmetricPinv {
  /** The pseudo-inverse, n×n row-major, exactly symmetric. */
  pinv: Float64Array;
  /** Number of eigenvalues kept (the numerical rank). */
  rank: number;
  /** All eigenvalues, descending. */
  eigenvalues: Float64Array;
  /** The absolute cut actually applied: rtol·max|λ|. */
  threshold: number;
  /** The relative tolerance used. */
  rtol: number;
}

/** Check a relative tolerance argument and return it (or the default). */
export function checkRtol(name: string, rtol: number | undefined, fallback: number = DEFAULT_RANK_RTOL): number {
  const r = rtol ?? fallback;
  if (!Number.isFinite(r) || r < 0 || r >= 1) fail('BAD_ARGUMENT', `${name}: rtol must be a number in [0, 1), got ${rtol}`);
  return r;
}

/**
 * Moore–Penrose pseudo-inverse A⁺ = Σ_{|λ_k| > rtol·max|λ|} λ_k⁻¹ v_k v_kᵀ of the symmetric part of a row-major
 * n×n matrix. Works for indefinite matrices too (negative eigenvalues are inverted like positive ones).
 * A zero matrix has rank 0 and pseudo-inverse 0.
 */
export function pinvSymmetric(a: ArrayLike<number>, n: number, rtol: number = DEFAULT_RANK_RTOL): SymmetricPinv {
  const tol = checkRtol('pinvSymmetric', rtol);
  const eig = symmetricEigen(a, n);
  let maxAbs = 0;
  for (let k = 0; k < n; k++) maxAbs = Math.max(maxAbs, Math.abs(eig.values[k]!));
  const threshold = tol * maxAbs;
  const pinv = new Float64Array(n * n);
  let rank = 0;
  for (let k = 0; k < n; k++) {
    const lam = eig.values[k]!;
    if (!(Math.abs(lam) > threshold)) continue;
    rank++;
    const inv = 1 / lam;
    const v = eig.vectors.subarray(k * n, (k + 1) * n);
    for (let i = 0; i < n; i++) {
      const vi = v[i]! * inv;
      if (vi === 0) continue;
      for (let j = i; j < n; j++) pinv[i * n + j] = pinv[i * n + j]! + vi * v[j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) pinv[i * n + j] = pinv[j * n + i]!;
  return { pinv, rank, eigenvalues: eig.values, threshold, rtol: tol };
}
