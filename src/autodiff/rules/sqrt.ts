/** Sqrt: dX = gY / (2·Y). */
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const sqrtRule: GradRule = {
  opType: OP.Sqrt,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const y = node.outputs[0]!;
    return [b.div(b.mul(gy!, scalarLike(ctx, 0.5, y)), y)];
  },
};
