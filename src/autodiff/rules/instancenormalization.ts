/**
 * InstanceNormalization: Y = x̂·scale[c] + B[c], x̂ normalised per sample and channel over the spatial axes of
 * X [N, C, …]. dX by the shared normalisation backward (normalize.ts) with g = gY·scale; dscale = Σ gY·x̂ and
 * dB = Σ gY over N and the spatial axes.
 */
import { attrFloat } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { normalized, normalizedBackward, staticCount } from './normalize.js';
import type { GradRule } from './types.js';

export const instanceNormalizationRule: GradRule = {
  opType: OP.InstanceNormalization,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const [x, scale, bias] = node.inputs as [string, string, string];
    const rank = ctx.shape(x).length;
    const spatial = Array.from({ length: rank - 2 }, (_, i) => i + 2);
    const others = [0, ...spatial];
    const count = staticCount(ctx, x, spatial, `InstanceNormalization '${node.name}'`);
    const { xhat, r } = normalized(ctx, x, spatial, count, attrFloat(node, 'epsilon', 1e-5));
    const bc = (t: string): string => b.op(OP.Unsqueeze, [t, b.constInt64(others)]);
    const out: (string | undefined)[] = [undefined, undefined, undefined];
    if (ctx.needs(0)) out[0] = normalizedBackward(ctx, b.mul(gy!, bc(scale)), xhat, r, spatial, count);
    if (ctx.needs(1)) out[1] = b.reduceSum(b.mul(gy!, xhat), others, false);
    if (ctx.needs(2)) out[2] = b.reduceSum(gy!, others, false);
    return out;
  },
};
