/**
 * Rank correlation between a complexity measure and the generalisation gap over a set of training runs.
 *
 * Kendall's τ-b (ties in either variable corrected, as `scipy.stats.kendalltau(x, y)` computes by default) and the
 * granulated Kendall coefficients of Jiang et al. 2020 ("Fantastic generalization measures and where to find them",
 * §2.2.1), as used by Andreeva et al. (NeurIPS 2024) for magnitude: for each hyperparameter axis i, ψ_i is the mean of
 * τ over the groups of runs that agree on every other axis (so only axis i varies inside a group), and Ψ = mean_i ψ_i.
 *
 * Hand-written: no maintained npm package computes τ-b (searched the registry's list for 'kendall'); the O(m²) pair
 * count is exact and m (runs in a study) is small. Cross-checked against SciPy in test/crosscheck.
 */
import { GeolensError } from '../../errors.js';

/**
 * Kendall's τ-b of paired samples x, y (same length m ≥ 2): (P − Q) / √((P + Q + T_x)(P + Q + T_y)) with P, Q the
 * concordant and discordant pairs and T_x, T_y the pairs tied only in x, only in y. NaN when either variable is
 * constant (τ undefined), as SciPy returns. Errors: BAD_ARGUMENT for different lengths or non-finite values.
 */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const m = x.length;
  if (y.length !== m) throw new GeolensError('BAD_ARGUMENT', `kendallTau: x has ${m} values but y has ${y.length}.`);
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) throw new GeolensError('BAD_ARGUMENT', `kendallTau: value ${i} is not finite (x = ${x[i]}, y = ${y[i]}); leave such runs out.`);
  }
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
  return denom === 0 ? NaN : (concordant - discordant) / denom;
}

/** One run of a study: its hyperparameters (the grid's axes) and the two quantities to correlate. */
export interface RankedRun {
  hyperparameters: Record<string, number | string>;
  measure: number;
  gap: number;
}

export interface GranulatedKendall {
  /** τ over all runs. */
  overall: number;
  /** ψ_i per axis: the mean τ over the groups of runs that differ only in axis i (NaN when no group has ≥ 2 runs). */
  perAxis: Record<string, { psi: number; groups: number }>;
  /** Ψ: the mean of ψ_i over the axes with a defined ψ_i (NaN when none). */
  average: number;
}

/**
 * Granulated Kendall coefficients of measure vs gap over `runs`, for the hyperparameter axes `axes` (e.g.
 * ['lr', 'batchSize']). Runs differing in axes not listed (e.g. the seed) fall into different groups, so a group
 * varies exactly one listed axis. Groups with fewer than 2 runs or an undefined τ are skipped.
 */
export function granulatedKendall(runs: RankedRun[], axes: string[]): GranulatedKendall {
  const overall = runs.length >= 2 ? kendallTau(runs.map((r) => r.measure), runs.map((r) => r.gap)) : NaN;
  const perAxis: GranulatedKendall['perAxis'] = {};
  for (const axis of axes) {
    const groups = new Map<string, RankedRun[]>();
    for (const r of runs) {
      const key = JSON.stringify(Object.keys(r.hyperparameters).filter((k) => k !== axis).sort().map((k) => [k, r.hyperparameters[k]]));
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const taus: number[] = [];
    for (const g of groups.values()) {
      if (g.length < 2) continue;
      const t = kendallTau(g.map((r) => r.measure), g.map((r) => r.gap));
      if (!Number.isNaN(t)) taus.push(t);
    }
    perAxis[axis] = { psi: taus.length ? taus.reduce((a, b) => a + b, 0) / taus.length : NaN, groups: taus.length };
  }
  const defined = Object.values(perAxis).map((p) => p.psi).filter((v) => !Number.isNaN(v));
  return { overall, perAxis, average: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : NaN };
}
