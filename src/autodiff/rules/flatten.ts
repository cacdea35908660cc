/** Flatten (any axis): dX = gY reshaped back to the shape of X. */
import { OP } from '../../onnx/ops.js';
import { shapeOf } from './emit.js';
import type { GradRule } from './types.js';

export const flattenRule: GradRule = {
  opType: OP.Flatten,
  vjp(node, [gy], ctx) {
    return [ctx.b.op(OP.Reshape, [gy!, shapeOf(ctx, node.inputs[0]!)])];
  },
};
