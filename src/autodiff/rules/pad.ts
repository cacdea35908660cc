/**
 * Pad (pads, constant_value and axes as inputs; modes constant, reflect, edge). The adjoint, axis by axis (padding
 * several axes is padding them one after another, in any order):
 *  - constant: the gradient of the kept part — a Slice of gY, and zeros where a negative pad cropped X;
 *  - reflect: the kept part plus the border gradients added back, reversed, onto the rows they mirror (begin: rows
 *    1…p, end: rows n−1−q…n−2);
 *  - edge: the kept part plus the sums of the border gradients on the first and the last row.
 * The constant value gets no gradient. Needs static pads (an initializer or a Constant); wrap (opset 19) is refused.
 */
import { GeolensError } from '../../errors.js';
import { attrString } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { constInts } from './emit.js';
import type { GradContext, GradRule } from './types.js';

const NEG_INF = -(2 ** 62);

function sliceAxis(ctx: GradContext, t: string, axis: number, start: number, end: number, step = 1): string {
  const { b } = ctx;
  return b.op(OP.Slice, [t, b.constInt64([start]), b.constInt64([end]), b.constInt64([axis]), b.constInt64([step])]);
}

function padAxis(ctx: GradContext, t: string, axis: number, rank: number, before: number, after: number): string {
  if (before === 0 && after === 0) return t;
  const pads = new Array<number>(2 * rank).fill(0);
  pads[axis] = before;
  pads[axis + rank] = after;
  return ctx.b.op(OP.Pad, [t, ctx.b.constInt64(pads)]);
}

export const padRule: GradRule = {
  opType: OP.Pad,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const xs = ctx.shape(x);
    const rank = xs.length;
    const mode = attrString(node, 'mode', 'constant');
    const where = `Pad '${node.name}'`;
    const given = constInts(ctx, node.inputs[1]);
    if (!given) throw new GeolensError('UNSUPPORTED_OP', `autodiff: ${where} takes its pads from a tensor computed at run time; gradients need constant pads.`, { op: OP.Pad, node: node.name });
    const axes0 = node.inputs[3] ? constInts(ctx, node.inputs[3]) : undefined;
    if (node.inputs[3] && !axes0) throw new GeolensError('UNSUPPORTED_OP', `autodiff: ${where} takes its axes from a tensor computed at run time.`, { op: OP.Pad, node: node.name });
    const axes = (axes0 ?? Array.from({ length: rank }, (_, i) => i)).map((a) => (a < 0 ? a + rank : a));
    const k = axes.length;
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new GeolensError('UNSUPPORTED_OP', `autodiff: ${where} has mode '${mode}'; geolens differentiates constant, reflect and edge padding.`, { op: OP.Pad, node: node.name });
    let g = gy!;
    axes.forEach((axis, i) => {
      const p = given[i]!;
      const q = given[i + k]!;
      if (p === 0 && q === 0) return;
      const n = xs[axis];
      if (typeof n !== 'number') throw new GeolensError('BAD_SHAPE', `autodiff: ${where} pads axis ${axis}, whose size is not static.`);
      if (mode === 'constant') {
        // keep rows max(p,0)…, then zeros for the rows a negative pad cut off
        const start = Math.max(p, 0);
        const kept = n - Math.max(-p, 0) - Math.max(-q, 0);
        g = padAxis(ctx, sliceAxis(ctx, g, axis, start, start + kept), axis, rank, Math.max(-p, 0), Math.max(-q, 0));
        return;
      }
      if (p < 0 || q < 0) throw new GeolensError('UNSUPPORTED_OP', `autodiff: ${where}: negative pads in ${mode} mode are not supported.`, { op: OP.Pad, node: node.name });
      let center = sliceAxis(ctx, g, axis, p, p + n);
      if (mode === 'reflect') {
        if (p > 0) center = b.add(center, padAxis(ctx, sliceAxis(ctx, g, axis, p - 1, NEG_INF, -1), axis, rank, 1, n - 1 - p));
        if (q > 0) center = b.add(center, padAxis(ctx, sliceAxis(ctx, g, axis, p + n + q - 1, p + n - 1, -1), axis, rank, n - 1 - q, 1));
      } else {
        if (p > 0) center = b.add(center, padAxis(ctx, b.reduceSum(sliceAxis(ctx, g, axis, 0, p), [axis], true), axis, rank, 0, n - 1));
        if (q > 0) center = b.add(center, padAxis(ctx, b.reduceSum(sliceAxis(ctx, g, axis, p + n, p + n + q), [axis], true), axis, rank, n - 1, 0));
      }
      g = center;
    });
    return [g, ...node.inputs.slice(1).map(() => undefined)];
  },
};
