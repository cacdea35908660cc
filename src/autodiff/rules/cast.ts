/**
 * Cast: between floating-point types the gradient is gY cast back to the input's type; casts from or to
 * integer/bool types pass no gradient.
 */
import { attrInt } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { elemTypeOf, isFloatType } from './emit.js';
import type { GradRule } from './types.js';

export const castRule: GradRule = {
  opType: OP.Cast,
  vjp(node, [gy], ctx) {
    const from = elemTypeOf(ctx, node.inputs[0]!);
    const to = attrInt(node, 'to', from);
    if (!isFloatType(from) || !isFloatType(to)) return [undefined];
    return [from === to ? gy : ctx.b.op(OP.Cast, [gy!], { to: from })];
  },
};
