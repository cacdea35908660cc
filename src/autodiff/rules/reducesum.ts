/** ReduceSum: dX = gY broadcast back over the reduced axes (Unsqueeze when keepdims=0, then Expand to X's shape). */
import { GeolensError } from '../../errors.js';
import { attrInt, attrInts } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

/** The axes (non-negative) a reduction node reduces over; all axes when none are given. */
export function reducedAxes(node: Parameters<GradRule['vjp']>[0], rank: number, consts: Map<string, number[]>): number[] {
  const given = attrInts(node, 'axes') ?? (node.inputs[1] ? consts.get(node.inputs[1]) : undefined);
  if (node.inputs[1] && !given) {
    throw new GeolensError('UNSUPPORTED_OP', `autodiff: ${node.opType} '${node.name}' takes its axes from a tensor computed at run time; gradients need constant axes (an initializer or a Constant).`, {
      op: node.opType,
      node: node.name,
    });
  }
  const axes = given && given.length ? given : Array.from({ length: rank }, (_, i) => i);
  return axes.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
}

/** Broadcast a reduced gradient back to the input's shape. */
export function unreduce(node: Parameters<GradRule['vjp']>[0], gy: string, ctx: Parameters<GradRule['vjp']>[2]): string {
  const { b } = ctx;
  const x = node.inputs[0]!;
  const rank = ctx.shape(x).length;
  const given = attrInts(node, 'axes') ?? (node.inputs[1] ? ctx.env.consts.get(node.inputs[1]) : undefined);
  if ((!given || given.length === 0) && attrInt(node, 'noop_with_empty_axes', 0) === 1) return gy; // identity
  const axes = reducedAxes(node, rank, ctx.env.consts);
  let g = gy;
  if (attrInt(node, 'keepdims', 1) === 0 && axes.length) g = b.op(OP.Unsqueeze, [g, b.constInt64(axes)]);
  return b.op(OP.Expand, [g, b.shape(x)]);
}

export const reduceSumRule: GradRule = {
  opType: OP.ReduceSum,
  vjp(node, [gy], ctx) {
    return [unreduce(node, gy!, ctx)];
  },
};
