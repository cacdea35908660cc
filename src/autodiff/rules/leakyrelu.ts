/** LeakyRelu: Y = X for X > 0, alpha·X otherwise (alpha default 0.01). dX = gY where X > 0, alpha·gY elsewhere. */
import { attrFloat } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const leakyReluRule: GradRule = {
  opType: OP.LeakyRelu,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const alpha = Math.fround(attrFloat(node, 'alpha', 0.01)); // ONNX float attributes are float32
    const pos = b.op(OP.Greater, [x, scalarLike(ctx, 0, x)]);
    return [b.op(OP.Where, [pos, gy!, b.mul(gy!, scalarLike(ctx, alpha, x))])];
  },
};
