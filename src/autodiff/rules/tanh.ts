/** Tanh: dX = gY·(1 − Y²). */
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const tanhRule: GradRule = {
  opType: OP.Tanh,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const y = node.outputs[0]!;
    return [b.mul(gy!, b.sub(scalarLike(ctx, 1, y), b.mul(y, y)))];
  },
};
