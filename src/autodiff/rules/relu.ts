/** Relu: Y = max(X, 0). dX = gY where X > 0, else 0 (ReluGrad is training-build only, so Where + Greater). */
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const reluRule: GradRule = {
  opType: OP.Relu,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const zero = scalarLike(ctx, 0, x);
    return [b.op(OP.Where, [b.op(OP.Greater, [x, zero]), gy!, zero])];
  },
};
