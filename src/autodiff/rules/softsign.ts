/** Softsign: Y = X/(1 + |X|). dX = gY/(1 + |X|)². */
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const softsignRule: GradRule = {
  opType: OP.Softsign,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const d = b.add(scalarLike(ctx, 1, x), b.op(OP.Abs, [x]));
    return [b.div(gy!, b.mul(d, d))];
  },
};
