/**
 * GroupNormalization (opsets 18 and 21): X [N, C, …] is normalised per sample over each of num_groups groups of
 * C/num_groups channels (and the spatial axes): Y = x̂·scale + bias with scale and bias per group ([num_groups],
 * opset 18) or per channel ([C], opset 21; told apart by their shape). dX by the shared normalisation backward
 * (normalize.ts) on X regrouped to [N, G, C/G·spatial]; dscale = Σ gY·x̂ and dbias = Σ gY over N and the spatial axes
 * (and over the channels of a group for per-group parameters).
 */
import { GeolensError } from '../../errors.js';
import { attrFloat, attrInt } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { shapeOf } from './emit.js';
import { normalized, normalizedBackward } from './normalize.js';
import type { GradRule } from './types.js';

export const groupNormalizationRule: GradRule = {
  opType: OP.GroupNormalization,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const [x, scale, bias] = node.inputs as [string, string, string];
    const xs = ctx.shape(x);
    const G = attrInt(node, 'num_groups', 1);
    const C = xs[1];
    const rest = xs.slice(2);
    if (typeof C !== 'number' || !rest.every((d): d is number => typeof d === 'number') || C % G !== 0) {
      throw new GeolensError('BAD_SHAPE', `autodiff: GroupNormalization '${node.name}' needs static channel and spatial sizes with C divisible by num_groups (got [${xs.join(', ')}], ${G} groups).`);
    }
    const perChannel = ctx.shape(scale)[0] === C && C !== G;
    const count = (C / G) * rest.reduce((p, q) => p * q, 1);
    const xr = b.reshape(x, [0, G, -1]);
    const { xhat, r } = normalized(ctx, xr, [2], count, attrFloat(node, 'epsilon', 1e-5));
    const others = [0, ...rest.map((_, i) => i + 2)];
    const bc = (t: string): string => b.op(OP.Unsqueeze, [t, b.constInt64(others)]);
    /** A per-group [G] tensor repeated over the channels of each group: [C]. */
    const toChannels = (t: string): string => b.reshape(b.op(OP.Expand, [b.reshape(t, [G, 1]), b.constInt64([G, C / G])]), [C]);
    const toGroups = (t: string): string => b.reduceSum(b.reshape(t, [G, C / G]), [1], false);
    const xhatFull = b.op(OP.Reshape, [xhat, shapeOf(ctx, x)]);
    const out: (string | undefined)[] = [undefined, undefined, undefined];
    if (ctx.needs(0)) {
      const g = b.mul(gy!, bc(perChannel ? scale : toChannels(scale)));
      out[0] = b.op(OP.Reshape, [normalizedBackward(ctx, b.reshape(g, [0, G, -1]), xhat, r, [2], count), shapeOf(ctx, x)]);
    }
    if (ctx.needs(1)) {
      const ds = b.reduceSum(b.mul(gy!, xhatFull), others, false);
      out[1] = perChannel ? ds : toGroups(ds);
    }
    if (ctx.needs(2)) {
      const db = b.reduceSum(gy!, others, false);
      out[2] = perChannel ? db : toGroups(db);
    }
    return out;
  },
};
