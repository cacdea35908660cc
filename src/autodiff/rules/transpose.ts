/** Transpose: dX = gY transposed by the inverse permutation (default perm reverses the axes, its own inverse). */
import { attrInts } from '../../onnx/builder.js';
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

/** The inverse of a permutation: inv[perm[i]] = i. */
export function invertPermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

export const transposeRule: GradRule = {
  opType: OP.Transpose,
  vjp(node, [gy], ctx) {
    const perm = attrInts(node, 'perm');
    return [ctx.b.transpose(gy!, perm ? invertPermutation(perm) : undefined)];
  },
};
