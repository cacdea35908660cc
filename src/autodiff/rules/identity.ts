/** Identity: dX = gY. */
import type { GradRule } from './types.js';

export const identityRule: GradRule = {
  opType: 'Identity',
  vjp(_node, [gy]) {
    return [gy];
  },
};
