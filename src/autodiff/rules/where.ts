/** Where: Y = cond ? A : B (broadcasting). dA = gY where cond else 0, dB = gY where not cond; the condition gets none. */
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const whereRule: GradRule = {
  opType: OP.Where,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const [cond, x, z] = node.inputs as [string, string, string];
    const y = node.outputs[0]!;
    const sy = ctx.shape(y);
    const zero = ctx.needs(1) || ctx.needs(2) ? scalarLike(ctx, 0, y) : '';
    return [
      undefined,
      ctx.needs(1) ? ctx.unbroadcast(b.op(OP.Where, [cond, gy!, zero]), sy, x) : undefined,
      ctx.needs(2) ? ctx.unbroadcast(b.op(OP.Where, [cond, zero, gy!]), sy, z) : undefined,
    ];
  },
};
