/** The gradient-rule registry: one file per op. */
import type { GradRule } from './types.js';
import { addRule } from './add.js';
import { matmulRule } from './matmul.js';
import { mulRule } from './mul.js';
import { reduceSumRule } from './reducesum.js';
import { reluRule } from './relu.js';
// -- rules A (elementwise, activations, shape ops, reductions) register below this line
// -- rules B (convolution, pooling, normalisation) register below this line

const ALL: GradRule[] = [
  addRule,
  matmulRule,
  mulRule,
  reduceSumRule,
  reluRule,
  // -- rules A list
  // -- rules B list
];

export const RULES: ReadonlyMap<string, GradRule> = new Map(ALL.map((r) => [r.opType, r]));
