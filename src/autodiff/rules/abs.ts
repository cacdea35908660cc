/** Abs: dX = gY·sign(X) (0 at X = 0). */
import type { GradRule } from './types.js';

export const absRule: GradRule = {
  opType: 'Abs',
  vjp(node, [gy], ctx) {
    return [ctx.b.mul(gy!, ctx.b.op('Sign', [node.inputs[0]!]))];
  },
};
