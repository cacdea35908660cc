/**
 * Slice: dX = zeros of X's shape with gY written where the slice read from. With unit steps and static bounds this is
 * one Pad; otherwise (any steps, negative ones included, or bounds known only at run time) the same Slice is applied
 * to a tensor of flat element indices of X and gY is scattered into zeros at those indices (no index repeats, so no
 * reduction is needed).
 */
import { GeolensError } from '../../errors.js';
import { OP } from '../../onnx/ops.js';
import { constInts, isStatic, shapeOf, zerosOfShape } from './emit.js';
import type { GradContext, GradRule } from './types.js';
import type { NodeProto } from '../../onnx/proto.js';

/** Begin/end zero padding per axis that undoes a unit-step slice, or undefined when not statically known. */
function unitStepPads(node: NodeProto, ctx: GradContext, boundNames: string[]): number[] | undefined {
  const [starts, ends, axes0, steps] = boundNames.map((n) => constInts(ctx, n));
  // a bound given as an input but not a constant is known only at run time
  if (boundNames.some((n, i) => n !== '' && [starts, ends, axes0, steps][i] === undefined)) return undefined;
  const shape = ctx.shape(node.inputs[0]!);
  const rank = shape.length;
  if (!starts || !ends) return undefined;
  const axes = axes0 ?? starts.map((_, i) => i);
  if (steps && steps.some((s) => s !== 1)) return undefined;
  const pads = new Array<number>(2 * rank).fill(0);
  for (let i = 0; i < axes.length; i++) {
    const a = axes[i]! < 0 ? axes[i]! + rank : axes[i]!;
    const d = shape[a];
    if (typeof d !== 'number') return undefined;
    const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    const s = clamp(starts[i]!);
    const e = Math.max(clamp(ends[i]!), s);
    pads[a] = s;
    pads[a + rank] = d - e;
  }
  return pads;
}

export const sliceRule: GradRule = {
  opType: OP.Slice,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    if (node.inputs.length === 1) {
      throw new GeolensError('UNSUPPORTED_OP', `autodiff: Slice '${node.name}' takes its bounds as attributes (opset < 10); gradients need opset ≥ 13. Convert the model to opset 13 or later.`, {
        op: OP.Slice,
        node: node.name,
      });
    }
    const boundNames = [1, 2, 3, 4].map((i) => node.inputs[i] ?? '');
    const none = node.inputs.slice(1).map(() => undefined);
    const pads = unitStepPads(node, ctx, boundNames);
    if (pads) return [b.op(OP.Pad, [gy!, b.constInt64(pads)]), ...none];
    // general case: slice a tensor of flat indices the same way, then scatter gY into zeros there
    const xs = ctx.env.info.get(x)?.shape;
    const count = isStatic(xs) ? b.constInt64([xs.reduce((p, q) => p * q, 1)], []) : b.op(OP.Size, [x]);
    const flatIdx = b.op(OP.Range, [b.constInt64([0], []), count, b.constInt64([1], [])]);
    const idx = b.op(OP.Reshape, [flatIdx, shapeOf(ctx, x)]);
    while (boundNames.length && boundNames[boundNames.length - 1] === '') boundNames.pop();
    const picked = b.op(OP.Slice, [idx, ...boundNames]);
    const flat = b.constInt64([-1]);
    const zeros = zerosOfShape(ctx, b.op(OP.Reshape, [count, b.constInt64([1])]), x);
    const scattered = b.op(OP.ScatterElements, [zeros, b.op(OP.Reshape, [picked, flat]), b.op(OP.Reshape, [gy!, flat])], { axis: 0 });
    return [b.op(OP.Reshape, [scattered, shapeOf(ctx, x)]), ...none];
  },
};
