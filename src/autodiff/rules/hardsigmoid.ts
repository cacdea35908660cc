/** HardSigmoid: Y = max(0, min(1, alpha·X + beta)) (alpha 0.2, beta 0.5). dX = gY·alpha where 0 < alpha·X + beta < 1, else 0. */
import { attrFloat } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { maskLike, scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const hardSigmoidRule: GradRule = {
  opType: OP.HardSigmoid,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const alpha = Math.fround(attrFloat(node, 'alpha', 0.2));
    const beta = Math.fround(attrFloat(node, 'beta', 0.5));
    const t = b.add(b.mul(x, scalarLike(ctx, alpha, x)), scalarLike(ctx, beta, x));
    const inside = b.mul(maskLike(ctx, b.op(OP.Greater, [t, scalarLike(ctx, 0, x)]), x), maskLike(ctx, b.op(OP.Less, [t, scalarLike(ctx, 1, x)]), x));
    return [b.mul(gy!, b.mul(inside, scalarLike(ctx, alpha, x)))];
  },
};
