/**
 * BatchNormalization, inference form (training_mode = 0): the given mean and var are inputs, not batch statistics.
 *   Y = scale·(X − mean)·r + B,   r = (var + ε)^(−1/2),   per channel (axis 1), X of shape [N, C, …].
 *   dX     = gY·scale·r
 *   dscale = Σ gY·(X − mean)·r
 *   dB     = Σ gY
 *   dmean  = −Σ gY·scale·r
 *   dvar   = −½·scale·r²·dscale
 * (sums over every axis but 1). All five gradients are returned when asked for (mean/var are ordinary inputs of
 * the inference op, so their gradients are well defined, e.g. for fine-tuning running statistics); inputs that are
 * not on the path to the loss get none. training_mode = 1 (batch statistics) is refused.
 * Every op used runs in float32 and float64 on the onnxruntime CPU provider.
 */
import { GeolensError } from '../../errors.js';
import { attrFloat, attrInt } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { constLike } from './emit.js';
import type { GradRule } from './types.js';

export const batchNormalizationRule: GradRule = {
  opType: OP.BatchNormalization,
  vjp(node, [gy], ctx) {
    if (gy === undefined) return [];
    if (attrInt(node, 'training_mode', 0) !== 0) {
      throw new GeolensError('UNSUPPORTED_OP', `autodiff: BatchNormalization '${node.name}' in training mode (batch statistics) is not supported; export the model in inference mode.`);
    }
    const { b } = ctx;
    const [x, scale, bias, mean, variance] = node.inputs as [string, string, string, string, string];
    const rank = ctx.shape(x).length;
    const others = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
    // per-channel [C] -> [1, C, 1, …]
    const bc = (t: string): string => b.op(OP.Unsqueeze, [t, b.constInt64(others)]);
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const r = b.op(OP.Reciprocal, [b.op(OP.Sqrt, [b.add(variance, constLike(ctx, [eps], [], variance, 'bn_eps'))])]); // [C]
    const sr = b.mul(scale, r); // [C]
    const out: (string | undefined)[] = [undefined, undefined, undefined, undefined, undefined];
    if (ctx.needs(0)) out[0] = b.mul(gy, bc(sr));
    let dscale: string | undefined;
    if (ctx.needs(1) || ctx.needs(4)) {
      const xhat = b.mul(b.sub(x, bc(mean)), bc(r));
      dscale = b.reduceSum(b.mul(gy, xhat), others, false);
      if (ctx.needs(1)) out[1] = dscale;
    }
    let sumG: string | undefined;
    if (ctx.needs(2) || ctx.needs(3)) sumG = b.reduceSum(gy, others, false);
    if (ctx.needs(2)) out[2] = sumG;
    if (ctx.needs(3)) out[3] = b.neg(b.mul(sumG!, sr));
    if (ctx.needs(4)) out[4] = b.mul(b.mul(dscale!, b.mul(sr, r)), constLike(ctx, [-0.5], [], variance, 'bn_half'));
    return out;
  },
};
