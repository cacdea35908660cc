/**
 * HardSwish: Y = X·max(0, min(1, X/6 + ½)). dX = gY·(h + X/6·[0 < X/6 + ½ < 1]) with h = max(0, min(1, X/6 + ½)):
 * 0 below −3, X/3 + ½ between −3 and 3, 1 above.
 */
import { OP } from '../../onnx/ops.js';
import { maskLike, scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const hardSwishRule: GradRule = {
  opType: OP.HardSwish,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const c = (v: number): string => scalarLike(ctx, v, x);
    const t = b.add(b.mul(x, c(1 / 6)), c(0.5));
    const h = b.op(OP.Clip, [t, c(0), c(1)]);
    const inside = b.mul(maskLike(ctx, b.op(OP.Greater, [t, c(0)]), x), maskLike(ctx, b.op(OP.Less, [t, c(1)]), x));
    return [b.mul(gy!, b.add(h, b.mul(b.mul(x, c(1 / 6)), inside)))];
  },
};
