/** LogSoftmax (opset-13 semantics, single `axis`, default −1): dX = gY − exp(Y) ⊙ Σ_axis gY. */
import { OP } from '../../onnx/ops.js';
import { softmaxAxis } from './softmax.js';
import type { GradRule } from './types.js';

export const logSoftmaxRule: GradRule = {
  opType: OP.LogSoftmax,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const y = node.outputs[0]!;
    const axis = softmaxAxis(node, ctx);
    const total = b.reduceSum(gy!, [axis], true);
    return [b.sub(gy!, b.mul(b.op(OP.Exp, [y]), total))];
  },
};
