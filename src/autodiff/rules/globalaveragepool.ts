/**
 * GlobalAveragePool: Y[n,c] = mean over the spatial axes of X[n,c]. dX = Expand(gY, shape(X)) / (H·W·…).
 * The divisor is a constant when the spatial sizes are static, else computed from Shape(X) at run time.
 * (GlobalAveragePool itself is float-only on the onnxruntime CPU provider; the gradient ops also run in float64.)
 */
import { OP } from '../../onnx/ops.js';
import { constLike, elemTypeOf } from './emit.js';
import type { GradRule } from './types.js';

export const globalAveragePoolRule: GradRule = {
  opType: OP.GlobalAveragePool,
  vjp(node, [gy], ctx) {
    if (gy === undefined) return [undefined];
    const { b } = ctx;
    const x = node.inputs[0]!;
    const spatial = ctx.shape(x).slice(2);
    const expanded = b.op(OP.Expand, [gy, b.shape(x)]);
    if (spatial.every((d): d is number => typeof d === 'number')) {
      const count = spatial.reduce((p, d) => p * d, 1);
      return [b.mul(expanded, constLike(ctx, [1 / count], [], x, 'gap_inv'))];
    }
    const sizes = b.op(OP.Slice, [b.shape(x), b.constInt64([2]), b.constInt64([spatial.length + 2]), b.constInt64([0])]);
    const count = b.op(OP.Cast, [b.op(OP.ReduceProd, [sizes], { keepdims: 0 })], { to: elemTypeOf(ctx, x) });
    return [b.div(expanded, count)];
  },
};
