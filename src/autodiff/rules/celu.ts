/** Celu: Y = max(0, X) + min(0, alpha·(exp(X/alpha) − 1)) (alpha default 1). dX = gY for X > 0, gY·exp(X/alpha) otherwise. */
import { attrFloat } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const celuRule: GradRule = {
  opType: OP.Celu,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const alpha = Math.fround(attrFloat(node, 'alpha', 1));
    const pos = b.op(OP.Greater, [x, scalarLike(ctx, 0, x)]);
    return [b.op(OP.Where, [pos, gy!, b.mul(gy!, b.op(OP.Exp, [b.mul(x, scalarLike(ctx, 1 / alpha, x))]))])];
  },
};
