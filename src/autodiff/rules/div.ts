/** Div: Y = A / B (broadcasting). dA = gY / B, dB = −gY·A/B² = −gY·Y/B, each summed over broadcast dims. */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const divRule: GradRule = {
  opType: OP.Div,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const [x, d] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    const sy = ctx.shape(y);
    return [
      ctx.needs(0) ? ctx.unbroadcast(b.div(gy!, d), sy, x) : undefined,
      ctx.needs(1) ? b.neg(ctx.unbroadcast(b.div(b.mul(gy!, y), d), sy, d)) : undefined,
    ];
  },
};
