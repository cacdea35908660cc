/**
 * The dense float64 linear algebra of the magnitude probe, with its heavy products on onnxruntime: pairwise
 * Euclidean distances as a GEMM, pairwise ℓ1 (loss-pseudometric) distances, the matrix–vector products of conjugate
 * gradient, and a blocked Cholesky factorisation whose panel updates and triangular solves are GEMMs.
 *
 * Why here and not in a package: onnxruntime has no Cholesky or triangular-solve op, and no maintained npm package is
 * fast enough. Measured on this 2-core machine (shared and loaded, so ±50%), one factorisation at n = 300 / 1000 / 2000:
 * ml-matrix 6.15 CholeskyDecomposition 152 / 1,566 / 18,457 ms; a plain JS Cholesky–Crout (`choleskyInPlace`)
 * 44 / 675 / 8,810 ms; the blocked factorisation below 188 / 217 / 1,111 ms; SciPy (exp + LAPACK cho_factor +
 * cho_solve, one scale) ≈ 55 / 145 ms at n = 1000 / 2000 in the same period (bench/magnitude.ts). @stdlib/lapack 0.2
 * has no potrf. So the b×b diagonal blocks and the triangular solves
 * with the factor (n² flops) are written here in JS, and everything of order n³ or n²·d runs as onnxruntime
 * MatMul/Gemm (MLAS float64 kernels; measured 51–75 GFLOP/s for a 2000×10⁴ by 10⁴×2000 product on one thread,
 * float32 110–170). Conjugate gradient's products with Z are memory-bound, so they run in float32 (0.6 ms against
 * 2.0 ms at n = 2000) with float64 residuals (./solve.ts). Large buffers come from ./scratch.ts: first touch of fresh
 * memory costs ≈ 10 ms per MB on this VM.
 */
import type { CompiledGraph, Engine } from '../../engine/engine.js';
import { GeolensError } from '../../errors.js';
import { GraphBuilder } from '../../onnx/builder.js';
import { DataType } from '../../onnx/proto.js';
import type { FloatArray } from '../../tensor.js';
import { choleskyInPlace, invertLowerInPlace } from './compute.js';
import { giveBack, takeFloat32, takeFloat64 } from './scratch.js';

// ------------------------------------------------------------------------------------------------ compiled graphs

type GraphName = 'sqdist' | 'l1dist' | 'matvec' | 'matvec32' | 'update' | 'trsm';

const sessions = new WeakMap<Engine, Map<GraphName, Promise<CompiledGraph>>>();

function build(name: GraphName): GraphBuilder {
  const g = new GraphBuilder(`magnitude_${name}`, name === 'matvec32' ? DataType.FLOAT : DataType.DOUBLE);
  g.opset = 18; // reductions take their axes as an input
  switch (name) {
    case 'sqdist': {
      // D²[i, j] = ‖a_i‖² + ‖b_j‖² − 2 a_i·b_j, clamped at 0 (rounding can make it slightly negative)
      g.input('a', ['m', 'd']);
      g.input('b', ['p', 'd']);
      const aa = g.op('ReduceSumSquare', ['a', g.constInt64([1])], { keepdims: 1 }); // [m, 1]
      const bb = g.transpose(g.op('ReduceSumSquare', ['b', g.constInt64([1])], { keepdims: 1 }), [1, 0]); // [1, p]
      const ab = g.op('Gemm', ['a', 'b'], { transB: 1, alpha: -2 }); // [m, p]
      g.namedOutput('d2', g.op('Max', [g.add(g.add(ab, aa), bb), g.constFloat(0)]), ['m', 'p']);
      break;
    }
    case 'l1dist': {
      // mean |a_i − b_j| over the last axis: the loss pseudometric of a block of rows
      g.input('a', ['m', 'd']);
      g.input('b', ['p', 'd']);
      const diff = g.sub(g.op('Unsqueeze', ['a', g.constInt64([1])]), g.op('Unsqueeze', ['b', g.constInt64([0])]));
      g.namedOutput('l1', g.op('ReduceMean', [g.op('Abs', [diff]), g.constInt64([2])], { keepdims: 0 }), ['m', 'p']);
      break;
    }
    case 'matvec':
    case 'matvec32':
      g.input('z', ['n', 'n']);
      g.input('x', ['n', 'k']);
      g.namedOutput('y', g.matmul('z', 'x'), ['n', 'k']);
      break;
    case 'update':
      // C = A − Lt · Lrᵀ: the left-looking update of one block column
      g.input('lt', ['m', 'k']);
      g.input('lr', ['b', 'k']);
      g.input('a', ['m', 'b']);
      g.namedOutput('c', g.op('Gemm', ['lt', 'lr', 'a'], { transB: 1, alpha: -1, beta: 1 }), ['m', 'b']);
      break;
    case 'trsm':
      // P = C · (L_kk⁻¹)ᵀ: the rows below a diagonal block
      g.input('c', ['m', 'b']);
      g.input('minvt', ['b', 'b']);
      g.namedOutput('p', g.matmul('c', 'minvt'), ['m', 'b']);
      break;
  }
  return g;
}

function session(engine: Engine, name: GraphName): Promise<CompiledGraph> {
  let m = sessions.get(engine);
  if (!m) sessions.set(engine, (m = new Map()));
  let s = m.get(name);
  if (!s) {
    s = engine.load(build(name));
    m.set(name, s);
    s.catch(() => m!.delete(name));
  }
  return s;
}

async function run<T extends FloatArray = Float64Array>(engine: Engine, name: GraphName, feeds: Record<string, { data: FloatArray; shape: number[] }>, out: string): Promise<T> {
  const s = await session(engine, name);
  try {
    return (await s.run(feeds, [out]))[out]!.data as T;
  } catch (e) {
    // a session evicted from the engine's cache (another probe loaded many graphs): load it once more
    if (e instanceof GeolensError && e.code === 'ENGINE' && /released/.test(e.message)) {
      sessions.get(engine)?.delete(name);
      return (await (await session(engine, name)).run(feeds, [out]))[out]!.data as T;
    }
    throw e;
  }
}

// ------------------------------------------------------------------------------------------------ distances

/**
 * Rows per tile of the distance computations: tile (i, j) compares block row i with block row j ≤ i only
 * (symmetry), so k blocks cost (k + 1)/2k of the full product. About 8 blocks of at least 128 rows; measured at
 * n = 1000, d = 10⁴: one full Gemm 0.73–1.23 s, four blocks 0.55–0.70 s (loaded 2-core machine).
 */
function distanceBlockRows(n: number): number {
  return Math.min(n, Math.max(128, Math.ceil(n / 8)));
}

/**
 * The largest float64 centred copy of a whole cloud the distance computation makes (beyond it, tiles): 400 MB,
 * i.e. n·d ≤ 5·10⁷ (n = 5000 at d = 10⁴).
 */
export const FULL_COPY_BYTES = 400 * 2 ** 20;

/** The column means of x ([n, d] row-major), in float64. */
function columnMeans(x: FloatArray, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) mean[j]! += x[o + j]!;
  }
  for (let j = 0; j < d; j++) mean[j]! /= n;
  return mean;
}

/** Rows r0..r1 of x minus the column means, as float64, into `out` (the GEMM form then cancels less). */
function centredRows(x: FloatArray, mean: Float64Array, r0: number, r1: number, d: number, out: Float64Array): Float64Array {
  const c = out.subarray(0, (r1 - r0) * d);
  for (let i = r0; i < r1; i++) {
    const o = i * d;
    const q = (i - r0) * d;
    for (let j = 0; j < d; j++) c[q + j] = x[o + j]! - mean[j]!;
  }
  return c;
}

/**
 * Pairwise Euclidean distances of the n rows of x ([n, d] row-major, float32 or float64):
 * D[i, j] = √max(0, ‖c_i‖² + ‖c_j‖² − 2 c_i·c_j) with c = x minus its column means, as float64 GEMMs on onnxruntime
 * over the tiles of the lower triangle; D symmetric with an exact zero diagonal. Returns D [n, n], a scratch buffer
 * (./scratch.ts) that a caller done with it may hand to `giveBack`. Memory besides D: two float64 blocks of rows
 * (the centred rows of one tile), not a float64 copy of x — fresh memory costs ≈ 10 ms per MB of page faults on
 * this VM (./scratch.ts), 8 s for the copy at n = 10⁴, d = 10⁴. `fullCopyBytes`: the largest whole centred copy
 * (default FULL_COPY_BYTES; 0 forces tiles).
 */
export async function euclideanDistances(engine: Engine, x: FloatArray, n: number, d: number, onProgress?: (done: number, total: number) => void, fullCopyBytes = FULL_COPY_BYTES): Promise<Float64Array> {
  const mean = columnMeans(x, n, d);
  const D = takeFloat64(n * n);
  const rows = distanceBlockRows(n);
  // up to FULL_COPY_BYTES, one centred copy of x and one GEMM per block row against all rows above it (fewer, larger
  // GEMMs); beyond, square tiles with the centred rows of two blocks only
  const whole = n * d * 8 <= fullCopyBytes;
  const bufA = takeFloat64(whole ? n * d : rows * d);
  const bufB = whole ? bufA : takeFloat64(rows * d);
  if (whole) centredRows(x, mean, 0, n, d, bufA);
  try {
    for (let r0 = 0; r0 < n; r0 += rows) {
      const r1 = Math.min(n, r0 + rows);
      const a = whole ? bufA.subarray(r0 * d, r1 * d) : centredRows(x, mean, r0, r1, d, bufA);
      for (let c0 = 0; c0 <= r0; c0 += whole ? r1 : rows) {
        const c1 = whole ? r1 : Math.min(n, c0 + rows);
        const b = whole ? bufA.subarray(0, r1 * d) : c0 === r0 ? a : centredRows(x, mean, c0, c1, d, bufB);
        const p = c1 - c0;
        const d2 = await run(engine, 'sqdist', { a: { data: a, shape: [r1 - r0, d] }, b: { data: b, shape: [p, d] } }, 'd2');
        for (let i = r0; i < r1; i++) {
          const off = (i - r0) * p - c0;
          const jEnd = Math.min(c1, i);
          const o = i * n;
          for (let j = c0; j < jEnd; j++) D[o + j] = Math.sqrt(d2[off + j]!);
          if (i >= c0 && i < c1) D[o + i] = 0;
        }
      }
      onProgress?.(r1, n);
    }
  } finally {
    giveBack(bufA, whole ? undefined : bufB);
  }
  return mirrorLower(D, n);
}

/** Copy the strict lower triangle of a row-major n×n matrix onto its upper triangle, in 64×64 tiles (cache-friendly). */
function mirrorLower(D: Float64Array, n: number): Float64Array {
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = 0; j0 <= i0; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        const jEnd = Math.min(j1, i);
        for (let j = j0; j < jEnd; j++) D[j * n + i] = D[i * n + j]!;
      }
    }
  }
  return D;
}

/**
 * Pairwise mean absolute differences of the n rows of x ([n, d]): D[i, j] = (1/d) Σ_s |x_is − x_js| — the loss
 * pseudometric ρ_S when row i holds the losses of weight vector i on the d samples of S. Computed on onnxruntime in
 * blocks (broadcast Sub, Abs, ReduceMean), float64. Returns D [n, n], symmetric with a zero diagonal.
 */
export async function meanAbsoluteDistances(engine: Engine, x: Float64Array, n: number, d: number, onProgress?: (done: number, total: number) => void): Promise<Float64Array> {
  const D = new Float64Array(n * n);
  // a block of m × p × d differences in one run: about 2^22 values
  const m = Math.max(1, Math.min(n, Math.floor(Math.sqrt(2 ** 22 / Math.max(1, d)))));
  for (let r0 = 0; r0 < n; r0 += m) {
    const r1 = Math.min(n, r0 + m);
    for (let c0 = 0; c0 < r1; c0 += m) {
      const c1 = Math.min(r1, c0 + m);
      const l1 = await run(engine, 'l1dist', { a: { data: x.subarray(r0 * d, r1 * d), shape: [r1 - r0, d] }, b: { data: x.subarray(c0 * d, c1 * d), shape: [c1 - c0, d] } }, 'l1');
      for (let i = r0; i < r1; i++) {
        for (let j = c0; j < Math.min(c1, i); j++) {
          const v = l1[(i - r0) * (c1 - c0) + (j - c0)]!;
          D[i * n + j] = v;
          D[j * n + i] = v;
        }
      }
    }
    onProgress?.(r1, n);
  }
  return D;
}

// ------------------------------------------------------------------------------------------------ products and factorisations

/** Below this size the products run in JS (an onnxruntime run costs more than the arithmetic). */
export const ENGINE_MIN_N = 192;

/** y = Z x for a symmetric row-major Z [n, n] (onnxruntime MatMul from n = ENGINE_MIN_N on, else JS). */
export async function symmetricMatvec(engine: Engine, z: Float64Array, x: Float64Array, n: number): Promise<Float64Array> {
  if (n >= ENGINE_MIN_N) return run(engine, 'matvec', { z: { data: z, shape: [n, n] }, x: { data: x, shape: [n, 1] } }, 'y');
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * n;
    for (let j = 0; j < n; j++) s += z[o + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/**
 * y = Z x in single precision for a symmetric row-major float32 Z [n, n] (onnxruntime MatMul from n = ENGINE_MIN_N
 * on, else JS with float64 accumulation): the inner products of mixed-precision conjugate gradient. x is rounded to
 * float32 into `x32` (length n); returns y as float32. Half the memory traffic of the float64 product (the product is
 * memory-bound: measured at n = 2000, 0.6 ms against 2.0 ms).
 */
export async function symmetricMatvec32(engine: Engine, z: Float32Array, x: Float64Array, n: number, x32: Float32Array = new Float32Array(n)): Promise<Float32Array> {
  x32.set(x);
  if (n >= ENGINE_MIN_N) return run<Float32Array>(engine, 'matvec32', { z: { data: z, shape: [n, n] }, x: { data: x32, shape: [n, 1] } }, 'y');
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * n;
    for (let j = 0; j < n; j++) s += z[o + j]! * x32[j]!;
    y[i] = s;
  }
  return y;
}

/** Block size of the blocked Cholesky factorisation. */
export const CHOLESKY_BLOCK = 128;

/**
 * The Cholesky factor L (row-major [n, n], lower triangle; the strict upper triangle is zero) of a symmetric
 * positive definite row-major Z with `shift` added to its diagonal, or null when a pivot falls to
 * `pivotTolerance` × its diagonal entry or below (Z + shift·I numerically singular or indefinite).
 * Left-looking blocked algorithm: block column k is A[k:, k] − L[k:, :k]·L[k, :k]ᵀ (one onnxruntime Gemm), its
 * diagonal block is factored in JS, and the rows below it are C·L_kk⁻ᵀ (one onnxruntime MatMul with the JS inverse
 * of the b×b diagonal block). About n³/3 flops in Gemm, as LAPACK's potrf; n < ENGINE_MIN_N factors in JS.
 * L is a scratch buffer (./scratch.ts): a caller done with it may hand it to `giveBack`.
 */
export async function cholesky(engine: Engine, z: Float64Array, n: number, shift: number, pivotTolerance: number, block = CHOLESKY_BLOCK): Promise<Float64Array | null> {
  if (n < ENGINE_MIN_N || n <= block) {
    const a = z.slice();
    for (let i = 0; i < n; i++) a[i * n + i]! += shift;
    return choleskyInPlace(a, n, pivotTolerance) ? zeroUpper(a, n) : null;
  }
  const L = takeFloat64(n * n);
  // the panel L[k0:, :k0] of every block column is copied into one scratch buffer (fresh memory costs page faults)
  const panel = takeFloat64(n * n);
  const column = takeFloat64(n * block);
  try {
    for (let k0 = 0; k0 < n; k0 += block) {
      const bk = Math.min(block, n - k0);
      const m = n - k0;
      // A[k0:, k0:k0+bk] as a contiguous [m, bk] block
      const a = column.subarray(0, m * bk);
      for (let i = 0; i < m; i++) a.set(z.subarray((k0 + i) * n + k0, (k0 + i) * n + k0 + bk), i * bk);
      for (let i = 0; i < bk; i++) a[i * bk + i]! += shift;
      let c: Float64Array = a;
      if (k0 > 0) {
        const lt = panel.subarray(0, m * k0);
        for (let i = 0; i < m; i++) lt.set(L.subarray((k0 + i) * n, (k0 + i) * n + k0), i * k0);
        c = await run(engine, 'update', { lt: { data: lt, shape: [m, k0] }, lr: { data: lt.subarray(0, bk * k0), shape: [bk, k0] }, a: { data: a, shape: [m, bk] } }, 'c');
      }
      const diag = c.slice(0, bk * bk);
      if (!choleskyInPlace(diag, bk, pivotTolerance)) {
        giveBack(L);
        return null;
      }
      for (let i = 0; i < bk; i++) L.set(diag.subarray(i * bk, i * bk + i + 1), (k0 + i) * n + k0);
      if (m > bk) {
        const inv = zeroUpper(diag, bk);
        invertLowerInPlace(inv, bk);
        const minvt = new Float64Array(bk * bk);
        for (let i = 0; i < bk; i++) for (let j = 0; j <= i; j++) minvt[j * bk + i] = inv[i * bk + j]!;
        const p = await run(engine, 'trsm', { c: { data: c.subarray(bk * bk), shape: [m - bk, bk] }, minvt: { data: minvt, shape: [bk, bk] } }, 'p');
        for (let i = 0; i < m - bk; i++) L.set(p.subarray(i * bk, (i + 1) * bk), (k0 + bk + i) * n + k0);
      }
    }
  } finally {
    giveBack(panel, column);
  }
  return zeroUpper(L, n);
}

function zeroUpper(a: Float64Array, n: number): Float64Array {
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
  return a;
}
