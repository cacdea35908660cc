/**
 * Gather (gradient wrt data; indices get none). gY has shape D[:a] + I + D[a+1:]; it is viewed as
 * [D[:a], n, post] (n = number of indices) and accumulated into zeros viewed as [D[:a], D[a], post]:
 * with ScatterElements(reduction = add) from opset 16, else (opsets 13–15) as a one-hot matrix product
 * onehot[D[a], n] · gY. Repeated indices accumulate; negative indices are normalised (statically when constant).
 */
import { attrInt } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { DataType } from '../../onnx/proto.js';
import { constInts, dimOf, elemTypeOf, isStatic, shapeOf, zerosLike } from './emit.js';
import type { GradContext, GradRule } from './types.js';

/** Indices as a non-negative int64 tensor (a new constant when they are constant and D[a] is static). */
function normalisedIndices(ctx: GradContext, idx: string, data: string, axis: number): string {
  const { b } = ctx;
  const dim = ctx.shape(data)[axis];
  const known = constInts(ctx, idx);
  const is = ctx.env.info.get(idx)?.shape;
  if (known && typeof dim === 'number' && isStatic(is)) return b.constInt64(known.map((k) => (k < 0 ? k + dim : k)), is);
  const i64 = elemTypeOf(ctx, idx) === DataType.INT64 ? idx : b.op(OP.Cast, [idx], { to: DataType.INT64 });
  const d = dimOf(ctx, data, axis);
  return b.op(OP.Where, [b.op(OP.Less, [i64, b.constInt64([0], [])]), b.add(i64, d), i64]);
}

export const gatherRule: GradRule = {
  opType: OP.Gather,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const [data, idx] = node.inputs as [string, string];
    if (!ctx.needs(0)) return [undefined, undefined];
    const rank = ctx.shape(data).length;
    const a0 = attrInt(node, 'axis', 0);
    const axis = a0 < 0 ? a0 + rank : a0;
    const norm = normalisedIndices(ctx, idx, data, axis);
    const is = ctx.env.info.get(idx)?.shape;
    const zerosA = Array<number>(axis).fill(0);
    // gY viewed as [D[:a], n, post]; Reshape's 0 copies the leading dims
    const view = isStatic(is)
      ? b.constInt64([...zerosA, is.reduce((p, q) => p * q, 1), -1])
      : b.op(OP.Concat, [...(axis > 0 ? [b.constInt64(zerosA)] : []), b.op(OP.Reshape, [b.op(OP.Size, [idx]), b.constInt64([1])]), b.constInt64([-1])], { axis: 0 });
    const gv = b.op(OP.Reshape, [gy!, view]);
    let acc: string;
    if (b.opset >= 16) {
      const zeros = b.op(OP.Reshape, [zerosLike(ctx, data), b.constInt64([...zerosA, 0, -1])]);
      const idxView = b.op(OP.Reshape, [norm, b.constInt64([...Array<number>(axis).fill(1), -1, 1])]);
      acc = b.op(OP.ScatterElements, [zeros, b.op(OP.Expand, [idxView, b.shape(gv)]), gv], { axis, reduction: 'add' });
    } else {
      const dim = ctx.shape(data)[axis];
      const d = typeof dim === 'number' ? b.constInt64([dim], []) : b.op(OP.Reshape, [dimOf(ctx, data, axis), b.constInt64([])]);
      const rows = b.op(OP.Reshape, [b.op(OP.Range, [b.constInt64([0], []), d, b.constInt64([1], [])]), b.constInt64([-1, 1])]);
      const onehot = b.op(OP.Cast, [b.op(OP.Equal, [rows, b.op(OP.Reshape, [norm, b.constInt64([-1])])])], { to: elemTypeOf(ctx, data) });
      acc = b.matmul(onehot, gv);
    }
    return [b.op(OP.Reshape, [acc, shapeOf(ctx, data)]), undefined];
  },
};
