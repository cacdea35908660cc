/**
 * ReduceMax (axes as attribute up to opset 17, as input from 18; both keepdims): dX = gY broadcast back, on the
 * elements equal to the maximum of their group, split evenly between ties (as torch.amax does).
 */
import { attrInt, attrInts } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import type { NodeProto } from '../../onnx/proto.js';
import { maskLike } from './emit.js';
import { reducedAxes } from './reducesum.js';
import type { GradContext, GradRule, VJP } from './types.js';

/** The reduced output broadcast back to X's shape (keepdims 0: unsqueezed first). */
export function keptOutput(node: NodeProto, ctx: GradContext): string {
  const { b } = ctx;
  const x = node.inputs[0]!;
  const y = node.outputs[0]!;
  const rank = ctx.shape(x).length;
  const axes = reducedAxes(node, rank, ctx.env.consts);
  return attrInt(node, 'keepdims', 1) === 0 && axes.length ? b.op(OP.Unsqueeze, [y, b.constInt64(axes)]) : y;
}

/** Whether the node reduces nothing (no axes and noop_with_empty_axes = 1): it is the identity. */
export function isNoop(node: NodeProto, ctx: GradContext): boolean {
  const given = attrInts(node, 'axes') ?? (node.inputs[1] ? ctx.env.consts.get(node.inputs[1]) : undefined);
  return (!given || given.length === 0) && !node.inputs[1] && attrInt(node, 'noop_with_empty_axes', 0) === 1;
}

export const extremeReduceVjp: VJP = (node, [gy], ctx) => {
  const { b } = ctx;
  if (isNoop(node, ctx)) return [gy, undefined];
  const x = node.inputs[0]!;
  const axes = reducedAxes(node, ctx.shape(x).length, ctx.env.consts);
  const mask = maskLike(ctx, b.op(OP.Equal, [x, keptOutput(node, ctx)]), x);
  const count = b.reduceSum(mask, axes, true);
  const g = attrInt(node, 'keepdims', 1) === 0 && axes.length ? b.op(OP.Unsqueeze, [gy!, b.constInt64(axes)]) : gy!;
  return [b.mul(mask, b.div(g, count)), undefined];
};

export const reduceMaxRule: GradRule = { opType: OP.ReduceMax, vjp: extremeReduceVjp };
