/** Flatten (any axis): dX = gY reshaped back to the shape of X. */
import { shapeOf } from './emit.js';
import type { GradRule } from './types.js';

export const flattenRule: GradRule = {
  opType: 'Flatten',
  vjp(node, [gy], ctx) {
    return [ctx.b.op('Reshape', [gy!, shapeOf(ctx, node.inputs[0]!)])];
  },
};
