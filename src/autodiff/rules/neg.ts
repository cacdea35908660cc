/** Neg: Y = −X. dX = −gY. */
import type { GradRule } from './types.js';

export const negRule: GradRule = {
  opType: 'Neg',
  vjp(_node, [gy], ctx) {
    return [ctx.b.neg(gy!)];
  },
};
