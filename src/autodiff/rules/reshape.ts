/** Reshape: dX = gY reshaped back to the shape of X (the target-shape input gets no gradient). */
import { shapeOf } from './emit.js';
import type { GradRule } from './types.js';

export const reshapeRule: GradRule = {
  opType: 'Reshape',
  vjp(node, [gy], ctx) {
    const x = node.inputs[0]!;
    return [ctx.b.op('Reshape', [gy!, shapeOf(ctx, x)]), undefined];
  },
};
