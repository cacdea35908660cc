/**
 * MaxPool: dX = gY scattered (summed) onto the arg-max positions. The positions come from MaxPool's Indices output
 * (flattened over the whole NC… input, storage_order 0); the gradients are added with
 * ScatterElements(reduction='add') on the flattened input, so overlapping windows that share a maximum add up
 * (opset ≥ 16: addGradients raises older graphs to GRADIENT_OPSET before any rule runs).
 *
 * When the forward node has no Indices output, the rule does NOT rewrite it: it appends a second MaxPool on the same
 * input with the same attributes and two outputs (a cheap recomputation; the forward keeps onnxruntime's faster
 * single-output kernel and the forward graph is left untouched). Ties are broken by onnxruntime's MaxPool.
 * Works for any strides, pads, dilations and ceil_mode (the indices encode the windows). float32 and float64 both
 * run on the onnxruntime CPU provider.
 *
 * Fast path for 2-D square windows that tile the input exactly (kernel s×s = strides, no padding, dilations 1,
 * static H and W divisible by s: the usual 2×2/2 pooling). SpaceToDepth views X as [N, K, C, H/s, W/s] (K = s²
 * window positions q, row-major, as the outer axis), so Y and gY broadcast against it over long contiguous runs;
 * the gradient goes to the first position whose value equals the maximum, as MaxPool's Indices and PyTorch choose:
 * V = Where(X = Y, K − q, 0), mask V = max_q V, dX = DepthToSpace(Where(mask, gY, 0)). Elementwise passes over X
 * and no second MaxPool, instead of a MaxPool with Indices and a ScatterElements.
 */
import { GeolensError } from '../../errors.js';
import { attr, attrInt, attrInts, type AttrInput } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import type { NodeProto } from '../../onnx/proto.js';
import { constLike, scalarLike, zerosLike } from './emit.js';
import type { GradContext, GradRule } from './types.js';

/** The fast path's gradient builder when the windows tile the input exactly (see the header), else undefined. */
function tiledWindows(node: NodeProto, ctx: GradContext): ((gy: string) => string) | undefined {
  const { b } = ctx;
  const x = node.inputs[0]!;
  const sx = ctx.shape(x);
  const kernel = attrInts(node, 'kernel_shape');
  if (sx.length !== 4 || !kernel || kernel.length !== 2 || kernel[0] !== kernel[1]) return undefined;
  const s = kernel[0]!;
  const strides = attrInts(node, 'strides') ?? [1, 1];
  const dilations = attrInts(node, 'dilations') ?? [1, 1];
  const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  const autoPad = attr(node, 'auto_pad');
  const padMode = autoPad && autoPad.type === 'string' ? autoPad.value : 'NOTSET';
  if (padMode !== 'NOTSET' && padMode !== 'VALID') return undefined;
  if (strides.some((st) => st !== s) || dilations.some((d) => d !== 1) || pads.some((p) => p !== 0)) return undefined;
  const [h, w] = sx.slice(2);
  if (typeof h !== 'number' || typeof w !== 'number' || h % s !== 0 || w % s !== 0) return undefined;
  const K = s * s;
  return (gy) => {
    // [N, C, H, W] -> [N, K, C, H/s, W/s]: window position q (row-major) as axis 1 (SpaceToDepth's DCR order)
    const xq = b.reshape(b.op(OP.SpaceToDepth, [x], { blocksize: s }), [0, K, -1, h / s, w / s]);
    const y = b.op(OP.Unsqueeze, [node.outputs[0]!, b.constInt64([1])]);
    const zero = scalarLike(ctx, 0, x);
    const v = b.op(OP.Where, [b.op(OP.Equal, [xq, y]), constLike(ctx, Array.from({ length: K }, (_, q) => K - q), [K, 1, 1, 1], x, 'window_rank'), zero]);
    const vmax = b.opset >= 18 ? b.op(OP.ReduceMax, [v, b.constInt64([1])], { keepdims: 1 }) : b.op(OP.ReduceMax, [v], { axes: [1], keepdims: 1 });
    const g = b.op(OP.Where, [b.op(OP.Equal, [v, vmax]), b.op(OP.Unsqueeze, [gy, b.constInt64([1])]), zero]);
    return b.op(OP.DepthToSpace, [b.reshape(g, [0, -1, h / s, w / s])], { blocksize: s, mode: 'DCR' });
  };
}

export const maxPoolRule: GradRule = {
  opType: OP.MaxPool,
  vjp(node, [gy], ctx) {
    if (gy === undefined) return [undefined];
    const { b } = ctx;
    const x = node.inputs[0]!;
    if (attrInt(node, 'storage_order', 0) !== 0) {
      throw new GeolensError('UNSUPPORTED_OP', `autodiff: MaxPool '${node.name}' with storage_order=1 is not supported; use the default row-major order.`);
    }
    if (b.opset < 16) {
      throw new GeolensError('UNSUPPORTED_OP', `autodiff: the MaxPool gradient needs ScatterElements with reduction (opset ≥ 16) but the gradient graph has opset ${b.opset}; build it with addGradients, which raises the graph's opset.`);
    }
    const fast = tiledWindows(node, ctx);
    if (fast) return [fast(gy)];
    let indices = node.outputs[1];
    if (!indices) {
      const attrs: Record<string, AttrInput> = {};
      for (const a of node.attributes) attrs[a.name] = a;
      indices = b.node(OP.MaxPool, [x], attrs, 2)[1]!;
    }
    const flatIdx = b.reshape(indices, [-1]);
    const flatG = b.reshape(gy, [-1]);
    const zeros = b.reshape(zerosLike(ctx, x), [-1]);
    const scattered = b.op(OP.ScatterElements, [zeros, flatIdx, flatG], { axis: 0, reduction: 'add' });
    return [b.op(OP.Reshape, [scattered, b.shape(x)])];
  },
};
