/**
 * Clip: Y = min(max(X, lo), hi) with lo/hi optional inputs (opset ≥ 11; the attribute form of older opsets is rejected).
 * dX = gY where lo ≤ X ≤ hi (ties pass the gradient to X, as in PyTorch), else 0; dlo = Σ gY where X < lo;
 * dhi = Σ gY where X > hi.
 */
import { GeolensError } from '../../errors.js';
import { attr } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const clipRule: GradRule = {
  opType: OP.Clip,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const sy = ctx.shape(node.outputs[0]!);
    if (attr(node, 'min') || attr(node, 'max')) {
      throw new GeolensError('UNSUPPORTED_OP', `autodiff: Clip '${node.name}' takes min/max as attributes (opset < 11); gradients need opset ≥ 13. Convert the model to opset 13 or later.`, {
        op: OP.Clip,
        node: node.name,
      });
    }
    const bound = (i: 1 | 2): string | undefined => node.inputs[i] || undefined;
    const lo = bound(1);
    const hi = bound(2);
    if (!lo && !hi) return [gy, ...node.inputs.slice(1).map(() => undefined)];
    const zero = scalarLike(ctx, 0, x);
    let gx = gy!;
    if (lo) gx = b.op(OP.Where, [b.op(OP.GreaterOrEqual, [x, lo]), gx, zero]);
    if (hi) gx = b.op(OP.Where, [b.op(OP.LessOrEqual, [x, hi]), gx, zero]);
    const out: (string | undefined)[] = [gx, undefined, undefined];
    if (lo && ctx.needs(1)) out[1] = ctx.unbroadcast(b.op(OP.Where, [b.op(OP.Less, [x, lo]), gy!, zero]), sy, lo);
    if (hi && ctx.needs(2)) out[2] = ctx.unbroadcast(b.op(OP.Where, [b.op(OP.Greater, [x, hi]), gy!, zero]), sy, hi);
    return out.slice(0, node.inputs.length);
  },
};
