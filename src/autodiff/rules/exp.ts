/** Exp: dX = gY·Y. */
import type { GradRule } from './types.js';

export const expRule: GradRule = {
  opType: 'Exp',
  vjp(node, [gy], ctx) {
    return [ctx.b.mul(gy!, node.outputs[0]!)];
  },
};
