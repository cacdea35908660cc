/** Expand: Y = X broadcast to a shape. dX = gY summed over the broadcast dims (the shape input gets no gradient). */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const expandRule: GradRule = {
  opType: OP.Expand,
  vjp(node, [gy], ctx) {
    return [ctx.unbroadcast(gy!, ctx.shape(node.outputs[0]!), node.inputs[0]!), undefined];
  },
};
