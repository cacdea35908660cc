/**
 * Dropout. In inference (no `training_mode` input, or a constant false one) it is the identity: dX = gY. When
 * `training_mode` may be true the node must expose its mask output: dX = gY ⊙ mask · s with
 * s = training_mode ? 1/(1 − ratio) : 1 (ratio default 0.5), evaluated in the same run as the forward pass.
 * The mask output and the ratio/training_mode inputs get no gradient.
 */
import { GeolensError } from '../../errors.js';
import { OP } from '../../onnx/ops.js';
import { elemTypeOf, scalarLike } from './emit.js';
import type { GradRule } from './types.js';

export const dropoutRule: GradRule = {
  opType: OP.Dropout,
  vjp(node, [gy], ctx) {
    const { b } = ctx;
    const none = node.inputs.slice(1).map(() => undefined);
    if (gy === undefined) return [undefined, ...none];
    const training = node.inputs[2];
    const fixed = training ? b.initializers.get(training) : undefined;
    const alwaysOff = !training || (fixed !== undefined && fixed.data.length === 1 && Number(fixed.data[0]) === 0);
    if (alwaysOff) return [gy, ...none];
    const mask = node.outputs[1];
    if (!mask) {
      throw new GeolensError(
        'UNSUPPORTED_OP',
        `autodiff: Dropout '${node.name}' may run in training mode but has no mask output, so its gradient cannot be formed; add the mask output (a second output name) to the node.`,
        { op: OP.Dropout, node: node.name },
      );
    }
    const x = node.inputs[0]!;
    const ratio = node.inputs[1];
    let keepScale: string;
    if (ratio) {
      // ratio may have its own float type (T1); compute in it, then cast to X's type
      const one = scalarLike(ctx, 1, ratio);
      keepScale = b.div(one, b.sub(one, ratio));
      if (elemTypeOf(ctx, ratio) !== elemTypeOf(ctx, x)) keepScale = b.op(OP.Cast, [keepScale], { to: elemTypeOf(ctx, x) });
    } else keepScale = scalarLike(ctx, 2, x);
    const scale = b.op(OP.Where, [training, keepScale, scalarLike(ctx, 1, x)]);
    return [b.mul(b.op(OP.Where, [mask, gy, scalarLike(ctx, 0, x)]), scale), ...none];
  },
};
