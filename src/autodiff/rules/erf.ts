/** Erf: dX = gY·(2/√π)·exp(−X²) (exact GELU exports as x·½(1 + erf(x/√2))). */
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const erfRule: GradRule = {
  opType: OP.Erf,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const e = b.op(OP.Exp, [b.neg(b.mul(x, x))]);
    return [b.mul(gy!, b.mul(e, scalarLike(ctx, 2 / Math.sqrt(Math.PI), x)))];
  },
};
