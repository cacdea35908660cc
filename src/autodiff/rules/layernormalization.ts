/**
 * LayerNormalization (opset 17): Y = x̂·Scale + B, x̂ normalised over the axes axis…rank−1 (axis default −1).
 * dX by the shared normalisation backward (normalize.ts) with g = gY·Scale; dScale = Σ gY·x̂, dB = Σ gY over the
 * axes Scale/B were broadcast along. The optional Mean/InvStdDev outputs may not carry gradients.
 */
import { GeolensError } from '../../errors.js';
import { attrFloat, attrInt } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { normalized, normalizedBackward, staticCount } from './normalize.js';
import type { GradRule } from './types.js';

export const layerNormalizationRule: GradRule = {
  opType: OP.LayerNormalization,
  vjp(node, [gy, gMean, gInv], ctx) {
    if (gMean !== undefined || gInv !== undefined) {
      throw new GeolensError('UNSUPPORTED_OP', `autodiff: LayerNormalization '${node.name}': its Mean/InvStdDev outputs feed the loss; geolens differentiates the normalised output only.`, { op: OP.LayerNormalization, node: node.name });
    }
    if (gy === undefined) return [];
    const { b } = ctx;
    const [x, scale, bias] = node.inputs as [string, string, string | undefined];
    const xs = ctx.shape(x);
    const a0 = attrInt(node, 'axis', -1);
    const axis = a0 < 0 ? a0 + xs.length : a0;
    const axes = Array.from({ length: xs.length - axis }, (_, i) => axis + i);
    const count = staticCount(ctx, x, axes, `LayerNormalization '${node.name}'`);
    const { xhat, r } = normalized(ctx, x, axes, count, attrFloat(node, 'epsilon', 1e-5));
    const out: (string | undefined)[] = [undefined, undefined, undefined];
    if (ctx.needs(0)) out[0] = normalizedBackward(ctx, b.mul(gy, scale), xhat, r, axes, count);
    if (ctx.needs(1)) out[1] = ctx.unbroadcast(b.mul(gy, xhat), xs, scale);
    if (bias && ctx.needs(2)) out[2] = ctx.unbroadcast(gy, xs, bias);
    return out;
  },
};
