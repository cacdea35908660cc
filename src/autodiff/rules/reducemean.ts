/**
 * ReduceMean (axes as attribute up to opset 17, as input from 18; both keepdims): dX = gY broadcast back over the
 * reduced axes, divided by the number of elements averaged (a constant when the reduced dims are static).
 */
import { attrInt, attrInts } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { elemTypeOf, scalarLike } from './emit.js';
import { reducedAxes, unreduce } from './reducesum.js';
import type { GradRule } from './types.js';

export const reduceMeanRule: GradRule = {
  opType: OP.ReduceMean,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const xs = ctx.shape(x);
    const given = attrInts(node, 'axes') ?? (node.inputs[1] ? ctx.env.consts.get(node.inputs[1]) : undefined);
    const noAxes = given ? given.length === 0 : !node.inputs[1];
    if (noAxes && attrInt(node, 'noop_with_empty_axes', 0) === 1) return [gy, undefined];
    const axes = reducedAxes(node, xs.length, ctx.env.consts);
    const spread = unreduce(node, gy!, ctx);
    const dims = axes.map((a) => xs[a]);
    if (dims.every((d) => typeof d === 'number')) {
      const count = (dims as number[]).reduce((p, q) => p * q, 1);
      return [b.mul(spread, scalarLike(ctx, 1 / count, x)), undefined];
    }
    // symbolic reduced dims: 1/count = size(Y) / size(X)
    const t = elemTypeOf(ctx, x);
    const ratio = b.div(b.op(OP.Cast, [b.op(OP.Size, [node.outputs[0]!])], { to: t }), b.op(OP.Cast, [b.op(OP.Size, [x])], { to: t }));
    return [b.mul(spread, ratio), undefined];
  },
};
