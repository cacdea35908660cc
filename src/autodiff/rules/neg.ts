/** Neg: Y = −X. dX = −gY. */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const negRule: GradRule = {
  opType: OP.Neg,
  vjp(_node, [gy], ctx) {
    return [ctx.b.neg(gy!)];
  },
};
