/**
 * ReduceL2: Y = √(Σ X²) over the axes. dX = gY·X/Y broadcast back (0 where Y = 0, where the norm has no gradient;
 * torch gives 0 there too).
 */
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import { isNoop, keptOutput } from './reducemax.js';
import { unreduce } from './reducesum.js';
import type { GradRule } from './types.js';

export const reduceL2Rule: GradRule = {
  opType: OP.ReduceL2,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    if (isNoop(node, ctx)) return [gy, undefined]; // not reduced: the identity
    const yk = keptOutput(node, ctx);
    const zero = scalarLike(ctx, 0, x);
    const isZero = b.op(OP.Equal, [yk, zero]);
    const safe = b.op(OP.Where, [isZero, scalarLike(ctx, 1, x), yk]);
    const ratio = b.op(OP.Where, [isZero, zero, b.div(x, safe)]);
    return [b.mul(unreduce(node, gy!, ctx), ratio), undefined];
  },
};
