/**
 * Max / Min (variadic, broadcasting): the gradient goes to the inputs that hold the extreme value, split evenly
 * between inputs that tie there (as torch.maximum/minimum do): dXᵢ = gY·[Xᵢ = Y]/#{j: Xⱼ = Y}, summed over the axes
 * Xᵢ was broadcast along.
 */
import { OP } from '../../onnx/ops.js';
import { maskLike } from './emit.js';
import type { GradContext, GradRule, VJP } from './types.js';

const extremeVjp: VJP = (node, [gy], ctx: GradContext) => {
  const { b } = ctx;
  const y = node.outputs[0]!;
  if (node.inputs.length === 1) return [gy];
  const masks = node.inputs.map((x) => maskLike(ctx, b.op(OP.Equal, [x, y]), y));
  const count = b.op(OP.Sum, masks);
  const share = b.div(gy!, count);
  const sy = ctx.shape(y);
  return node.inputs.map((x, i) => (ctx.needs(i) ? ctx.unbroadcast(b.mul(share, masks[i]!), sy, x) : undefined));
};

export const maxRule: GradRule = { opType: OP.Max, vjp: extremeVjp };
