/** Softplus: Y = ln(1 + exp(X)). dX = gY·sigmoid(X). */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const softplusRule: GradRule = {
  opType: OP.Softplus,
  vjp(node, [gy], ctx) {
    return [ctx.b.mul(gy!, ctx.b.op(OP.Sigmoid, [node.inputs[0]!]))];
  },
};
