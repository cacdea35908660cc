/** ReduceMin: as ReduceMax (reducemax.ts), the gradient on the minima of each group, split evenly between ties. */
import { OP } from '../../onnx/ops.js';
import { extremeReduceVjp } from './reducemax.js';
import type { GradRule } from './types.js';

export const reduceMinRule: GradRule = { opType: OP.ReduceMin, vjp: extremeReduceVjp };
