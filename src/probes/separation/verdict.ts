/**
 * The law of data separation's verdict on a fit, with its actual reason: one function, so that `geolens analyze`'s
 * report headline and `geolens probe separation` say the same thing about the same result. The criteria are those of
 * `lawHolds` (compute.ts): Pearson r ≤ −lawThreshold, at least MIN_LAW_LAYERS layers in the fit, and the 95% interval
 * of ρ below 1 (He & Su, PNAS 2023, judge the law by r; the layer count and interval are geolens' guards).
 */
import { MIN_LAW_LAYERS } from './compute.js';
import type { SeparationLawFit } from './types.js';

/** Why the law holds or not, checked in this order. */
export type SeparationVerdictKind = 'holds' | 'too-few-layers' | 'r-undefined' | 'grows' | 'interval-reaches-1' | 'weak-r';

export interface SeparationVerdict {
  kind: SeparationVerdictKind;
  /** Plain words with the numbers, e.g. 'the law does not hold (r = −0.50; it needs r ≤ −0.9)'. */
  text: string;
}

/** r with two decimals and a true minus sign. */
const fmtR = (r: number): string => r.toFixed(2).replace('-', '−');

/**
 * The verdict on `fit`. `kind` is 'holds' exactly when `fit.lawHolds`; otherwise the first failed criterion: too few
 * layers in the fit (fewer than MIN_LAW_LAYERS), r undefined (ln D constant), D growing (r ≥ +lawThreshold), r ≤
 * −lawThreshold but the 95% interval of ρ reaching 1 (or absent), or |r| below the threshold.
 */
export function separationVerdict(fit: SeparationLawFit): SeparationVerdict {
  const { pearsonR: r, lawThreshold: t, numLayersFitted: n, rhoCI95: ci } = fit;
  const r_ = r === null ? 'r undefined' : `r = ${fmtR(r)}`;
  if (fit.lawHolds) return { kind: 'holds', text: `the law holds (${r_} ≤ −${t}, 95% interval of ρ below 1)` };
  if (n < MIN_LAW_LAYERS) {
    const dof = n - 2;
    return { kind: 'too-few-layers', text: `too few layers to judge the law (${n} layers in the fit, ${dof} degree${dof === 1 ? '' : 's'} of freedom; it needs at least ${MIN_LAW_LAYERS}; ${r_})` };
  }
  if (r === null) return { kind: 'r-undefined', text: 'the law does not hold (r undefined: ln D is constant across layers)' };
  if (r >= t) return { kind: 'grows', text: `D grows with depth, the opposite of the law (${r_})` };
  if (r <= -t) {
    const where = ci ? ` (${ci[0].toPrecision(3)}–${ci[1].toPrecision(3)})` : '';
    return { kind: 'interval-reaches-1', text: `not established: ${r_} ≤ −${t}, but the 95% interval of ρ${where} reaches 1` };
  }
  return { kind: 'weak-r', text: `the law does not hold (${r_}; it needs r ≤ −${t})` };
}
