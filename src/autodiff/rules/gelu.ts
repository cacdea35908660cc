/**
 * Gelu (opset 20): approximate = 'none': Y = X·Φ(X), Φ(x) = ½(1 + erf(x/√2)), dX = gY·(Φ(X) + X·φ(X)) with
 * φ(x) = exp(−x²/2)/√(2π); approximate = 'tanh': Y = ½X(1 + tanh u), u = √(2/π)(X + 0.044715X³),
 * dX = gY·(½(1 + t) + ½X(1 − t²)·√(2/π)(1 + 3·0.044715X²)), t = tanh u (PyTorch's nn.GELU and its gradient).
 */
import { attrString } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const geluRule: GradRule = {
  opType: OP.Gelu,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const x = node.inputs[0]!;
    const c = (v: number): string => scalarLike(ctx, v, x);
    if (attrString(node, 'approximate', 'none') === 'tanh') {
      const k = Math.sqrt(2 / Math.PI);
      const x2 = b.mul(x, x);
      const u = b.mul(c(k), b.add(x, b.mul(c(0.044715), b.mul(x2, x))));
      const t = b.op(OP.Tanh, [u]);
      const du = b.mul(c(k), b.add(c(1), b.mul(c(3 * 0.044715), x2)));
      const left = b.mul(c(0.5), b.add(c(1), t));
      const right = b.mul(b.mul(c(0.5), x), b.mul(b.sub(c(1), b.mul(t, t)), du));
      return [b.mul(gy!, b.add(left, right))];
    }
    const cdf = b.mul(c(0.5), b.add(c(1), b.op(OP.Erf, [b.mul(x, c(Math.SQRT1_2))])));
    const pdf = b.mul(c(1 / Math.sqrt(2 * Math.PI)), b.op(OP.Exp, [b.mul(c(-0.5), b.mul(x, x))]));
    return [b.mul(gy!, b.add(cdf, b.mul(x, pdf)))];
  },
};
