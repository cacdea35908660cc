/**
 * Small dense float64 helpers over row-major arrays.
 *
 * Matrices are plain `Float64Array`s in row-major order together with their sizes; element (i, j) of an
 * m×n matrix `a` is `a[i * n + j]`. Inputs may be any numeric array-like (Float32Array included); outputs are
 * always fresh `Float64Array`s. Nothing here allocates more than the result.
 */
import { fail } from '../errors.js';

function checkSize(name: string, a: ArrayLike<number>, expected: number, what: string): void {
  if (a.length !== expected) {
    fail('BAD_SHAPE', `${name}: ${what} has ${a.length} elements but ${expected} were expected; check the sizes you pass`);
  }
}

function checkDim(name: string, label: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) fail('BAD_ARGUMENT', `${name}: ${label} must be a non-negative integer, got ${v}`);
}

/** The product C = A·B of an m×k matrix A and a k×n matrix B (C is m×n). */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  checkDim('matmul', 'm', m);
  checkDim('matmul', 'k', k);
  checkDim('matmul', 'n', n);
  checkSize('matmul', a, m * k, 'A (m×k)');
  checkSize('matmul', b, k * n, 'B (k×n)');
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    for (let t = 0; t < k; t++) {
      const ait = a[i * k + t]!;
      if (ait === 0) continue;
      const bt = t * n;
      for (let j = 0; j < n; j++) c[ci + j]! += ait * b[bt + j]!;
    }
  }
  return c;
}

/** The transpose (n×m) of an m×n matrix. */
export function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  checkDim('transpose', 'm', m);
  checkDim('transpose', 'n', n);
  checkSize('transpose', a, m * n, 'A (m×n)');
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j]!;
  return t;
}

/** The Gram matrix of the columns, AᵀA (n×n), of an m×n matrix A. Exactly symmetric. */
export function gramOfColumns(a: ArrayLike<number>, m: number, n: number): Float64Array {
  checkDim('gramOfColumns', 'm', m);
  checkDim('gramOfColumns', 'n', n);
  checkSize('gramOfColumns', a, m * n, 'A (m×n)');
  const g = new Float64Array(n * n);
  for (let r = 0; r < m; r++) {
    const ar = r * n;
    for (let i = 0; i < n; i++) {
      const ai = a[ar + i]!;
      if (ai === 0) continue;
      const gi = i * n;
      for (let j = i; j < n; j++) g[gi + j]! += ai * a[ar + j]!;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[i * n + j] = g[j * n + i]!;
  return g;
}

/** The Gram matrix of the rows, AAᵀ (m×m), of an m×n matrix A. Exactly symmetric. */
export function gramOfRows(a: ArrayLike<number>, m: number, n: number): Float64Array {
  checkDim('gramOfRows', 'm', m);
  checkDim('gramOfRows', 'n', n);
  checkSize('gramOfRows', a, m * n, 'A (m×n)');
  const g = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let s = 0;
      for (let t = 0; t < n; t++) s += a[i * n + t]! * a[j * n + t]!;
      g[i * m + j] = s;
      g[j * m + i] = s;
    }
  }
  return g;
}

/** y = A·x for an m×n matrix A and a vector x of length n. */
export function matvec(a: ArrayLike<number>, x: ArrayLike<number>, m: number, n: number): Float64Array {
  checkSize('matvec', a, m * n, 'A (m×n)');
  checkSize('matvec', x, n, 'x');
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** Inner product of two vectors of equal length. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkSize('dot', b, a.length, 'b');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean norm of a vector (scaled to avoid overflow). */
export function norm2(a: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]! / scale;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}

/** The n×n identity. */
export function identity(n: number): Float64Array {
  checkDim('identity', 'n', n);
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

/** Trace of an n×n matrix. */
export function trace(a: ArrayLike<number>, n: number): number {
  checkSize('trace', a, n * n, 'A (n×n)');
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i]!;
  return s;
}

/** Largest absolute elementwise difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkSize('maxAbsDiff', b, a.length, 'b');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
