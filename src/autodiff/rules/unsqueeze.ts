/** Unsqueeze: dX = gY reshaped back to the shape of X (drops the inserted unit axes). */
import { OP } from '../../onnx/ops.js';
import { shapeOf } from './emit.js';
import type { GradRule } from './types.js';

export const unsqueezeRule: GradRule = {
  opType: OP.Unsqueeze,
  vjp(node, [gy], ctx) {
    return [ctx.b.op(OP.Reshape, [gy!, shapeOf(ctx, node.inputs[0]!)]), undefined];
  },
};
