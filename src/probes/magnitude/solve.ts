/**
 * Solving for the magnitude of a finite metric space given its distance matrix: Z(t) w = 1 at any scale t by exact
 * Cholesky or by conjugate gradient warm-started from the nearest solved scale (block-Jacobi preconditioned; float32
 * products refined to a float64 residual from n = 192 on), with a stated regulariser where Z is
 * numerically singular; the convergence scale (bracketing from t = 10 and a root finder, as magnipy does); and the
 * magnitude function on a grid of scales.
 */
import type { Engine } from '../../engine/engine.js';
import { GeolensError } from '../../errors.js';
import type { ProbeProgress } from '../../measure/progress.js';
import { blockJacobi, brentRoot, choleskySolve, conjugateGradient, magnitudeScales, residualNorm, similarityMatrix, sum } from './compute.js';
import { cholesky, ENGINE_MIN_N, symmetricMatvec, symmetricMatvec32 } from './dense.js';
import { giveBack, takeFloat32, takeFloat64 } from './scratch.js';
import type { ConvergenceScale, MagnitudeGrid, MagnitudeSolve, MagnitudeSolver } from './types.js';

export interface MagnitudeSolverOptions {
  /** 'cholesky' (default, exact) or 'cg' (conjugate gradient, warm-started). */
  solver?: MagnitudeSolver;
  /** CG: stop at ‖Zw − 1‖₂ ≤ tolerance·√n (default 1e-12). */
  tolerance?: number;
  /** CG iterations per solve and regulariser (default max(200, min(2n, 5000))). */
  maxIterations?: number;
  /**
   * CG: run the iterations on a float32 copy of Z and correct with float64 residuals (mixed-precision iterative
   * refinement; default true from n = 192 on). The stopping test is always on the float64 residual ‖1 − Zw‖₂.
   */
  mixedPrecision?: boolean;
  /**
   * Let `solveScales` on an arithmetic grid overwrite the distance matrix with E = exp(−Δ·D) instead of taking
   * another n×n buffer (default false; 800 MB and ≈ 8 s of page faults less at n = 10⁴). Afterwards no other scale
   * can be solved (`at` throws BAD_ARGUMENT), so give it only when D is not needed again.
   */
  consumeDistances?: boolean;
  /** CG: rows per block of the block-Jacobi preconditioner (default {@link PRECONDITIONER_BLOCK}; 0 or 1: none). */
  preconditionerBlock?: number;
}

/**
 * Block-Jacobi block size of CG (see `blockJacobi` in ./compute.ts): setup n·128²/6 multiply-adds per scale in JS,
 * n·128·2 per iteration, against n² for the product with Z.
 */
export const PRECONDITIONER_BLOCK = 128;

/**
 * Mixed-precision iterative refinement: each inner float32 CG solve reduces the float64 residual by this factor
 * (float32 rounding of Z perturbs it by ≈ κ(Z)·6·10⁻⁸; a tighter inner tolerance buys nothing).
 */
export const INNER_REDUCTION = 1e-5;
/** Refinement steps before falling back to float64 CG (each needs one float64 product). */
export const MAX_REFINEMENTS = 12;

/** The largest regulariser tried: magnipy's fixed perturbation Z + 0.01·I (Bunch et al. 2020). */
export const MAX_REGULARIZATION = 1e-2;

/**
 * The regularisers tried in turn: 0, then λ = n·ε·100^k (ε = 2⁻⁵²) for k = 1, 2, … below MAX_REGULARIZATION, then
 * MAX_REGULARIZATION. Cholesky moves on when a pivot is ≤ n·ε times its diagonal entry; CG when the tolerance is
 * not met within maxIterations.
 */
export function regularizationLadder(n: number): number[] {
  const eps = 2 ** -52;
  const out = [0];
  for (let l = n * eps * 100; l < MAX_REGULARIZATION; l *= 100) out.push(l);
  out.push(MAX_REGULARIZATION);
  return out;
}

export const REGULARIZER_STATEMENT =
  'where Z is numerically singular (duplicate or near-duplicate points, tiny t) the weighting solves (Z + λI) w = 1 with the smallest λ of 0, n·ε·100, n·ε·100², … (ε = 2⁻⁵²) up to magnipy\'s fixed 0.01 that works — Cholesky: every pivot above n·ε times its diagonal entry; CG: the tolerance met — and λ is reported per scale; exactly repeated points are merged first (a pseudometric space has the magnitude of its metric quotient)';

/** The weightings solved so far, to warm-start conjugate gradient from the nearest scale. */
interface Solved {
  t: number;
  w: Float64Array;
}

/**
 * Magnitude of one finite metric space at any scale, from its distance matrix D (row-major [n, n], symmetric, zero
 * diagonal, distinct points). Keeps one n×n similarity buffer and the weightings solved so far.
 */
export class MagnitudeSolverState {
  readonly n: number;
  private z: Float64Array;
  /** CG with mixed precision: Z rounded to float32 (the inner products), kept in step with `z`. */
  private z32?: Float32Array;
  private x32?: Float32Array;
  /** The scale whose similarity matrix `z` holds (NaN: none). */
  private zScale = NaN;
  /** For an arithmetic grid t_k = k·Δ: E = exp(−Δ·D), so that Z(t + Δ) = Z(t) ∘ E (one product per entry, no exp). */
  private step?: { t: number; e: Float64Array };
  private readonly solved: Solved[] = [];
  /** The distance matrix now holds exp(−Δ·D) (options.consumeDistances). */
  private consumed = false;
  private readonly ladder: number[];
  readonly solver: MagnitudeSolver;

  constructor(
    private readonly engine: Engine,
    private readonly D: Float64Array,
    n: number,
    private readonly options: MagnitudeSolverOptions = {},
  ) {
    if (D.length !== n * n) throw new GeolensError('BAD_SHAPE', `magnitude: the distance matrix has ${D.length} entries, not n² = ${n * n}.`);
    if (n < 1) throw new GeolensError('BAD_ARGUMENT', 'magnitude: the point cloud is empty.');
    this.n = n;
    this.z = takeFloat64(n * n);
    this.ladder = regularizationLadder(n);
    this.solver = options.solver ?? 'cholesky';
    if (this.solver === 'cg' && (options.mixedPrecision ?? n >= ENGINE_MIN_N)) {
      this.z32 = takeFloat32(n * n);
      this.x32 = new Float32Array(n);
    }
  }

  /** Give the n×n buffers back to the scratch pool (./scratch.ts); the state is unusable afterwards. */
  dispose(): void {
    giveBack(this.z, this.z32, this.step?.e === this.D ? undefined : this.step?.e);
    this.z = new Float64Array(0);
    this.z32 = undefined;
  }

  /** |tX| and its solve at scale t > 0 (t = 0 gives 1 by the one-point property, without a solve). */
  async at(t: number): Promise<MagnitudeSolve> {
    const n = this.n;
    if (t === 0) return { t, magnitude: 1, residual: 0, regularization: 0, iterations: null, converged: true };
    this.fillSimilarity(t);
    const z = this.z;
    const apply = (v: Float64Array): Promise<Float64Array> => symmetricMatvec(this.engine, z, v, n);
    const ones = new Float64Array(n).fill(1);
    let last: { w: Float64Array; lambda: number; iterations: number | null; converged: boolean; residual?: number } | undefined;
    let iterations = 0;
    const block = this.options.preconditionerBlock ?? PRECONDITIONER_BLOCK;
    const precondition = this.solver === 'cg' && block > 1 && n > block ? blockJacobi(z, n, block) : undefined;
    for (const lambda of this.ladder) {
      if (this.solver === 'cholesky') {
        const L = await cholesky(this.engine, z, n, lambda, n * 2 ** -52);
        if (!L) continue;
        last = { w: choleskySolve(L, n, ones), lambda, iterations: null, converged: true };
        giveBack(L);
        break;
      }
      const x0 = this.warmStart(t) ?? (await this.spreadWeights(apply));
      if (lambda === 0 && this.z32) {
        const mp = await this.refine(x0, apply, precondition);
        iterations += mp.iterations;
        last = { w: mp.w, lambda, iterations, converged: mp.converged, residual: mp.residual };
        if (mp.converged) break;
      }
      const applyShifted = lambda === 0 ? apply : async (v: Float64Array): Promise<Float64Array> => {
        const y = await apply(v);
        for (let i = 0; i < n; i++) y[i]! += lambda * v[i]!;
        return y;
      };
      const cg = await conjugateGradient(applyShifted, ones, last?.w ?? x0, { ...(lambda === 0 && precondition ? { precondition } : {}), tolerance: this.options.tolerance ?? 1e-12, ...(this.options.maxIterations !== undefined ? { maxIterations: this.options.maxIterations } : {}) });
      iterations += cg.iterations;
      // CG's final residual is a true ‖1 − Zw‖₂ (one product with Z), reused when Z was not shifted
      last = { w: cg.x, lambda, iterations, converged: cg.converged, ...(lambda === 0 ? { residual: cg.residual } : {}) };
      if (cg.converged) break;
    }
    if (!last) {
      // Z + 0.01·I is positive definite for every Euclidean or ℓ1 cloud; this is reached only for a non-metric D
      throw new GeolensError('BAD_ARGUMENT', `magnitude: Z = exp(−${t}·D) + ${MAX_REGULARIZATION}·I is not positive definite, so the distances are not of negative type (not Euclidean or ℓ1); give a Euclidean point cloud or the loss pseudometric.`);
    }
    this.remember(t, last.w);
    const residual = last.residual ?? residualNorm(await apply(last.w));
    return { t, magnitude: sum(last.w), residual, regularization: last.lambda, iterations: last.iterations, converged: last.converged };
  }

  /**
   * Mixed-precision iterative refinement (Wilkinson; Carson & Higham 2018, "Accelerating the solution of linear
   * systems by iterative refinement in three precisions"): r = 1 − Z w in float64, then CG on the float32 copy of Z
   * for Z δ ≈ r to a relative residual INNER_REDUCTION (or the outer target), w += δ, until ‖1 − Zw‖₂ ≤ tolerance·√n
   * in float64. Stops (not converged) when a step fails to halve the residual or after MAX_REFINEMENTS steps; the
   * caller then continues in float64. Returns the weighting with the smallest float64 residual.
   */
  private async refine(x0: Float64Array, apply: (v: Float64Array) => Promise<Float64Array>, precondition?: (r: Float64Array, out: Float64Array) => Float64Array): Promise<{ w: Float64Array; residual: number; iterations: number; converged: boolean }> {
    const n = this.n;
    const z32 = this.z32!;
    const x32 = this.x32!;
    const target = (this.options.tolerance ?? 1e-12) * Math.sqrt(n);
    const apply32 = async (v: Float64Array): Promise<Float64Array> => Float64Array.from(await symmetricMatvec32(this.engine, z32, v, n, x32));
    const w = Float64Array.from(x0);
    const r = new Float64Array(n);
    const residual = async (): Promise<number> => {
      const zw = await apply(w);
      let s = 0;
      for (let i = 0; i < n; i++) {
        r[i] = 1 - zw[i]!;
        s += r[i]! * r[i]!;
      }
      return Math.sqrt(s);
    };
    let res = await residual();
    let iterations = 0;
    for (let step = 0; step < MAX_REFINEMENTS && res > target; step++) {
      const inner = await conjugateGradient(apply32, r, new Float64Array(n), { ...(precondition ? { precondition } : {}), tolerance: Math.max(INNER_REDUCTION, (0.5 * target) / res), ...(this.options.maxIterations !== undefined ? { maxIterations: this.options.maxIterations } : {}) });
      iterations += inner.iterations;
      const before = w.slice();
      for (let i = 0; i < n; i++) w[i]! += inner.x[i]!;
      const next = await residual();
      if (!(next < 0.5 * res)) {
        if (next >= res) return { w: before, residual: res, iterations, converged: false };
        res = next;
        break;
      }
      res = next;
    }
    return { w, residual: res, iterations, converged: res <= target };
  }

  /**
   * Z = exp(−t·D) into the buffer: by the Hadamard product Z(t − Δ) ∘ E when an arithmetic grid is being solved and
   * the buffer holds t − Δ (relative error ≤ k·ε after k steps), else by Math.exp over the lower triangle.
   */
  private fillSimilarity(t: number): void {
    const s = this.step;
    if (s && Math.abs(this.zScale + s.t - t) <= 1e-12 * t) {
      const z = this.z;
      const e = s.e;
      const z32 = this.z32;
      if (z32) {
        for (let i = 0; i < z.length; i++) z32[i] = z[i]! *= e[i]!;
      } else for (let i = 0; i < z.length; i++) z[i]! *= e[i]!;
      this.zScale = t;
      return;
    } else if (s && Math.abs(s.t - t) <= 1e-12 * t) this.z.set(s.e);
    else if (this.consumed) throw new GeolensError('BAD_ARGUMENT', `magnitude: the distance matrix was overwritten by an arithmetic grid's solves (consumeDistances), so t = ${t} off that grid cannot be solved; leave consumeDistances unset.`);
    else similarityMatrix(this.D, t, this.z, this.n);
    this.z32?.set(this.z);
    this.zScale = t;
  }

  /**
   * The solves at the given scales, in order (t = 0 is |0X| = 1 without a solve). When the positive scales are
   * Δ, 2Δ, 3Δ, … (a linear grid), Z is updated by one product per entry from scale to scale instead of n² exp calls;
   * this needs a second n×n buffer while it runs.
   */
  async solveScales(scales: number[], onProgress?: ProbeProgress): Promise<MagnitudeSolve[]> {
    const positive = scales.filter((t) => t > 0);
    const d = positive[0]!;
    const arithmetic = positive.length > 2 && positive.every((t, k) => Math.abs(t - (k + 1) * d) <= 1e-12 * t);
    if (arithmetic) {
      // in place is safe: similarityMatrix reads the lower triangle only, each entry before it is written
      const inPlace = this.options.consumeDistances === true;
      this.step = { t: d, e: similarityMatrix(this.D, d, inPlace ? this.D : takeFloat64(this.n * this.n), this.n) };
      if (inPlace) this.consumed = true;
    }
    try {
      const solves: MagnitudeSolve[] = [];
      for (const [i, t] of positive.entries()) {
        solves.push(await this.at(t));
        onProgress?.('scales', i + 1, positive.length, `t = ${t.toPrecision(4)}`);
      }
      return solves;
    } finally {
      if (this.step?.e !== this.D) giveBack(this.step?.e);
      this.step = undefined;
    }
  }

  /** The weighting of the nearest solved scale (in log t), if any. */
  private warmStart(t: number): Float64Array | undefined {
    let best: Solved | undefined;
    for (const s of this.solved) if (!best || Math.abs(Math.log(s.t / t)) < Math.abs(Math.log(best.t / t))) best = s;
    return best?.w;
  }

  /** The spread weighting w_i = 1 / Σ_j Z_ij (Willerton 2015): a start that is exact for far-apart points. */
  private async spreadWeights(apply: (v: Float64Array) => Promise<Float64Array>): Promise<Float64Array> {
    const rows = await apply(new Float64Array(this.n).fill(1));
    return rows.map((s) => 1 / s);
  }

  private remember(t: number, w: Float64Array): void {
    this.solved.push({ t, w });
    if (this.solved.length > 8) this.solved.shift();
  }

  /**
   * The convergence scale: the t where |tX| = share·n, bracketed as magnipy's `guess_convergence_scale` does
   * (lo = 0, hi = 10; while |hi X| < target: lo = hi, hi ×= 10) and found by Brent's method to rtol 1e-5.
   */
  async convergenceScale(share: number, onProgress?: ProbeProgress): Promise<ConvergenceScale> {
    const n = this.n;
    const target = share * n;
    if (!(share > 0 && share < 1)) throw new GeolensError('BAD_ARGUMENT', `magnitude: the share must be in (0, 1) (got ${share}).`);
    if (!(target > 1)) throw new GeolensError('BAD_ARGUMENT', `magnitude: share × n = ${target} must exceed 1 = |0X| (n = ${n} distinct points); raise the share or give more points.`);
    let evaluations = 0;
    let maxResidual = 0;
    const values = new Map<number, number>();
    const f = async (t: number): Promise<number> => {
      evaluations++;
      const solve = await this.at(t);
      maxResidual = Math.max(maxResidual, solve.residual);
      const m = solve.magnitude;
      values.set(t, m);
      onProgress?.('convergence scale', evaluations, evaluations + 1, `t = ${t.toPrecision(4)}, |tX| = ${m.toPrecision(6)}`);
      return m - target;
    };
    let lo = 0;
    let hi = 10;
    let fhi = await f(hi);
    while (fhi < 0) {
      if (hi > 1e300) throw new GeolensError('BAD_ARGUMENT', `magnitude: |tX| stays below ${target} up to t = ${hi}; the distances are degenerate.`);
      lo = hi;
      hi *= 10;
      fhi = await f(hi);
    }
    const flo = lo === 0 ? 1 - target : values.get(lo)! - target;
    const { root } = await brentRoot(f, lo, hi, { fa: flo, fb: fhi, rtol: 1e-5 });
    return { share, target, t: root, magnitude: values.get(root) ?? (await this.at(root)).magnitude, bracket: [lo, hi], evaluations, maxResidual };
  }

  /** The magnitude function on the grid of `count` scales on [0, t_conv] (magnipy's get_scales; see magnitudeScales). */
  async magnitudeFunction(tConv: number, count: number, grid: MagnitudeGrid, onProgress?: ProbeProgress, gridFrom?: number): Promise<{ scales: number[]; solves: MagnitudeSolve[] }> {
    const scales = magnitudeScales(tConv, count, grid, gridFrom);
    return { scales, solves: await this.solveScales(scales, onProgress) };
  }
}
