/**
 * Law of data separation (He & Su, PNAS 2023): separation fuzziness D = Tr(SS_w SS_b⁺) per layer and the fit
 * ln D_l = a + l·ln ρ. Pure functions; float64 internally; no p×p matrix is ever formed.
 *
 * Exact low-rank evaluation (METHODS.md §1). With class weights ω_k (n_k/n, or 1/K for `'balanced'`) let
 * M = [√ω_k (x̄_k − x̄)]_k (p×K), so SS_b = M Mᵀ. If MᵀM = V Λ Vᵀ with kept eigenvalues λ_j > rtol·λ_max, then
 * SS_b⁺ = M (MᵀM)⁺² Mᵀ = Σ_j u_j u_jᵀ with u_j = M v_j / λ_j, and
 *   D = Tr((MᵀM)⁺² · Mᵀ SS_w M) = Σ_j u_jᵀ SS_w u_j = Σ_i w_i Σ_j (u_jᵀ (x_i − x̄_{y_i}))²,
 * where w_i is the within-class weight of sample i (1/n, or 1/(K n_{y_i}) for `'balanced'`). Cost O(n·p·K) time,
 * O(p·K) memory. Thresholding the eigenvalues of MᵀM at rtol·λ_max is the same as thresholding those of SS_b.
 */
import { fail } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { symmetricEigen } from '../../linalg/eigen.js';
import { gramOfRows } from '../../linalg/dense.js';
import { checkRtol, DEFAULT_RANK_RTOL } from '../../linalg/pinv.js';
import { linearFit } from '../../linalg/fit.js';
import type {
  EpochFeatures,
  LayerFeatures,
  SeparationEpoch,
  SeparationFuzziness,
  SeparationLaw,
  SeparationLawFit,
  SeparationLawOptions,
  SeparationLayer,
  SeparationOptions,
  SeparationOverTraining,
  SeparationVariant,
} from './types.js';

export const SEPARATION_VARIANT_DESCRIPTIONS: Record<SeparationVariant, string> = {
  definition:
    'He & Su (PNAS 2023) definition: SS_b = (1/n) Σ_k n_k (x̄_k − x̄)(x̄_k − x̄)ᵀ, ' +
    'SS_w = (1/n) Σ_i (x_i − x̄_{y_i})(x_i − x̄_{y_i})ᵀ, D = Tr(SS_w SS_b⁺) (Moore–Penrose)',
  balanced:
    "authors' code (HornHehhf/Equi-Separation get_variation): features centred by the global sample mean x̄, every " +
    'non-empty class weighted 1/K: SS_b = (1/K) Σ_k (x̄_k − x̄)(x̄_k − x̄)ᵀ, ' +
    'SS_w = (1/K) Σ_k (1/n_k) Σ_{i∈k} (x_i − x̄_k)(x_i − x̄_k)ᵀ, D = Tr(SS_w SS_b⁺); equals the definition for balanced classes',
};

const DEFAULT_LAW_THRESHOLD = 0.9;
/** Fewest layers in a fit for the law to be judged: 4 layers leave 2 degrees of freedom for the slope's interval. */
export const MIN_LAW_LAYERS = 4;
/** ln D values spread by less than this are treated as constant (ρ = 1, r undefined). */
const CONSTANT_LOG_D_TOL = 1e-9;
const PROGRESS_EVERY = 2048;

function checkVariant(v: unknown): SeparationVariant {
  if (v !== 'definition' && v !== 'balanced') {
    fail('BAD_ARGUMENT', `separation: variant must be 'definition' or 'balanced', got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkLabels(labels: ArrayLike<number>, n: number, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    fail('BAD_ARGUMENT', `separation: numClasses must be an integer ≥ 2, got ${numClasses}`);
  }
  if (labels.length !== n) {
    fail('BAD_SHAPE', `separation: ${labels.length} labels for ${n} feature rows; pass one label per row`);
  }
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      fail('BAD_ARGUMENT', `separation: label ${i} is ${y}, outside [0, ${numClasses}); pass labels as class indices`);
    }
  }
}

/**
 * Separation fuzziness D = Tr(SS_w SS_b⁺) of one layer's features, computed exactly in O(n·p·K) without forming
 * any p×p matrix (see the module comment).
 *
 * @param features shape [n, ...]; rows are flattened to p = product of the remaining dimensions.
 * @param labels class index of each row, in [0, numClasses).
 * @param numClasses K.
 */
export function separationFuzziness(
  features: Tensor,
  labels: ArrayLike<number>,
  numClasses: number,
  opts: SeparationOptions,
): SeparationFuzziness {
  const variant = checkVariant(opts?.variant);
  const rtol = checkRtol('separationFuzziness', opts.rtol, DEFAULT_RANK_RTOL);
  if (features.shape.length < 1) fail('BAD_SHAPE', 'separationFuzziness: features must have shape [n, ...]');
  const n = features.shape[0]!;
  const p = n === 0 ? 0 : features.data.length / n;
  if (n < 2 || !Number.isInteger(p) || p < 1) {
    fail('BAD_SHAPE', `separationFuzziness: features of shape [${features.shape.join(', ')}] need n ≥ 2 rows of p ≥ 1 values`);
  }
  checkLabels(labels, n, numClasses);
  const x = features.data;
  const K = numClasses;
  const total = 2 * n;
  const progress = opts.onProgress;
  const warnings: string[] = [];

  // Pass 1: global mean, then class sums of centred rows.
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const row = i * p;
    for (let j = 0; j < p; j++) {
      const v = x[row + j]!;
      if (!Number.isFinite(v)) fail('BAD_ARGUMENT', `separationFuzziness: feature (${i}, ${j}) is ${v}; remove NaN/Infinity first`);
      mean[j]! += v;
    }
  }
  for (let j = 0; j < p; j++) mean[j]! /= n;
  const counts = new Float64Array(K);
  const classMean = new Float64Array(K * p); // x̄_k − x̄
  for (let i = 0; i < n; i++) {
    const k = labels[i]!;
    counts[k]!++;
    const row = i * p;
    const ck = k * p;
    for (let j = 0; j < p; j++) classMean[ck + j]! += x[row + j]! - mean[j]!;
    if (progress && (i + 1) % PROGRESS_EVERY === 0) progress(i + 1, total);
  }
  const active: number[] = [];
  for (let k = 0; k < K; k++) {
    const c = counts[k]!;
    if (c > 0) {
      active.push(k);
      for (let j = 0; j < p; j++) classMean[k * p + j]! /= c;
    }
  }
  const Ka = active.length;
  if (Ka < 2) {
    fail('BAD_ARGUMENT', `separationFuzziness: only ${Ka} class(es) have samples; D needs at least two non-empty classes`);
  }
  if (Ka < K) {
    const empty = [];
    for (let k = 0; k < K; k++) if (counts[k] === 0) empty.push(k);
    warnings.push(
      `classes ${empty.join(', ')} have no samples` +
        (variant === 'balanced' ? `; the balanced variant weights the ${Ka} non-empty classes by 1/${Ka}` : ''),
    );
  }

  // Mᵀ as Ka×p rows: row c = √ω_k (x̄_k − x̄).
  const classWeight = (k: number): number => (variant === 'definition' ? counts[k]! / n : 1 / Ka);
  const Mt = new Float64Array(Ka * p);
  for (let c = 0; c < Ka; c++) {
    const k = active[c]!;
    const s = Math.sqrt(classWeight(k));
    for (let j = 0; j < p; j++) Mt[c * p + j] = s * classMean[k * p + j]!;
  }
  const G = gramOfRows(Mt, Ka, p); // MᵀM, Ka×Ka
  const eig = symmetricEigen(G, Ka);
  let traceBetween = 0;
  for (let c = 0; c < Ka; c++) traceBetween += G[c * Ka + c]!;
  const lmax = Math.max(0, eig.values[0]!);
  let rank = 0;
  while (rank < Ka && eig.values[rank]! > rtol * lmax && eig.values[rank]! > 0) rank++;

  // u_j = M v_j / λ_j as rows of U (rank×p).
  const U = new Float64Array(rank * p);
  for (let r = 0; r < rank; r++) {
    const inv = 1 / eig.values[r]!;
    for (let c = 0; c < Ka; c++) {
      const coef = eig.vectors[r * Ka + c]! * inv;
      if (coef === 0) continue;
      for (let j = 0; j < p; j++) U[r * p + j]! += coef * Mt[c * p + j]!;
    }
  }

  // Pass 2: within-class residuals projected on the u_j.
  const withinWeight = (k: number): number => (variant === 'definition' ? 1 / n : 1 / (Ka * counts[k]!));
  const resid = new Float64Array(p);
  let D = 0;
  let traceWithin = 0;
  for (let i = 0; i < n; i++) {
    const k = labels[i]!;
    const row = i * p;
    const ck = k * p;
    let sq = 0;
    for (let j = 0; j < p; j++) {
      const v = x[row + j]! - mean[j]! - classMean[ck + j]!;
      resid[j] = v;
      sq += v * v;
    }
    const w = withinWeight(k);
    traceWithin += w * sq;
    let acc = 0;
    for (let r = 0; r < rank; r++) {
      let t = 0;
      const ur = r * p;
      for (let j = 0; j < p; j++) t += U[ur + j]! * resid[j]!;
      acc += t * t;
    }
    D += w * acc;
    if (progress && (n + i + 1) % PROGRESS_EVERY === 0) progress(n + i + 1, total);
  }
  if (progress) progress(total, total);

  // Σ_k n_k (x̄_k − x̄) = 0 in both variants, so rank SS_b ≤ min(K − 1, p).
  const maxRank = Math.min(Ka - 1, p);
  if (rank === 0) {
    warnings.push('all class means coincide (SS_b = 0): D = Tr(SS_w·0) = 0 by the pseudo-inverse convention, and ln D is undefined');
  } else if (rank < maxRank) {
    warnings.push(
      `SS_b has numerical rank ${rank} < ${maxRank} at rtol = ${rtol}: some class means are (nearly) linearly dependent and D depends on rtol`,
    );
  }
  if (rank > 0 && !(D > 0)) warnings.push('SS_w vanishes on the range of SS_b (D = 0): ln D is undefined');
  const classCounts = Array.from(counts);
  return {
    schemaVersion: 1,
    variant,
    variantDescription: SEPARATION_VARIANT_DESCRIPTIONS[variant],
    D,
    logD: D > 0 ? Math.log(D) : null,
    rankBetween: rank,
    traceWithin,
    traceBetween,
    numSamples: n,
    featureDim: p,
    numClasses: K,
    classCounts,
    rtol,
    warnings,
  };
}

interface LawCore {
  layers: SeparationLayer[];
  fit: SeparationLawFit | null;
  warnings: string[];
}

function fitLaw(results: { name: string; fuzz: SeparationFuzziness }[], lawThreshold: number): LawCore {
  const warnings: string[] = [];
  const ls: number[] = [];
  const ys: number[] = [];
  results.forEach(({ name, fuzz }, l) => {
    for (const w of fuzz.warnings) warnings.push(`layer ${l} (${name}): ${w}`);
    if (fuzz.logD === null) warnings.push(`layer ${l} (${name}) has D = ${fuzz.D} ≤ 0 and is left out of the fit`);
    else {
      ls.push(l);
      ys.push(fuzz.logD);
    }
  });
  let fit: SeparationLawFit | null = null;
  let a = 0;
  let b = 0;
  if (ls.length < 2) {
    warnings.push(`only ${ls.length} layer(s) have D > 0; the law needs at least 2 to fit (3 for a confidence interval)`);
  } else {
    const f = linearFit(ls, ys);
    a = f.intercept;
    b = f.slope;
    let ymean = 0;
    for (const y of ys) ymean += y / ys.length;
    let spread = 0;
    for (const y of ys) spread = Math.max(spread, Math.abs(y - ymean));
    const constant = spread <= CONSTANT_LOG_D_TOL * Math.max(1, Math.abs(ymean));
    if (constant) warnings.push(`ln D is constant across layers (spread ${spread.toExponential(2)}): ρ = 1 and Pearson r is undefined`);
    if (f.slopeCI95 === null) warnings.push('only 2 layers in the fit: no confidence interval for ρ');
    const pearsonR = constant ? null : f.r;
    const ci: [number, number] | null = f.slopeCI95 === null ? null : [Math.exp(f.slopeCI95[0]), Math.exp(f.slopeCI95[1])];
    const decays = pearsonR !== null && pearsonR <= -lawThreshold;
    if (ls.length < MIN_LAW_LAYERS) {
      warnings.push(`only ${ls.length} layers in the fit (${ls.length - 2} degree${ls.length - 2 === 1 ? '' : 's'} of freedom): too few to judge the law, which needs at least ${MIN_LAW_LAYERS} layers (choose more with --layers)`);
    } else if (decays && ci !== null && ci[1] >= 1) {
      warnings.push(`r ≤ −${lawThreshold}, but the 95% interval of ρ (${ci[0].toPrecision(3)}–${ci[1].toPrecision(3)}) reaches 1: a decay is not established`);
    }
    fit = {
      rho: Math.exp(f.slope),
      rhoCI95: ci,
      slope: f.slope,
      slopeStderr: f.slopeStderr,
      intercept: f.intercept,
      pearsonR,
      lawHolds: decays && ls.length >= MIN_LAW_LAYERS && ci !== null && ci[1] < 1,
      lawThreshold,
      numLayersFitted: ls.length,
    };
  }
  const layers: SeparationLayer[] = results.map(({ name, fuzz }, l) => ({
    index: l,
    name,
    D: fuzz.D,
    logD: fuzz.logD,
    residual: fit !== null && fuzz.logD !== null ? fuzz.logD - (a + b * l) : null,
    rankBetween: fuzz.rankBetween,
  }));
  return { layers, fit, warnings };
}

function checkThreshold(t: number | undefined): number {
  const v = t ?? DEFAULT_LAW_THRESHOLD;
  if (!(v >= 0 && v <= 1)) fail('BAD_ARGUMENT', `separationLaw: lawThreshold must be in [0, 1], got ${t}`);
  return v;
}

function checkLayers(layerFeatures: LayerFeatures[], where: string): void {
  if (!Array.isArray(layerFeatures) || layerFeatures.length === 0) {
    fail('BAD_ARGUMENT', `${where}: pass at least one layer as {name, features}`);
  }
}

/**
 * Law of data separation over the layers of one network: D_l for each layer (l = position in `layerFeatures`,
 * conventionally 0 = the flattened input), then the least-squares fit ln D_l = intercept + l·ln ρ with ρ = exp(slope),
 * its 95% Student-t interval, Pearson r and per-layer residuals. The law is said to hold when r ≤ −lawThreshold (0.9),
 * the fit has at least MIN_LAW_LAYERS (4) layers (2 degrees of freedom) and the 95% interval of ρ lies below 1.
 */
export function separationLaw(
  layerFeatures: LayerFeatures[],
  labels: ArrayLike<number>,
  numClasses: number,
  opts: SeparationLawOptions,
): SeparationLaw {
  const variant = checkVariant(opts?.variant);
  const rtol = checkRtol('separationLaw', opts.rtol, DEFAULT_RANK_RTOL);
  const lawThreshold = checkThreshold(opts.lawThreshold);
  checkLayers(layerFeatures, 'separationLaw');
  const total = layerFeatures.length;
  const results = layerFeatures.map(({ name, features }, l) => {
    const fuzz = separationFuzziness(features, labels, numClasses, { variant, rtol });
    opts.onProgress?.(l + 1, total);
    return { name, fuzz };
  });
  const core = fitLaw(results, lawThreshold);
  return {
    schemaVersion: 1,
    variant,
    variantDescription: SEPARATION_VARIANT_DESCRIPTIONS[variant],
    rtol,
    layers: core.layers,
    fit: core.fit,
    warnings: core.warnings,
  };
}

/**
 * The law of data separation at several training epochs: per epoch, D_l per layer, ρ, its 95% interval, Pearson r
 * and whether the law holds. Every epoch must list the same layers in the same order.
 */
export function separationOverTraining(
  perEpoch: EpochFeatures[],
  labels: ArrayLike<number>,
  numClasses: number,
  opts: SeparationLawOptions,
): SeparationOverTraining {
  const variant = checkVariant(opts?.variant);
  const rtol = checkRtol('separationOverTraining', opts.rtol, DEFAULT_RANK_RTOL);
  const lawThreshold = checkThreshold(opts.lawThreshold);
  if (!Array.isArray(perEpoch) || perEpoch.length === 0) {
    fail('BAD_ARGUMENT', 'separationOverTraining: pass at least one epoch as {epoch, layers}');
  }
  const first = perEpoch[0]!;
  checkLayers(first.layers, 'separationOverTraining');
  const layerNames = first.layers.map((l) => l.name);
  for (const e of perEpoch) {
    checkLayers(e.layers, 'separationOverTraining');
    const names = e.layers.map((l) => l.name);
    if (names.length !== layerNames.length || names.some((nm, i) => nm !== layerNames[i])) {
      fail('BAD_ARGUMENT', `separationOverTraining: epoch ${e.epoch} lists layers [${names.join(', ')}], expected [${layerNames.join(', ')}]`);
    }
  }
  const total = perEpoch.length * layerNames.length;
  let done = 0;
  const warnings: string[] = [];
  const epochs: SeparationEpoch[] = perEpoch.map(({ epoch, layers }) => {
    const results = layers.map(({ name, features }) => {
      const fuzz = separationFuzziness(features, labels, numClasses, { variant, rtol });
      opts.onProgress?.(++done, total);
      return { name, fuzz };
    });
    const core = fitLaw(results, lawThreshold);
    for (const w of core.warnings) warnings.push(`epoch ${epoch}: ${w}`);
    return {
      epoch,
      D: core.layers.map((l) => l.D),
      rho: core.fit?.rho ?? null,
      rhoCI95: core.fit?.rhoCI95 ?? null,
      pearsonR: core.fit?.pearsonR ?? null,
      lawHolds: core.fit?.lawHolds ?? false,
    };
  });
  return {
    schemaVersion: 1,
    variant,
    variantDescription: SEPARATION_VARIANT_DESCRIPTIONS[variant],
    rtol,
    layerNames,
    epochs,
    warnings,
  };
}
