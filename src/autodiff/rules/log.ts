/** Log: dX = gY / X. */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const logRule: GradRule = {
  opType: OP.Log,
  vjp(node, [gy], ctx) {
    return [ctx.b.div(gy!, node.inputs[0]!)];
  },
};
