/** Functions of positive semi-definite matrices through their eigendecomposition. */
import { symmetricEigen } from './eigen.js';

/**
 * The symmetric PSD square root S = V diag(√max(λ, 0)) Vᵀ of the symmetric part of a row-major n×n matrix
 * (so S·S = A for PSD A). Eigenvalues that roundoff made slightly negative are clipped to 0.
 */
export function psdSqrt(a: ArrayLike<number>, n: number): Float64Array {
  const eig = symmetricEigen(a, n);
  const s = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const lam = eig.values[k]!;
    if (!(lam > 0)) continue;
    const r = Math.sqrt(lam);
    const v = eig.vectors.subarray(k * n, (k + 1) * n);
    for (let i = 0; i < n; i++) {
      const vi = v[i]! * r;
      if (vi === 0) continue;
      for (let j = i; j < n; j++) s[i * n + j] = s[i * n + j]! + vi * v[j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) s[i * n + j] = s[j * n + i]!;
  return s;
}
