/**
 * Conv: Y = conv(X, W) + B over k spatial dims (k = 2 is the tested case; 1-D and 3-D follow the same code),
 * with strides, explicit or auto_pad padding (asymmetric allowed), dilations and groups.
 *
 *  - dX = ConvTranspose(gY, W) with the forward strides/dilations/group. The transpose's pads and output_padding are
 *    chosen so its output is exactly X's spatial size, also when the stride does not divide the padded input
 *    evenly (trailing input rows that no window reaches get zero gradient).
 *  - dW = a Conv with batch and channels swapped: X regrouped to [C/g, g·N, …] is convolved with gY transposed to
 *    [M, N, …] (the gradient plays the kernel, `group` = g), with the forward dilations as strides and the forward
 *    strides as dilations; the result [C/g, M, …] is cropped to the kernel size and transposed back to [M, C/g, …].
 *  - dB = ReduceSum(gY) over N and the spatial axes.
 * Needs static channel and spatial sizes (the batch may be symbolic). Conv/ConvTranspose are float-only on the
 * onnxruntime CPU provider, so this rule is exercised in float32.
 */
import { GeolensError } from '../../errors.js';
import { attr, attrInt, attrInts } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import type { Dim, NodeProto } from '../../onnx/proto.js';
import type { GradContext, GradRule } from './types.js';

/** Convolution/pooling geometry resolved to explicit numbers. */
export interface ConvGeometry {
  /** Spatial rank. */
  k: number;
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
  inSpatial: number[];
  outSpatial: number[];
}

function staticDims(ds: Dim[], what: string): number[] {
  return ds.map((d) => {
    if (typeof d !== 'number') throw new GeolensError('BAD_SHAPE', `autodiff: ${what} needs static spatial sizes (got [${ds.join(', ')}]); give the graph input fixed sizes except the batch.`);
    return d;
  });
}

/** Resolve strides/dilations/pads (incl. auto_pad) of a Conv-like node with the given static sizes. */
export function convGeometry(node: NodeProto, inSpatialDims: Dim[], kernel: number[], outSpatialDims: Dim[]): ConvGeometry {
  const what = `${node.opType} '${node.name}'`;
  const k = kernel.length;
  const inSpatial = staticDims(inSpatialDims, what);
  const outSpatial = staticDims(outSpatialDims, what);
  const strides = attrInts(node, 'strides') ?? Array<number>(k).fill(1);
  const dilations = attrInts(node, 'dilations') ?? Array<number>(k).fill(1);
  const a = attr(node, 'auto_pad');
  const autoPad = a && a.type === 'string' ? a.value : 'NOTSET';
  let padsBegin: number[];
  let padsEnd: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    padsBegin = [];
    padsEnd = [];
    for (let i = 0; i < k; i++) {
      const ek = (kernel[i]! - 1) * dilations[i]! + 1;
      const total = Math.max(0, (outSpatial[i]! - 1) * strides[i]! + ek - inSpatial[i]!);
      const lo = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      padsBegin.push(lo);
      padsEnd.push(total - lo);
    }
  } else if (autoPad === 'VALID') {
    padsBegin = Array<number>(k).fill(0);
    padsEnd = Array<number>(k).fill(0);
  } else {
    const pads = attrInts(node, 'pads') ?? Array<number>(2 * k).fill(0);
    padsBegin = pads.slice(0, k);
    padsEnd = pads.slice(k, 2 * k);
  }
  return { k, kernel, strides, dilations, padsBegin, padsEnd, inSpatial, outSpatial };
}

/**
 * Pads and output_padding for a ConvTranspose that maps the forward output size back onto the forward input size:
 * its full output s·(o−1) + (k−1)·d + 1 is cropped by the forward begin pads and by whatever end crop makes the
 * size right; when the windows stop short of the input's end, output_padding adds the missing (zero) rows.
 */
export function transposeGeometry(g: ConvGeometry): { pads: number[]; outputPadding: number[] } {
  const ends: number[] = [];
  const outputPadding: number[] = [];
  for (let i = 0; i < g.k; i++) {
    const full = g.strides[i]! * (g.outSpatial[i]! - 1) + (g.kernel[i]! - 1) * g.dilations[i]! + 1;
    const endCrop = full - g.padsBegin[i]! - g.inSpatial[i]!;
    ends.push(Math.max(0, endCrop));
    outputPadding.push(Math.max(0, -endCrop));
  }
  return { pads: [...g.padsBegin, ...ends], outputPadding };
}

/** [from, to) */
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * The gradient of a Conv's weight: X [N, C, …] (C = group·cPerGroup) convolved with gY [N, M, …], as a Conv with batch
 * and channels swapped, cropped to the kernel, [M, C/group, …]. Also the weight gradient of ConvTranspose, which is
 * the adjoint of a Conv: there X is the ConvTranspose's output gradient and gY its input.
 */
export function weightGrad(ctx: GradContext, x: string, gy: string, g: ConvGeometry, group: number, cPerGroup: number): string {
  const { b } = ctx;
  const sp = range(2, 2 + g.k);
  // X [N, C, …] -> [C/g, g·N, …]  (channel-in-group becomes the batch, (group, sample) the channels)
  let xs: string;
  if (group === 1) xs = b.transpose(x, [1, 0, ...sp]);
  else {
    const r = b.reshape(x, [0, group, cPerGroup, ...g.inSpatial]);
    const t = b.transpose(r, [2, 1, 0, ...range(3, 3 + g.k)]);
    xs = b.reshape(t, [cPerGroup, -1, ...g.inSpatial]);
  }
  const gys = b.transpose(gy, [1, 0, ...sp]); // [M, N, …]: the "kernel"
  let dw = b.op(OP.Conv, [xs, gys], { strides: g.dilations, dilations: g.strides, pads: [...g.padsBegin, ...g.padsEnd], group });
  // its spatial size is ≥ the kernel size; crop the excess
  const got = g.inSpatial.map((h, i) => Math.floor((h + g.padsBegin[i]! + g.padsEnd[i]! - ((g.outSpatial[i]! - 1) * g.strides[i]! + 1)) / g.dilations[i]!) + 1);
  if (got.some((d, i) => d !== g.kernel[i])) {
    dw = b.op(OP.Slice, [dw, b.constInt64(Array<number>(g.k).fill(0)), b.constInt64(g.kernel), b.constInt64(sp)]);
  }
  return b.transpose(dw, [1, 0, ...sp]); // [M, C/g, …]
}

export const convRule: GradRule = {
  opType: OP.Conv,
  vjp(node, [gy], ctx) {
    if (gy === undefined) return [];
    const { b } = ctx;
    const [x, w, bias] = node.inputs as [string, string, string | undefined];
    const sx = ctx.shape(x);
    const sw = ctx.shape(w);
    const sy = ctx.shape(node.outputs[0]!);
    const what = `Conv '${node.name}'`;
    if (sx.length < 3) throw new GeolensError('BAD_SHAPE', `autodiff: ${what} input must be [N, C, spatial…].`);
    const kernel = staticDims(sw.slice(2), what);
    const cPerGroup = staticDims(sw.slice(1, 2), what)[0]!;
    const group = attrInt(node, 'group', 1);
    const g = convGeometry(node, sx.slice(2), kernel, sy.slice(2));
    const out: (string | undefined)[] = [undefined, undefined, undefined];
    if (ctx.needs(0)) {
      const t = transposeGeometry(g);
      out[0] = b.op(OP.ConvTranspose, [gy, w], { strides: g.strides, dilations: g.dilations, pads: t.pads, output_padding: t.outputPadding, group });
    }
    if (ctx.needs(1)) out[1] = weightGrad(ctx, x, gy, g, group, cPerGroup);
    if (bias && ctx.needs(2)) out[2] = b.reduceSum(gy, [0, ...range(2, 2 + g.k)], false);
    return out;
  },
};
