/** Squeeze: dX = gY reshaped back to the shape of X (restores the removed unit axes). */
import { OP } from '../../onnx/ops.js';
import { shapeOf } from './emit.js';
import type { GradRule } from './types.js';

export const squeezeRule: GradRule = {
  opType: OP.Squeeze,
  vjp(node, [gy], ctx) {
    return [ctx.b.op(OP.Reshape, [gy!, shapeOf(ctx, node.inputs[0]!)]), undefined];
  },
};
