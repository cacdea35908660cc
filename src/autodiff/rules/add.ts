/** Add: Y = A + B (broadcasting). dA = gY, dB = gY, each summed over the dims that were broadcast. */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const addRule: GradRule = {
  opType: OP.Add,
  vjp(node, [gy], ctx) {
    const sy = ctx.shape(node.outputs[0]!);
    return node.inputs.map((x, i) => (ctx.needs(i) ? ctx.unbroadcast(gy!, sy, x) : undefined));
  },
};
