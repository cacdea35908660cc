/**
 * PRelu: Y = X for X > 0, slope·X otherwise, slope broadcast to X (unidirectionally). dX = gY where X > 0, gY·slope
 * elsewhere; dslope = Σ gY·X over X ≤ 0, summed over the axes slope was broadcast along.
 */
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const preluRule: GradRule = {
  opType: OP.PRelu,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const [x, slope] = node.inputs as [string, string];
    const pos = b.op(OP.Greater, [x, scalarLike(ctx, 0, x)]);
    const out: (string | undefined)[] = [undefined, undefined];
    if (ctx.needs(0)) out[0] = b.op(OP.Where, [pos, gy!, b.mul(gy!, slope)]);
    if (ctx.needs(1)) out[1] = ctx.unbroadcast(b.op(OP.Where, [pos, scalarLike(ctx, 0, x), b.mul(gy!, x)]), ctx.shape(x), slope);
    return out;
  },
};
