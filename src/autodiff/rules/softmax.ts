/**
 * Softmax (opset-13 semantics: normalised along the single `axis`, default −1):
 * dX = Y ⊙ (gY − Σ_axis gY ⊙ Y).
 */
import { GeolensError } from '../../errors.js';
import { attrInt } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import type { NodeProto } from '../../onnx/proto.js';
import type { GradContext, GradRule } from './types.js';

/**
 * The non-negative axis of a Softmax/LogSoftmax node. Before opset 13 these ops flattened all axes from `axis` on
 * (default 1); geolens' gradient graphs use opset-13 ops, so such graphs are rejected rather than mis-differentiated.
 */
export function softmaxAxis(node: NodeProto, ctx: GradContext): number {
  if (ctx.b.opset < 13) {
    throw new GeolensError(
      'UNSUPPORTED_OP',
      `autodiff: ${node.opType} '${node.name}' is in an opset-${ctx.b.opset} graph, where it normalises over all axes from 'axis' on; gradients need opset ≥ 13. Convert the model to opset 13 or later.`,
      { op: node.opType, node: node.name },
    );
  }
  const rank = ctx.shape(node.inputs[0]!).length;
  const axis = attrInt(node, 'axis', -1);
  return axis < 0 ? axis + rank : axis;
}

export const softmaxRule: GradRule = {
  opType: OP.Softmax,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const y = node.outputs[0]!;
    const axis = softmaxAxis(node, ctx);
    const dot = b.reduceSum(b.mul(gy!, y), [axis], true);
    return [b.mul(y, b.sub(gy!, dot))];
  },
};
