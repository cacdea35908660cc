/**
 * Resize (modes nearest and linear; opsets 11–26 forms; every coordinate_transformation_mode but
 * tf_crop_and_resize; every nearest_mode). Resize is linear in X and separable: along each resized axis
 * Y = R·X with R [out, in] the interpolation matrix, so dX = Rᵀ·gY axis by axis (a MatMul per axis). R is built here,
 * at graph-build time, following onnxruntime's float32 arithmetic (upsamplebase.h): the output coordinate is mapped
 * to the input (half_pixel, pytorch_half_pixel, align_corners, asymmetric, half_pixel_symmetric,
 * tf_half_pixel_for_nn), then rounded (nearest) or interpolated between its two neighbours after clamping to
 * [0, in − 1] (linear). Needs static input and output sizes along the resized axes and constant scales/sizes;
 * cubic and antialias are refused.
 */
import { GeolensError } from '../../errors.js';
import { attrInt, attrInts, attrString } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { constFloats, constInts, constLike } from './emit.js';
import type { GradContext, GradRule } from './types.js';

const f = Math.fround;

/** The input coordinate of output coordinate `xo` (onnxruntime's float32 formulas). */
export function originalCoordinate(mode: string, xo: number, scale: number, inLen: number, outLen: number): number {
  switch (mode) {
    case 'asymmetric':
      return f(xo / scale);
    case 'align_corners':
      return outLen === 1 ? 0 : f(f(xo * (inLen - 1)) / (outLen - 1));
    case 'pytorch_half_pixel':
      return outLen > 1 ? f(f(f(xo + 0.5) / scale) - 0.5) : 0;
    case 'tf_half_pixel_for_nn':
      return f(f(xo + 0.5) / scale);
    case 'half_pixel_symmetric': {
      const adjustment = f(outLen / f(scale * inLen));
      const center = f(inLen / 2);
      const offset = f(center * f(1 - adjustment));
      return f(offset + f(f(f(xo + 0.5) / scale) - 0.5));
    }
    case 'half_pixel':
      return f(f(f(xo + 0.5) / scale) - 0.5);
    default:
      throw new GeolensError('UNSUPPORTED_OP', `autodiff: Resize with coordinate_transformation_mode '${mode}' is not supported.`);
  }
}

function nearestIndex(mode: string, x: number): number {
  switch (mode) {
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'round_prefer_ceil':
      return Math.round(x);
    default: // round_prefer_floor
      return x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x);
  }
}

/** The interpolation matrix R [outLen, inLen] (row-major) of one axis. */
export function resizeMatrix(o: { mode: string; transform: string; nearestMode: string; scale: number; inLen: number; outLen: number }): number[] {
  const { inLen, outLen } = o;
  const R = new Array<number>(outLen * inLen).fill(0);
  for (let j = 0; j < outLen; j++) {
    const xo = originalCoordinate(o.transform, j, o.scale, inLen, outLen);
    if (o.mode === 'nearest') {
      const i = Math.min(Math.max(nearestIndex(o.nearestMode, xo), 0), inLen - 1);
      R[j * inLen + i] = 1;
    } else {
      const x = Math.min(Math.max(xo, 0), inLen - 1);
      const x0 = Math.floor(x);
      const x1 = Math.min(x0 + 1, inLen - 1);
      const w1 = f(x - x0);
      R[j * inLen + x0]! += f(1 - w1);
      R[j * inLen + x1]! += w1;
    }
  }
  return R;
}

function bad(ctx: GradContext, name: string, why: string): never {
  void ctx;
  throw new GeolensError('UNSUPPORTED_OP', `autodiff: Resize '${name}': ${why}`, { op: OP.Resize, node: name });
}

export const resizeRule: GradRule = {
  opType: OP.Resize,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const xs = ctx.shape(x);
    const ys = ctx.shape(node.outputs[0]!);
    const rank = xs.length;
    const mode = attrString(node, 'mode', 'nearest');
    if (mode !== 'nearest' && mode !== 'linear') bad(ctx, node.name, `mode '${mode}' is not differentiated (nearest and linear are).`);
    if (attrInt(node, 'antialias', 0) !== 0) bad(ctx, node.name, 'antialias = 1 is not supported.');
    const transform = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
    if (transform === 'tf_crop_and_resize') bad(ctx, node.name, 'tf_crop_and_resize is not supported.');
    const nearestMode = attrString(node, 'nearest_mode', 'round_prefer_floor');
    const axes = (attrInts(node, 'axes') ?? Array.from({ length: rank }, (_, i) => i)).map((a) => (a < 0 ? a + rank : a));
    const scalesGiven = constFloats(ctx, node.inputs[2]);
    const sizesGiven = constInts(ctx, node.inputs[3]);
    if ((node.inputs[2] && !scalesGiven && !sizesGiven) || (!scalesGiven?.length && !sizesGiven?.length)) bad(ctx, node.name, 'its scales/sizes must be constants.');
    let g = gy!;
    axes.forEach((axis, i) => {
      const inLen = xs[axis];
      const outLen = ys[axis];
      if (typeof inLen !== 'number' || typeof outLen !== 'number') {
        if (scalesGiven?.length ? scalesGiven[i] === 1 : false) return;
        bad(ctx, node.name, `axis ${axis} must have static sizes.`);
      }
      const scale = scalesGiven?.length ? f(scalesGiven[i]!) : f(outLen / inLen);
      if (inLen === outLen && scale === 1) return; // the identity along this axis
      const R = resizeMatrix({ mode, transform, nearestMode, scale, inLen, outLen });
      const r = constLike(ctx, R, [outLen, inLen], x, 'resize_matrix');
      // contract the output axis with R: move it last, [.., out] · [out, in] → [.., in], move it back
      const perm = Array.from({ length: rank }, (_, k) => k).filter((k) => k !== axis);
      perm.push(axis);
      const back = Array.from({ length: rank }, (_, k) => (k < axis ? k : k === axis ? rank - 1 : k - 1));
      g = axis === rank - 1 ? b.matmul(g, r) : b.transpose(b.matmul(b.transpose(g, perm), r), back);
    });
    return [g, ...node.inputs.slice(1).map(() => undefined)];
  },
};
