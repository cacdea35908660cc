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
 */
import { GeolensError } from '../../errors.js';
import { attrInt, type AttrInput } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { zerosLike } from './emit.js';
import type { GradRule } from './types.js';

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
