/** Log: dX = gY / X. */
import type { GradRule } from './types.js';

export const logRule: GradRule = {
  opType: 'Log',
  vjp(node, [gy], ctx) {
    return [ctx.b.div(gy!, node.inputs[0]!)];
  },
};
