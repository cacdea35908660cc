/** Min (variadic, broadcasting): as Max (max.ts), the gradient split evenly between the inputs that hold the minimum. */
import { OP } from '../../onnx/ops.js';
import { maxRule } from './max.js';
import type { GradRule } from './types.js';

export const minRule: GradRule = { opType: OP.Min, vjp: maxRule.vjp };
