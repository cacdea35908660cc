/** Reshape: dX = gY reshaped back to the shape of X (the target-shape input gets no gradient). */
import { OP } from '../../onnx/ops.js';
import { shapeOf } from './emit.js';
import type { GradRule } from './types.js';

export const reshapeRule: GradRule = {
  opType: OP.Reshape,
  vjp(node, [gy], ctx) {
    const x = node.inputs[0]!;
    return [ctx.b.op(OP.Reshape, [gy!, shapeOf(ctx, x)]), undefined];
  },
};
