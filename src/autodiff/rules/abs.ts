/** Abs: dX = gY·sign(X) (0 at X = 0). */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const absRule: GradRule = {
  opType: OP.Abs,
  vjp(node, [gy], ctx) {
    return [ctx.b.mul(gy!, ctx.b.op(OP.Sign, [node.inputs[0]!]))];
  },
};
