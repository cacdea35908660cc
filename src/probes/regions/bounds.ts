/**
 * Upper bounds on the number of linear regions of a rectifier network, in exact integers (BigInt: the bounds of a
 * 4×64 MLP pass 2^190).
 *
 * - Lei, Luo, Yau & Gu (arXiv 1805.10451, METHODS.md §5): with C(d, n) = Σ_{i=0}^{d} binom(n, i) (the most regions
 *   n hyperplanes cut R^d into), N(𝒩(w_0, …, w_{k+1})) ≤ Π_{i=1}^{k+1} C(w_{i−1}, w_i).
 * - Serra, Tjandraatmadja & Ramalingam, "Bounding and Counting Linear Regions of Deep Neural Networks" (ICML 2018),
 *   Theorem 7: a rectifier network with n_0 inputs and L layers of n_1, …, n_L units has at most
 *   Σ_{(j_1,…,j_L) ∈ J} Π_{l=1}^{L} binom(n_l, j_l) regions, J = {j : 0 ≤ j_l ≤ min(n_0, n_1 − j_1, …, n_{l−1} − j_{l−1}, n_l)}
 *   — tight for L = 1. Evaluated exactly by a dynamic programme over the bottleneck d_l = min(n_0, n_1 − j_1, …, n_l − j_l):
 *   the weight of each d is carried from layer to layer, so the cost is O(L · n_0 · max n_l) big-integer products, not
 *   the size of J.
 *
 * Both bounds hold for every choice of weights, so they hold for the network restricted to a slice: there the input
 * dimension n_0 is the slice's (2 for a plane, 1 for a segment). The widths are the rectifier layers' units (the
 * affine output layer adds no region: it is not a factor; `leiWithOutput` gives Lei et al.'s product with the
 * output factor C(w_k, w_{k+1}) as well, exactly as the formula is written). A MaxPool layer of o outputs over windows
 * of m elements has its pattern decided by o·m(m−1)/2 pairwise comparisons, so it enters the Lei-type product as that
 * many hyperplanes (`hyperplaneProduct`); Theorem 7 covers rectifiers only and is not given for networks with MaxPool.
 */
import { GeolensError } from '../../errors.js';
import type { BigCount, RegionBounds } from './types.js';

const binomCache = new Map<string, bigint>();

/** binom(n, k) exactly (0 outside 0 ≤ k ≤ n). */
export function binomial(n: number, k: number): bigint {
  if (!Number.isInteger(n) || !Number.isInteger(k) || n < 0) throw new GeolensError('BAD_ARGUMENT', `binomial(${n}, ${k}): n and k must be integers, n ≥ 0.`);
  if (k < 0 || k > n) return 0n;
  const kk = Math.min(k, n - k);
  const key = `${n},${kk}`;
  const hit = binomCache.get(key);
  if (hit !== undefined) return hit;
  let r = 1n;
  for (let i = 1; i <= kk; i++) r = (r * BigInt(n - kk + i)) / BigInt(i);
  if (binomCache.size < 100_000) binomCache.set(key, r);
  return r;
}

/** C(d, n) = Σ_{i=0}^{d} binom(n, i): the most regions n hyperplanes cut R^d into (Zaslavsky / Buck). */
export function arrangementRegions(d: number, n: number): bigint {
  if (d >= n) return 1n << BigInt(n);
  let s = 0n;
  for (let i = 0; i <= d; i++) s += binomial(n, i);
  return s;
}

/** Lei et al.'s product Π_{i=1}^{L} C(w_{i−1}, w_i) with w_0 = n0 and w_1…w_L = widths. */
export function leiBound(n0: number, widths: readonly number[]): bigint {
  let p = 1n;
  let prev = n0;
  for (const w of widths) {
    p *= arrangementRegions(prev, w);
    prev = w;
  }
  return p;
}

/**
 * Serra, Tjandraatmadja & Ramalingam (2018) Theorem 7 for a rectifier network with n0 inputs and rectifier layers of
 * `widths` units (see the module comment for the formula and the dynamic programme).
 */
export function serraBound(n0: number, widths: readonly number[]): bigint {
  // weight[d] = Σ over (j_1…j_l) reaching bottleneck d of Π binom(n_i, j_i)
  let weight = new Map<number, bigint>([[n0, 1n]]);
  for (const n of widths) {
    const next = new Map<number, bigint>();
    for (const [d, w] of weight) {
      const top = Math.min(d, n);
      for (let j = 0; j <= top; j++) {
        const nd = Math.min(d, n - j);
        next.set(nd, (next.get(nd) ?? 0n) + w * binomial(n, j));
      }
    }
    weight = next;
  }
  let s = 0n;
  for (const w of weight.values()) s += w;
  return s;
}

/**
 * The product Π_l C(min(n0, w_{l−1}), H_l) over piecewise-linear layers with H_l hyperplanes deciding their pattern
 * and output width w_l: each cell of the first l − 1 layers lies in an affine space of dimension ≤ min(n0, w_{l−1})
 * (the image of a cell under the previous layers), and layer l's H_l hyperplanes cut it into at most C(·, H_l) cells.
 * Valid for rectifiers and MaxPool alike; equal to `leiBound` with the dimension clipped at n0 for rectifier chains.
 */
export function hyperplaneProduct(n0: number, layers: readonly { width: number; hyperplanes: number }[]): bigint {
  let p = 1n;
  let prev = n0;
  for (const l of layers) {
    p *= arrangementRegions(Math.min(n0, prev), l.hyperplanes);
    prev = l.width;
  }
  return p;
}

/**
 * The most connected linear pieces a rectifier network with hidden `widths` can cut a closed convex curve lying in a
 * plane of its input space into (e.g. a circle, or a convex polygon meshing it): max(1, 2·w_1) · Π_{l≥2} (1 + 2·w_l).
 * Proof (geolens; the curve analogue of the layer-by-layer counting of Serra et al. 2018): on one piece after layer
 * l − 1 every pre-activation of layer l is an affine function of the input, and a line of the plane meets a convex
 * curve in at most two points (unless it contains an edge of it: then the unit does not split the piece), so the w_l
 * units put at most 2·w_l new breakpoints on each piece — each piece becomes at most 1 + 2·w_l; on the closed curve
 * the first layer's 2·w_1 breakpoints make at most 2·w_1 arcs. Pieces with one pattern that merge only lower the count.
 */
export function convexCurveBound(widths: readonly number[]): bigint {
  let p = 1n;
  widths.forEach((w, i) => {
    p *= i === 0 ? BigInt(Math.max(1, 2 * w)) : BigInt(1 + 2 * w);
  });
  return p;
}

/** A bigint as a decimal string, and as a number when it is exactly representable (≤ 2^53), else null. */
export function bigIntJson(v: bigint): BigCount {
  const s = v.toString();
  const value = v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : null;
  // log10 from the leading 15 digits and the length
  const log10 = v === 0n ? -Infinity : Math.log10(Number(s.slice(0, 15))) + (s.length - Math.min(15, s.length));
  return { exact: s, value, log10 };
}

/** A piecewise-linear layer as the bounds see it. */
export interface BoundLayer {
  op: string;
  width: number;
  hyperplanes: number;
}

/**
 * The bounds of a network with piecewise-linear `layers` restricted to an input of dimension n0 (2 on a plane slice,
 * 1 on a segment), with `numClasses` logits. `chain`: each layer reads only the previous one (no skip connection);
 * Lei et al.'s and Serra et al.'s bounds are given for chains of rectifiers, the hyperplane product always.
 */
export function regionBounds(layers: readonly BoundLayer[], n0: number, numClasses: number, chain: boolean): RegionBounds {
  const rectifiers = layers.every((l) => l.op !== 'MaxPool');
  const widths = layers.map((l) => l.width);
  const notes: string[] = [`input dimension ${n0}${n0 <= 2 ? ` (the ${n0 === 2 ? 'plane' : 'segment'} slice: the network restricted to it is a rectifier network with ${n0} input${n0 > 1 ? 's' : ''})` : ''}`];
  if (!chain) notes.push('the piecewise-linear layers do not form a chain (skip connections): Lei et al. and Serra et al. are not given; the hyperplane product uses the input dimension for every layer');
  else if (!rectifiers) notes.push('MaxPool layers: Lei et al. and Serra et al. (Theorem 7) are stated for rectifier layers; the hyperplane product counts each MaxPool output as one hyperplane per pair in its window');
  const both = chain && rectifiers;
  return {
    inputDim: n0,
    widths,
    lei: both ? bigIntJson(leiBound(n0, widths)) : null,
    leiWithOutput: both ? bigIntJson(leiBound(n0, [...widths, numClasses])) : null,
    serra: both ? bigIntJson(serraBound(n0, widths)) : null,
    hyperplaneProduct: bigIntJson(chain ? hyperplaneProduct(n0, layers) : hyperplaneProduct(n0, layers.map((l) => ({ width: n0, hyperplanes: l.hyperplanes })))),
    notes,
  };
}

/** The tightest bound given, with its name. */
export function tightestBound(b: RegionBounds): { bound: BigCount; name: 'serra' | 'lei' | 'hyperplaneProduct' } {
  const all: [BigCount | null, 'serra' | 'lei' | 'hyperplaneProduct'][] = [[b.serra, 'serra'], [b.lei, 'lei'], [b.hyperplaneProduct, 'hyperplaneProduct']];
  let best: { bound: BigCount; name: 'serra' | 'lei' | 'hyperplaneProduct' } | undefined;
  for (const [v, name] of all) if (v && (!best || BigInt(v.exact) < BigInt(best.bound.exact))) best = { bound: v, name };
  return best!;
}

/**
 * Check a region count against every bound given: a count above a bound is impossible, so it is a bug in geolens (or
 * in the bound's implementation) and throws — loudly, as a plain Error, not a user error.
 */
export function checkAgainstBounds(count: number, b: RegionBounds, what: string): void {
  for (const [name, v] of [['Lei et al.', b.lei], ['Serra et al. (Theorem 7)', b.serra], ['hyperplane-product', b.hyperplaneProduct]] as const) {
    if (v && BigInt(count) > BigInt(v.exact)) {
      throw new Error(`geolens bug: ${what} counted ${count} linear regions, above the ${name} bound ${v.exact} (input dimension ${b.inputDim}, widths ${b.widths.join(', ')}). Please report it with the model and the slice.`);
    }
  }
}
