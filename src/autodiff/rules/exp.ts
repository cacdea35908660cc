/** Exp: dX = gY·Y. */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const expRule: GradRule = {
  opType: OP.Exp,
  vjp(node, [gy], ctx) {
    return [ctx.b.mul(gy!, node.outputs[0]!)];
  },
};
