/** Sum (variadic, broadcasting): dXᵢ = gY summed over the dims of Xᵢ that were broadcast. */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const sumRule: GradRule = {
  opType: OP.Sum,
  vjp(node, [gy], ctx) {
    const sy = ctx.shape(node.outputs[0]!);
    return node.inputs.map((x, i) => (ctx.needs(i) ? ctx.unbroadcast(gy!, sy, x) : undefined));
  },
};
