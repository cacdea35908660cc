/** Mul: Y = A ⊙ B (broadcasting). dA = gY ⊙ B, dB = gY ⊙ A, each summed over broadcast dims. */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const mulRule: GradRule = {
  opType: OP.Mul,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const [x, w] = node.inputs as [string, string];
    const sy = ctx.shape(node.outputs[0]!);
    return [
      ctx.needs(0) ? ctx.unbroadcast(b.mul(gy!, w), sy, x) : undefined,
      ctx.needs(1) ? ctx.unbroadcast(b.mul(gy!, x), sy, w) : undefined,
    ];
  },
};
