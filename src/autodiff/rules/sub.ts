/** Sub: Y = A − B (broadcasting). dA = gY, dB = −gY, each summed over the dims that were broadcast. */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const subRule: GradRule = {
  opType: OP.Sub,
  vjp(node, [gy], ctx) {
    const [a, b] = node.inputs as [string, string];
    const sy = ctx.shape(node.outputs[0]!);
    return [ctx.needs(0) ? ctx.unbroadcast(gy!, sy, a) : undefined, ctx.needs(1) ? ctx.b.neg(ctx.unbroadcast(gy!, sy, b)) : undefined];
  },
};
