/**
 * Concat: dXᵢ = the slice of gY along `axis` that Xᵢ occupies. Offsets are constants when the sizes along the axis
 * are static, else computed from Shape nodes.
 */
import { attrInt } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { dimOf } from './emit.js';
import type { GradRule } from './types.js';

export const concatRule: GradRule = {
  opType: OP.Concat,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const rank = ctx.shape(node.inputs[0]!).length;
    const a0 = attrInt(node, 'axis', 0);
    const axis = a0 < 0 ? a0 + rank : a0;
    const axes = b.constInt64([axis]);
    /** Offset along the axis: a number while every size so far is static, then an int64 [1] tensor. */
    let offset: number | string = 0;
    const asTensor = (v: number | string): string => (typeof v === 'number' ? b.constInt64([v]) : v);
    return node.inputs.map((x, i) => {
      const d = ctx.shape(x)[axis];
      const size: number | string = typeof d === 'number' ? d : dimOf(ctx, x, axis);
      const start = offset;
      const end: number | string = typeof start === 'number' && typeof size === 'number' ? start + size : b.add(asTensor(start), asTensor(size));
      offset = end;
      return ctx.needs(i) ? b.op(OP.Slice, [gy!, asTensor(start), asTensor(end), axes]) : undefined;
    });
  },
};
