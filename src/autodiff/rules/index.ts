/** The gradient-rule registry: one file per op, each rule registered once through the explicit list below. */
import { OP } from '../../onnx/ops.js';
import { registerRules, type RuleRegistry } from './registry.js';
import type { GradRule } from './types.js';
import { addRule } from './add.js';
import { matmulRule } from './matmul.js';
import { mulRule } from './mul.js';
import { reduceSumRule } from './reducesum.js';
import { reluRule } from './relu.js';
// -- rules A (elementwise, activations, shape ops, reductions) register below this line
import { absRule } from './abs.js';
import { castRule } from './cast.js';
import { clipRule } from './clip.js';
import { concatRule } from './concat.js';
import { divRule } from './div.js';
import { dropoutRule } from './dropout.js';
import { expRule } from './exp.js';
import { expandRule } from './expand.js';
import { flattenRule } from './flatten.js';
import { gatherRule } from './gather.js';
import { gemmRule } from './gemm.js';
import { identityRule } from './identity.js';
import { leakyReluRule } from './leakyrelu.js';
import { logRule } from './log.js';
import { logSoftmaxRule } from './logsoftmax.js';
import { negRule } from './neg.js';
import { powRule } from './pow.js';
import { reduceMeanRule } from './reducemean.js';
import { reshapeRule } from './reshape.js';
import { sigmoidRule } from './sigmoid.js';
import { sliceRule } from './slice.js';
import { softmaxRule } from './softmax.js';
import { sqrtRule } from './sqrt.js';
import { squeezeRule } from './squeeze.js';
import { subRule } from './sub.js';
import { sumRule } from './sum.js';
import { tanhRule } from './tanh.js';
import { transposeRule } from './transpose.js';
import { unsqueezeRule } from './unsqueeze.js';
import { whereRule } from './where.js';
// -- rules B (convolution, pooling, normalisation) register below this line
import { convRule } from './conv.js';
import { maxPoolRule } from './maxpool.js';
import { averagePoolRule } from './averagepool.js';
import { globalAveragePoolRule } from './globalaveragepool.js';
import { batchNormalizationRule } from './batchnormalization.js';
// -- rules C (the ops of ordinary classifiers: activations, normalisations, pooling-like and shape ops) below this line
import { celuRule } from './celu.js';
import { convTransposeRule } from './convtranspose.js';
import { einsumRule } from './einsum.js';
import { eluRule } from './elu.js';
import { erfRule } from './erf.js';
import { geluRule } from './gelu.js';
import { groupNormalizationRule } from './groupnormalization.js';
import { hardSigmoidRule } from './hardsigmoid.js';
import { hardSwishRule } from './hardswish.js';
import { instanceNormalizationRule } from './instancenormalization.js';
import { layerNormalizationRule } from './layernormalization.js';
import { maxRule } from './max.js';
import { minRule } from './min.js';
import { mishRule } from './mish.js';
import { padRule } from './pad.js';
import { preluRule } from './prelu.js';
import { reduceL2Rule } from './reducel2.js';
import { reduceMaxRule } from './reducemax.js';
import { reduceMinRule } from './reducemin.js';
import { resizeRule } from './resize.js';
import { seluRule } from './selu.js';
import { softplusRule } from './softplus.js';
import { softsignRule } from './softsign.js';
import { splitRule } from './split.js';
import { thresholdedReluRule } from './thresholdedrelu.js';

const ALL: GradRule[] = [
  addRule,
  matmulRule,
  mulRule,
  reduceSumRule,
  reluRule,
  // -- rules A list
  absRule,
  castRule,
  clipRule,
  concatRule,
  divRule,
  dropoutRule,
  expRule,
  expandRule,
  flattenRule,
  gatherRule,
  gemmRule,
  identityRule,
  leakyReluRule,
  logRule,
  logSoftmaxRule,
  negRule,
  powRule,
  reduceMeanRule,
  reshapeRule,
  sigmoidRule,
  sliceRule,
  softmaxRule,
  sqrtRule,
  squeezeRule,
  subRule,
  sumRule,
  tanhRule,
  transposeRule,
  unsqueezeRule,
  whereRule,
  // -- rules B list
  convRule,
  maxPoolRule,
  averagePoolRule,
  globalAveragePoolRule,
  batchNormalizationRule,
  // -- rules C list
  celuRule,
  convTransposeRule,
  einsumRule,
  eluRule,
  erfRule,
  geluRule,
  groupNormalizationRule,
  hardSigmoidRule,
  hardSwishRule,
  instanceNormalizationRule,
  layerNormalizationRule,
  maxRule,
  minRule,
  mishRule,
  padRule,
  preluRule,
  reduceL2Rule,
  reduceMaxRule,
  reduceMinRule,
  resizeRule,
  seluRule,
  softplusRule,
  softsignRule,
  splitRule,
  thresholdedReluRule,
];

/** Every gradient rule by op type (registering the list throws if two rules claim the same op). */
export const RULES: RuleRegistry = registerRules(ALL);

/** Ops through which no gradient flows (integer/shape computations, comparisons): a fact of ONNX, kept in onnx/. */
export { NON_DIFFERENTIABLE_OPS } from '../../onnx/ops.js';
