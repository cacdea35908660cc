/**
 * Symmetric eigendecomposition: Householder reduction to tridiagonal form followed by the implicit QL algorithm
 * with Wilkinson-type shifts (the classic EISPACK tred2/tql2 pair, as in JAMA). O(n³), float64 throughout.
 *
 * Accuracy: eigenvalues carry an absolute error of a small multiple of n·ε·‖A‖₂ (ε = 2⁻⁵²); eigenvectors of
 * well-separated eigenvalues are orthonormal to about the same level. Eigenvalues much smaller than ε·‖A‖ are not
 * resolved relatively; pick rank tolerances above that level (see `pinvSymmetric`).
 */
import { fail } from '../errors.js';

/** Eigenpairs of a real symmetric n×n matrix. */
export interface SymmetricEigen {
  /** Size of the matrix. */
  n: number;
  /** Eigenvalues in descending order (length n). */
  values: Float64Array;
  /**
   * Eigenvectors as the ROWS of an n×n row-major array: eigenvector k (for `values[k]`) is
   * `vectors.subarray(k * n, (k + 1) * n)`. They are orthonormal; each is signed so that its entry of largest
   * magnitude is positive (deterministic output).
   */
  vectors: Float64Array;
}

const EPS = 2 ** -52;

/**
 * √(a² + b²) without overflow or underflow: the larger magnitude times √(1 + r²), r = smaller/larger (the scaling
 * of LAPACK's dlapy2). V8's Math.hypot is correctly rounded but about 6× slower, and the QL iteration calls this in
 * its inner loop; the two agree to an ulp or two, within the algorithm's own error.
 */
function hypot(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  if (x < y) {
    const t = x;
    x = y;
    y = t;
  }
  if (x === 0 || x === Infinity) return x;
  const r = y / x;
  return x * Math.sqrt(1 + r * r);
}

/**
 * Eigenvalues (descending) and orthonormal eigenvectors of the symmetric part (A + Aᵀ)/2 of a row-major n×n matrix.
 * Throws `BAD_ARGUMENT` for non-finite entries.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  const { V, d } = decompose(a, n, true, 'symmetricEigen');
  // Sort descending; V holds eigenvectors as columns. Emit them as rows with a deterministic sign.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y]! - d[x]! || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const c = order[k]!;
    values[k] = d[c]!;
    let big = 0;
    let sign = 1;
    for (let i = 0; i < n; i++) {
      const v = V[i * n + c]!;
      if (Math.abs(v) > big) {
        big = Math.abs(v);
        sign = v < 0 ? -1 : 1;
      }
    }
    for (let i = 0; i < n; i++) vectors[k * n + i] = sign * V[i * n + c]!;
  }
  return { n, values, vectors };
}

/**
 * The eigenvalues alone (descending) of the symmetric part (A + Aᵀ)/2 of a row-major n×n matrix: the same values
 * as `symmetricEigen(a, n).values` (the same reduction and QL iteration) without accumulating the eigenvectors,
 * which is most of the work for small n. Throws `BAD_ARGUMENT` for non-finite entries.
 */
export function symmetricEigenvalues(a: ArrayLike<number>, n: number): Float64Array {
  const { d } = decompose(a, n, false, 'symmetricEigenvalues');
  return d.sort().reverse();
}

/** tred2 + tql2 on the symmetric part of `a`: eigenvalues in d (unsorted), eigenvectors as V's columns when `vectors`. */
function decompose(a: ArrayLike<number>, n: number, vectors: boolean, where: string): { V: Float64Array; d: Float64Array } {
  if (!Number.isInteger(n) || n < 0) fail('BAD_ARGUMENT', `${where}: n must be a non-negative integer, got ${n}`);
  if (a.length !== n * n) {
    fail('BAD_SHAPE', `${where}: the matrix has ${a.length} elements but n = ${n} needs ${n * n}; pass a row-major n×n array`);
  }
  // V starts as the symmetric part of A (row-major), d and e are the diagonal / sub-diagonal workspaces.
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = 0.5 * (a[i * n + j]! + a[j * n + i]!);
      if (!Number.isFinite(v)) {
        fail('BAD_ARGUMENT', `${where}: entry (${i}, ${j}) is not finite (${a[i * n + j]}); remove NaN/Infinity from the input`);
      }
      V[i * n + j] = v;
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 1) {
    d[0] = V[0]!;
    V[0] = 1;
  } else if (n > 1) {
    tred2(V, d, e, n, vectors);
    tql2(V, d, e, n, vectors, where);
  }
  return { V, d };
}

/** Householder tridiagonalisation; V (row-major) becomes the accumulated orthogonal transform when `vectors`. */
function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number, vectors: boolean): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j]!;
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[j * n + i] = f;
        g = e[j]! + V[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j]! * d[k]!;
          e[k] = e[k]! + V[k * n + j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) V[k * n + j] = V[k * n + j]! - (f * e[k]! + g * d[k]!);
        d[j] = V[(i - 1) * n + j]!;
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  if (!vectors) {
    // the tridiagonal's diagonal sits on V's diagonal (what the accumulation below would copy into d)
    for (let j = 0; j < n; j++) d[j] = V[j * n + j]!;
    e[0] = 0;
    return;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i]!;
    V[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1]! * V[k * n + j]!;
        for (let k = 0; k <= i; k++) V[k * n + j] = V[k * n + j]! - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j]!;
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e), accumulating rotations into V's columns when `vectors`. */
function tql2(V: Float64Array, d: Float64Array, e: Float64Array, n: number, vectors: boolean, where: string): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const maxIter = 60;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1) {
      if (Math.abs(e[m]!) <= EPS * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > maxIter) {
          fail('BAD_ARGUMENT', `${where}: the QL iteration did not converge for eigenvalue ${l} of ${n}; check the matrix for extreme scaling`);
        }
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (vectors) for (let k = 0; k < n; k++) {
            const row = k * n;
            h = V[row + i + 1]!;
            V[row + i + 1] = s * V[row + i]! + c * h;
            V[row + i] = c * V[row + i]! - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > EPS * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

/** Eigenvector k of a decomposition, as a view (no copy). */
export function eigenvector(eig: SymmetricEigen, k: number): Float64Array {
  if (!Number.isInteger(k) || k < 0 || k >= eig.n) fail('BAD_ARGUMENT', `eigenvector: k must be in [0, ${eig.n}), got ${k}`);
  return eig.vectors.subarray(k * eig.n, (k + 1) * eig.n);
}
