/** Mish: Y = X·tanh(softplus(X)). dX = gY·(t + X·(1 − t²)·sigmoid(X)), t = tanh(softplus(X)). */
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const mishRule: GradRule = {
  opType: OP.Mish,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const t = b.op(OP.Tanh, [b.op(OP.Softplus, [x])]);
    const dt = b.mul(b.sub(scalarLike(ctx, 1, x), b.mul(t, t)), b.op(OP.Sigmoid, [x]));
    return [b.mul(gy!, b.add(t, b.mul(x, dt)))];
  },
};
