/**
 * Pow: Y = X^E (broadcasting; E may be an integer tensor). dX = gY·E·X^(E−1); dE = gY·Y·ln X (taken as 0 where
 * X = 0, NaN where X < 0 as the real derivative does not exist there). A constant scalar exponent c is folded:
 * dX = gY·c·X^(c−1) (gY·2X for c = 2).
 */
import { OP } from '../../onnx/ops.js';
import { constFloats, elemTypeOf, isFloatType, scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const powRule: GradRule = {
  opType: OP.Pow,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const [x, e] = node.inputs as [string, string];
    const y = node.outputs[0]!;
    const sy = ctx.shape(y);
    const out: (string | undefined)[] = [undefined, undefined];
    if (ctx.needs(0)) {
      const c = constFloats(ctx, e) ?? ctx.env.consts.get(e);
      let local: string;
      if (c && c.length === 1) {
        const k = c[0]!;
        if (k === 1) local = gy!;
        else if (k === 2) local = b.mul(gy!, b.mul(x, scalarLike(ctx, 2, x)));
        else local = b.mul(gy!, b.mul(b.op(OP.Pow, [x, scalarLike(ctx, k - 1, x)]), scalarLike(ctx, k, x)));
      } else {
        const xt = elemTypeOf(ctx, x);
        const ef = elemTypeOf(ctx, e) === xt ? e : b.op(OP.Cast, [e], { to: xt });
        local = b.mul(gy!, b.mul(ef, b.op(OP.Pow, [x, b.sub(ef, scalarLike(ctx, 1, x))])));
      }
      out[0] = ctx.unbroadcast(local, sy, x);
    }
    const et = elemTypeOf(ctx, e);
    if (ctx.needs(1) && isFloatType(et)) {
      const atZero = b.op(OP.Equal, [x, scalarLike(ctx, 0, x)]);
      let d = b.op(OP.Where, [atZero, scalarLike(ctx, 0, y), b.mul(gy!, b.mul(y, b.op(OP.Log, [x])))]);
      if (et !== elemTypeOf(ctx, y)) d = b.op(OP.Cast, [d], { to: et });
      out[1] = ctx.unbroadcast(d, sy, e);
    }
    return out;
  },
};
