/** Sum (variadic, broadcasting): dXᵢ = gY summed over the dims of Xᵢ that were broadcast. */
import type { GradRule } from './types.js';

export const sumRule: GradRule = {
  opType: 'Sum',
  vjp(node, [gy], ctx) {
    const sy = ctx.shape(node.outputs[0]!);
    return node.inputs.map((x, i) => (ctx.needs(i) ? ctx.unbroadcast(gy!, sy, x) : undefined));
  },
};
