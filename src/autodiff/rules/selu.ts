/**
 * Selu: Y = gamma·X for X > 0, gamma·alpha·(exp(X) − 1) otherwise (alpha 1.67326…, gamma 1.0507… by default).
 * dX = gY·gamma for X > 0, gY·gamma·alpha·exp(X) otherwise.
 */
import { attrFloat } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const seluRule: GradRule = {
  opType: OP.Selu,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const alpha = Math.fround(attrFloat(node, 'alpha', 1.67326319217681884765625));
    const gamma = Math.fround(attrFloat(node, 'gamma', 1.05070102214813232421875));
    const pos = b.op(OP.Greater, [x, scalarLike(ctx, 0, x)]);
    const neg = b.mul(scalarLike(ctx, gamma * alpha, x), b.op(OP.Exp, [x]));
    return [b.mul(gy!, b.op(OP.Where, [pos, scalarLike(ctx, gamma, x), neg]))];
  },
};
