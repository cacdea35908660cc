/** Squeeze: dX = gY reshaped back to the shape of X (restores the removed unit axes). */
import { shapeOf } from './emit.js';
import type { GradRule } from './types.js';

export const squeezeRule: GradRule = {
  opType: 'Squeeze',
  vjp(node, [gy], ctx) {
    return [ctx.b.op('Reshape', [gy!, shapeOf(ctx, node.inputs[0]!)]), undefined];
  },
};
