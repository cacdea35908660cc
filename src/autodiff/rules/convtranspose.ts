/**
 * ConvTranspose: Y = convᵀ(X, W) + B, X [N, Cin, …], W [Cin, Cout/group, k…] — the adjoint of the Conv that maps
 * Y-shaped tensors to X-shaped ones with the same W, strides, dilations, pads and group. So
 *  - dX = Conv(gY, W) with those attributes (its output is exactly X's size: output_padding < stride);
 *  - dW = the Conv weight gradient (conv.ts) with gY as the Conv's input and X as its output gradient;
 *  - dB = ReduceSum(gY) over N and the spatial axes.
 * Pads come from `pads`, from auto_pad (SAME_UPPER/SAME_LOWER: output = input·stride) or from `output_shape` (the
 * total padding split as ONNX specifies). Needs static channel and spatial sizes; float only on the onnxruntime CPU
 * provider.
 */
import { GeolensError } from '../../errors.js';
import { attr, attrInt, attrInts } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import type { Dim } from '../../onnx/proto.js';
import { weightGrad, type ConvGeometry } from './conv.js';
import type { GradRule } from './types.js';

function staticDims(ds: Dim[], what: string): number[] {
  return ds.map((d) => {
    if (typeof d !== 'number') throw new GeolensError('BAD_SHAPE', `autodiff: ${what} needs static channel and spatial sizes (got [${ds.join(', ')}]).`);
    return d;
  });
}

export const convTransposeRule: GradRule = {
  opType: OP.ConvTranspose,
  vjp(node, [gy], ctx) {
    if (gy === undefined) return [];
    const { b } = ctx;
    const [x, w, bias] = node.inputs as [string, string, string | undefined];
    const what = `ConvTranspose '${node.name}'`;
    const inSp = staticDims(ctx.shape(x).slice(2), what);
    const outSp = staticDims(ctx.shape(node.outputs[0]!).slice(2), what);
    const ws = staticDims(ctx.shape(w), what);
    const k = inSp.length;
    const kernel = attrInts(node, 'kernel_shape') ?? ws.slice(2);
    const strides = attrInts(node, 'strides') ?? Array<number>(k).fill(1);
    const dilations = attrInts(node, 'dilations') ?? Array<number>(k).fill(1);
    const opad = attrInts(node, 'output_padding') ?? Array<number>(k).fill(0);
    const group = attrInt(node, 'group', 1);
    const a = attr(node, 'auto_pad');
    const autoPad = a && a.type === 'string' ? a.value : 'NOTSET';
    let padsBegin: number[];
    let padsEnd: number[];
    const explicit = attrInts(node, 'pads');
    if (explicit && autoPad === 'NOTSET' && !attrInts(node, 'output_shape')) {
      padsBegin = explicit.slice(0, k);
      padsEnd = explicit.slice(k);
    } else if (autoPad === 'VALID' && !attrInts(node, 'output_shape')) {
      padsBegin = Array<number>(k).fill(0);
      padsEnd = Array<number>(k).fill(0);
    } else {
      // the total padding that gives the output size, split as ONNX specifies (SAME_UPPER: the extra one at the end)
      padsBegin = [];
      padsEnd = [];
      for (let i = 0; i < k; i++) {
        const total = strides[i]! * (inSp[i]! - 1) + opad[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - outSp[i]!;
        const half = Math.floor(total / 2);
        padsBegin.push(autoPad === 'SAME_UPPER' ? half : total - half);
        padsEnd.push(autoPad === 'SAME_UPPER' ? total - half : half);
      }
    }
    const out: (string | undefined)[] = [undefined, undefined, undefined];
    if (bias && ctx.needs(2)) out[2] = b.reduceSum(gy, [0, ...inSp.map((_, i) => i + 2)], false);
    // a negative pad (output_shape beyond the natural size) adds output rows no input reaches: their gradient is
    // dropped, and the Conv below sees the natural output
    let g0 = gy;
    let sp = outSp;
    if (padsBegin.some((p) => p < 0) || padsEnd.some((p) => p < 0)) {
      const starts = padsBegin.map((p) => Math.max(-p, 0));
      const ends = outSp.map((d, i) => d - Math.max(-padsEnd[i]!, 0));
      g0 = b.op(OP.Slice, [gy, b.constInt64(starts), b.constInt64(ends), b.constInt64(inSp.map((_, i) => i + 2))]);
      sp = ends.map((e, i) => e - starts[i]!);
      padsBegin = padsBegin.map((p) => Math.max(p, 0));
      padsEnd = padsEnd.map((p) => Math.max(p, 0));
    }
    if (ctx.needs(0)) out[0] = b.op(OP.Conv, [g0, w], { strides, dilations, pads: [...padsBegin, ...padsEnd], group });
    if (ctx.needs(1)) {
      // the Conv mapping gY-shaped tensors [N, Cout, out…] to X-shaped ones [N, Cin, in…]
      const g: ConvGeometry = { k, kernel, strides, dilations, padsBegin, padsEnd, inSpatial: sp, outSpatial: inSp };
      out[1] = weightGrad(ctx, g0, x, g, group, ws[1]!);
    }
    return out;
  },
};
