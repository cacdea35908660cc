/** Sigmoid: dX = gY·Y·(1 − Y). */
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const sigmoidRule: GradRule = {
  opType: OP.Sigmoid,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const y = node.outputs[0]!;
    return [b.mul(gy!, b.mul(y, b.sub(scalarLike(ctx, 1, y), y)))];
  },
};
