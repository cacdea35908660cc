/** Split: dX = the output gradients concatenated along the split axis (zeros for outputs that get none). */
import { attrInt } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { zerosLike } from './emit.js';
import type { GradRule } from './types.js';

export const splitRule: GradRule = {
  opType: OP.Split,
  vjp(node, gOut, ctx) {
    const rank = ctx.shape(node.inputs[0]!).length;
    const a = attrInt(node, 'axis', 0);
    const parts = node.outputs.map((o, i) => gOut[i] ?? zerosLike(ctx, o));
    return [ctx.b.op(OP.Concat, parts, { axis: a < 0 ? a + rank : a }), undefined];
  },
};
