/** Elu: Y = X for X > 0, alpha·(exp(X) − 1) otherwise (alpha default 1). dX = gY for X > 0, gY·alpha·exp(X) otherwise. */
import { attrFloat } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const eluRule: GradRule = {
  opType: OP.Elu,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const alpha = Math.fround(attrFloat(node, 'alpha', 1));
    const pos = b.op(OP.Greater, [x, scalarLike(ctx, 0, x)]);
    return [b.op(OP.Where, [pos, gy!, b.mul(gy!, b.mul(scalarLike(ctx, alpha, x), b.op(OP.Exp, [x])))])];
  },
};
