/**
 * Einsum, for the matmul-like equations classifiers contain (x·Wᵀ as 'bi,oi->bo', batched products 'bij,bjk->bik',
 * bilinear forms, transposes and sums; '...' for leading dims): for operand A with subscripts a (no letter twice),
 * dA = Einsum('<out>,<other operands>-><a′>', gY, others…), a′ being the letters of a that appear in the output or
 * another operand; letters only A has (summed within A) are restored by Unsqueeze + Expand. Operands with a repeated
 * letter (diagonals, traces) are refused.
 */
import { GeolensError } from '../../errors.js';
import { attrString } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import { parseEinsum } from '../../onnx/einsum.js';
import { shapeOf } from './emit.js';
import type { GradRule } from './types.js';

/** The equation text of terms. */
function text(inputs: string[], output: string): string {
  return `${inputs.join(',')}->${output}`;
}

export const einsumRule: GradRule = {
  opType: OP.Einsum,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const where = `Einsum '${node.name}'`;
    const t = parseEinsum(attrString(node, 'equation', ''), node.inputs.map((x) => ctx.shape(x).length), where);
    return node.inputs.map((x, i) => {
      if (!ctx.needs(i)) return undefined;
      const a = t.inputs[i]!;
      if (new Set(a).size !== a.length) throw new GeolensError('UNSUPPORTED_OP', `autodiff: ${where}: operand ${i} repeats a subscript ('${a}', a diagonal or trace); geolens differentiates matmul-like equations.`, { op: OP.Einsum, node: node.name });
      const others = t.inputs.filter((_, j) => j !== i);
      const seen = new Set([...t.output, ...others.join('')]);
      const kept = [...a].filter((c) => seen.has(c)).join('');
      let g = b.op(OP.Einsum, [gy!, ...node.inputs.filter((_, j) => j !== i)], { equation: text([t.output, ...others], kept) });
      if (kept.length !== a.length) {
        const lone = [...a].flatMap((c, k) => (seen.has(c) ? [] : [k]));
        g = b.op(OP.Expand, [b.op(OP.Unsqueeze, [g, b.constInt64(lone)]), shapeOf(ctx, x)]);
      }
      return g;
    });
  },
};
