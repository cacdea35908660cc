/** MatMul: Y = A·B (numpy semantics, batch dims broadcast). dA = gY·Bᵀ, dB = Aᵀ·gY, each summed over broadcast dims. */
import { GeolensError } from '../../errors.js';
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

function swapLast(rank: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  [p[rank - 2], p[rank - 1]] = [p[rank - 1]!, p[rank - 2]!];
  return p;
}

export const matmulRule: GradRule = {
  opType: OP.MatMul,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const [a, w] = node.inputs as [string, string];
    const sa = ctx.shape(a);
    const sw = ctx.shape(w);
    if (sa.length < 2 || sw.length < 2) {
      throw new GeolensError('UNSUPPORTED_OP', `autodiff: MatMul '${node.name}' with a 1-D operand is not supported; reshape it to 2-D.`);
    }
    const sy = ctx.shape(node.outputs[0]!);
    const batch = sy.slice(0, -2);
    const out: (string | undefined)[] = [undefined, undefined];
    if (ctx.needs(0)) {
      const wt = b.transpose(w, swapLast(sw.length));
      out[0] = ctx.unbroadcast(b.matmul(gy!, wt), [...batch, sa[sa.length - 2]!, sa[sa.length - 1]!], a);
    }
    if (ctx.needs(1)) {
      const at = b.transpose(a, swapLast(sa.length));
      out[1] = ctx.unbroadcast(b.matmul(at, gy!), [...batch, sw[sw.length - 2]!, sw[sw.length - 1]!], w);
    }
    return out;
  },
};
