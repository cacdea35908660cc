/**
 * AveragePool: Y[o] = Σ_{window(o)} X / count(o). dX = ConvTranspose(gY / count, ones), a depthwise transpose
 * convolution (one all-ones kernel per channel, group = C) with the forward strides, dilations and pads.
 * count(o) depends only on the output position: the kernel size (count_include_pad = 1; windows are clipped to the
 * padded input, which only matters with ceil_mode = 1) or the number of window cells inside the unpadded input
 * (count_include_pad = 0). It is computed here, at graph-build time, and folded in as a constant [1, 1, out…].
 * Needs static channel and spatial sizes. AveragePool/ConvTranspose are float-only on the onnxruntime CPU provider.
 */
import { GeolensError } from '../../errors.js';
import { attrInt, attrInts } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { numel } from '../../tensor.js';
import { convGeometry, transposeGeometry, type ConvGeometry } from './conv.js';
import { constLike } from './emit.js';
import type { GradRule } from './types.js';

/** Per-axis window sizes for each output position along axis i. */
function axisCounts(g: ConvGeometry, i: number, includePad: boolean): number[] {
  const h = g.inSpatial[i]!;
  const lo = includePad ? -g.padsBegin[i]! : 0;
  const hi = includePad ? h + g.padsEnd[i]! : h;
  const out: number[] = [];
  for (let o = 0; o < g.outSpatial[i]!; o++) {
    let c = 0;
    for (let j = 0; j < g.kernel[i]!; j++) {
      const p = o * g.strides[i]! - g.padsBegin[i]! + j * g.dilations[i]!;
      if (p >= lo && p < hi) c++;
    }
    out.push(c);
  }
  return out;
}

export const averagePoolRule: GradRule = {
  opType: OP.AveragePool,
  vjp(node, [gy], ctx) {
    if (gy === undefined) return [undefined];
    const { b } = ctx;
    const x = node.inputs[0]!;
    const sx = ctx.shape(x);
    const c = sx[1];
    const kernel = attrInts(node, 'kernel_shape');
    if (!kernel) throw new GeolensError('BAD_MODEL', `AveragePool '${node.name}' has no kernel_shape.`);
    if (typeof c !== 'number') throw new GeolensError('BAD_SHAPE', `autodiff: AveragePool '${node.name}' needs a static channel count.`);
    const g = convGeometry(node, sx.slice(2), kernel, ctx.shape(node.outputs[0]!).slice(2));
    const includePad = attrInt(node, 'count_include_pad', 0) === 1;
    // 1 / count over the output grid (separable: a product of per-axis counts)
    const per = g.kernel.map((_, i) => axisCounts(g, i, includePad));
    const n = numel(g.outSpatial);
    const inv: number[] = new Array<number>(n);
    for (let flat = 0; flat < n; flat++) {
      let rem = flat;
      let cnt = 1;
      for (let i = g.k - 1; i >= 0; i--) {
        const o = rem % g.outSpatial[i]!;
        rem = Math.floor(rem / g.outSpatial[i]!);
        cnt *= per[i]![o]!;
      }
      inv[flat] = cnt > 0 ? 1 / cnt : 0;
    }
    const uniform = inv.every((v) => v === inv[0]);
    const scale = uniform ? constLike(ctx, [inv[0]!], [], x, 'avgpool_inv') : constLike(ctx, inv, [1, 1, ...g.outSpatial], x, 'avgpool_inv');
    const ones = constLike(ctx, new Array<number>(c * numel(g.kernel)).fill(1), [c, 1, ...g.kernel], x, 'avgpool_ones');
    const t = transposeGeometry(g);
    return [b.op(OP.ConvTranspose, [b.mul(gy, scale), ones], { strides: g.strides, dilations: g.dilations, pads: t.pads, output_padding: t.outputPadding, group: c })];
  },
};
