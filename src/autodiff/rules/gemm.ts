/**
 * Gemm: Y = alpha·A'·B' + beta·C with A' = transA ? Aᵀ : A, B' = transB ? Bᵀ : B, and C (optional) broadcast to [M, N].
 * dA' = alpha·gY·B'ᵀ, dB' = alpha·A'ᵀ·gY (each emitted as one Gemm with the transposes folded in), dC = beta·gY
 * summed over the dims of C that were broadcast.
 */
import { attrFloat, attrInt } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const gemmRule: GradRule = {
  opType: OP.Gemm,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const [a, w, c] = node.inputs as [string, string, string | undefined];
    const alpha = attrFloat(node, 'alpha', 1);
    // float attributes are float32 in ONNX: use the value the forward op sees
    const beta = Math.fround(attrFloat(node, 'beta', 1));
    const tA = attrInt(node, 'transA', 0) === 1;
    const tB = attrInt(node, 'transB', 0) === 1;
    const gemm = (p: string, q: string, transA: boolean, transB: boolean): string =>
      b.op(OP.Gemm, [p, q], { alpha: alpha === 1 ? undefined : alpha, transA: transA ? 1 : undefined, transB: transB ? 1 : undefined });
    const out: (string | undefined)[] = node.inputs.map(() => undefined);
    if (ctx.needs(0)) {
      // A' = A: dA = gY·B'ᵀ;  A' = Aᵀ: dA = B'·gYᵀ
      out[0] = tA ? gemm(w, gy!, tB, true) : gemm(gy!, w, false, !tB);
    }
    if (ctx.needs(1)) {
      // B' = B: dB = A'ᵀ·gY;  B' = Bᵀ: dB = gYᵀ·A'
      out[1] = tB ? gemm(gy!, a, true, tA) : gemm(a, gy!, !tA, false);
    }
    if (c && ctx.needs(2)) {
      const g = ctx.unbroadcast(gy!, ctx.shape(node.outputs[0]!), c);
      out[2] = beta === 1 ? g : b.mul(g, scalarLike(ctx, beta, c));
    }
    return out;
  },
};
