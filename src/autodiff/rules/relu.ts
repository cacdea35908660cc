/** Relu: Y = max(X, 0). dX = gY where X > 0, else 0 (ReluGrad is training-build only, so Where + Greater). */
import type { GradRule } from './types.js';

export const reluRule: GradRule = {
  opType: 'Relu',
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const pos = b.op('Greater', [x, b.constFloat(0)]);
    return [b.op('Where', [pos, gy!, b.constFloat(0)])];
  },
};
