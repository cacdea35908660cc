/** ThresholdedRelu: Y = X for X > alpha, 0 otherwise (alpha default 1). dX = gY where X > alpha, else 0. */
import { attrFloat } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { maskLike, scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const thresholdedReluRule: GradRule = {
  opType: OP.ThresholdedRelu,
  vjp(node, [gy], ctx) {
    const x = node.inputs[0]!;
    const alpha = Math.fround(attrFloat(node, 'alpha', 1));
    return [ctx.b.mul(gy!, maskLike(ctx, ctx.b.op(OP.Greater, [x, scalarLike(ctx, alpha, x)]), x))];
  },
};
