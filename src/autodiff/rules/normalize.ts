/**
 * The shared backward pass of the per-sample normalisations (LayerNormalization, InstanceNormalization,
 * GroupNormalization): for x̂ = (x − μ)·r over a set of axes (μ the mean, r = (σ² + ε)^(−1/2), σ² the biased
 * variance) and an upstream gradient g on x̂, dx = r·(g − mean(g) − x̂·mean(g·x̂)) with the means over the same axes.
 * μ and r are recomputed in the gradient graph (the forward keeps only Y).
 */
import { GeolensError } from '../../errors.js';
import { OP } from '../../onnx/ops.js';
import { meanOver, scalarLike } from './emit.js';
import type { GradContext } from './types.js';

/** x̂ and r of `x` normalised over `axes` (count = the number of elements per group, static). */
export function normalized(ctx: GradContext, x: string, axes: number[], count: number, eps: number): { xhat: string; r: string } {
  const { b } = ctx;
  const mu = meanOver(ctx, x, axes, x, count);
  const xc = b.sub(x, mu);
  const variance = meanOver(ctx, b.mul(xc, xc), axes, x, count);
  const r = b.op(OP.Reciprocal, [b.op(OP.Sqrt, [b.add(variance, scalarLike(ctx, eps, x))])]);
  return { xhat: b.mul(xc, r), r };
}

/** dx from the gradient `g` on x̂ (see the module comment). */
export function normalizedBackward(ctx: GradContext, g: string, xhat: string, r: string, axes: number[], count: number): string {
  const { b } = ctx;
  const mg = meanOver(ctx, g, axes, xhat, count);
  const mgx = meanOver(ctx, b.mul(g, xhat), axes, xhat, count);
  return b.mul(r, b.sub(b.sub(g, mg), b.mul(xhat, mgx)));
}

/** The product of static dims (throws BAD_SHAPE via ctx.shape naming the node when one is symbolic). */
export function staticCount(ctx: GradContext, x: string, axes: number[], what: string): number {
  const s = ctx.shape(x);
  let n = 1;
  for (const a of axes) {
    const d = s[a];
    if (typeof d !== 'number') throw new GeolensError('BAD_SHAPE', `autodiff: ${what}: normalised dim ${a} of '${x}' is not static; give the model's input fixed sizes except the batch.`);
    n *= d;
  }
  return n;
}
