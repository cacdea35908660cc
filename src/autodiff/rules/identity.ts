/** Identity: dX = gY. */
import { OP } from '../../onnx/ops.js';
import type { GradRule } from './types.js';

export const identityRule: GradRule = {
  opType: OP.Identity,
  vjp(_node, [gy]) {
    return [gy];
  },
};
