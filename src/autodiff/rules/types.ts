/** The contract of one op's reverse-mode rule. */
import type { GraphBuilder } from '../../onnx/builder.js';
import type { OpType } from '../../onnx/ops.js';
import type { Dim, NodeProto } from '../../onnx/proto.js';
import type { ShapeEnv } from '../../onnx/shapes.js';

export interface GradContext {
  /** The graph being extended with gradient nodes. Create float constants with constLike/scalarLike (emit.ts: they take the element type of the forward tensor they meet), int64 ones with b.constInt64. */
  b: GraphBuilder;
  env: ShapeEnv;
  /** Static shape of a forward tensor (throws when its rank is unknown). */
  shape(name: string): Dim[];
  /** Sum a gradient of broadcast shape `fromShape` back to the shape of forward tensor `input`. */
  unbroadcast(grad: string, fromShape: Dim[], input: string): string;
  /** Whether input `i` of the node needs a gradient (rules may skip work for the others). */
  needs(i: number): boolean;
}

/**
 * Vector-Jacobian product of one node: given the gradients flowing into its outputs (undefined where an output
 * does not influence the loss), return the gradient for each input (undefined where none is needed or defined).
 * Only standard ONNX ops may be emitted (onnxruntime's *Grad ops exist only in its training build).
 */
export type VJP = (node: NodeProto, gradOutputs: (string | undefined)[], ctx: GradContext) => (string | undefined)[];

export interface GradRule {
  /** The op this rule differentiates (a constant of OP, onnx/ops.ts); one rule per op. */
  opType: OpType;
  vjp: VJP;
}
