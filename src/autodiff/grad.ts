/**
 * Reverse-mode automatic differentiation over an ONNX graph held in a GraphBuilder.
 * `addGradients` appends the gradient nodes (standard ONNX ops only) and returns the gradient tensor names.
 */
import { GeolensError } from '../errors.js';
import type { GraphBuilder } from '../onnx/builder.js';
import type { Dim, NodeProto } from '../onnx/proto.js';
import { inferShapes, type ShapeEnv } from '../onnx/shapes.js';
import { upgradeBuilder } from '../onnx/upgrade.js';
import { NON_DIFFERENTIABLE_OPS as NON_DIFFERENTIABLE, RULES } from './rules/index.js';
import { constLike, fillOfShape, shapeOf, zerosLike } from './rules/emit.js';
import type { GradContext } from './rules/types.js';


/**
 * The lowest opset of a gradient graph: the rules emit opset-17 forms (ScatterElements with reduction needs 16).
 * A forward graph at a lower opset is raised to it first (its nodes mean the same there; see onnx/upgrade.ts).
 */
export const GRADIENT_OPSET = 17;

export interface GradOptions {
  /** Tensor holding d(objective)/d(loss); default: ones (the loss should then be a scalar). */
  seed?: string;
  /** Precomputed shape environment of the forward graph. */
  env?: ShapeEnv;
  /**
   * A vector of ones of length `dim` (the batch dimension, e.g. the symbol 'N'). When given, a gradient of shape
   * [dim, K] summed to a [K] input (a bias) is the product ones·G, a MatMul, instead of ReduceSum over axis 0 and a
   * Reshape (onnxruntime's CPU ReduceSum over the leading axis is several times slower than the GEMV). Same value;
   * the float rounding of the sum may differ.
   */
  batchOnes?: { ones: string; dim: Dim };
}

/** Axes to sum so that a gradient of shape `from` matches `to` under numpy broadcasting. */
export function broadcastAxes(from: Dim[], to: Dim[]): number[] {
  const off = from.length - to.length;
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (i < off) axes.push(i);
    else {
      const t = to[i - off];
      const f = from[i];
      if (t === 1 && f !== 1) axes.push(i);
    }
  }
  return axes;
}

export function makeGradContext(b: GraphBuilder, env: ShapeEnv, node?: NodeProto, needed?: boolean[], batchOnes?: GradOptions['batchOnes']): GradContext {
  const shape = (name: string): Dim[] => {
    const s = env.info.get(name)?.shape;
    if (!s) throw new GeolensError('BAD_SHAPE', `autodiff: the shape of '${name}' is unknown${node ? ` (at ${node.opType} '${node.name}')` : ''}; give the graph inputs static ranks.`);
    return s;
  };
  return {
    b,
    env,
    shape,
    needs: (i) => (needed ? needed[i] === true : true),
    unbroadcast(grad, fromShape, input) {
      const to = shape(input);
      if (batchOnes && fromShape.length === 2 && to.length === 1 && fromShape[0] === batchOnes.dim && to[0] === fromShape[1]) {
        return b.matmul(batchOnes.ones, grad);
      }
      const axes = broadcastAxes(fromShape, to);
      let g = grad;
      if (axes.length) g = b.reduceSum(g, axes, true);
      if (fromShape.length !== to.length) g = b.op('Reshape', [g, b.shape(input)]);
      return g;
    },
  };
}

/**
 * Append to `b` the gradient of `loss` with respect to each tensor in `wrt` (graph inputs, initializers or
 * intermediate tensors). Returns a map from each `wrt` name to its gradient tensor name. A `wrt` tensor that does
 * not influence the loss gets an explicit zero gradient. A graph below {@link GRADIENT_OPSET} is raised to it first
 * (`b.opset` changes; the forward nodes keep their meaning).
 */
export function addGradients(b: GraphBuilder, loss: string, wrt: string[], opts: GradOptions = {}): Map<string, string> {
  const from = b.opset;
  upgradeBuilder(b, GRADIENT_OPSET);
  const env = opts.env && from >= 13 ? opts.env : inferShapes(b);
  const nodes = [...b.nodes];
  // tensors that depend on some wrt (forward reachability)
  const dependsOnWrt = new Set(wrt);
  for (const n of nodes) if (n.inputs.some((i) => dependsOnWrt.has(i)) && !NON_DIFFERENTIABLE.has(n.opType)) for (const o of n.outputs) dependsOnWrt.add(o);
  // tensors the loss depends on (backward reachability)
  const lossNeeds = new Set([loss]);
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k]!;
    if (n.outputs.some((o) => lossNeeds.has(o))) for (const i of n.inputs) lossNeeds.add(i);
  }
  const onPath = (t: string): boolean => dependsOnWrt.has(t) && lossNeeds.has(t);

  const grads = new Map<string, string[]>();
  // the seed and the zero gradients take the element type of the tensors they stand for
  const typed = makeGradContext(b, env);
  const seed = opts.seed ?? (env.info.get(loss)?.shape?.length === 0 ? constLike(typed, [1], [], loss, 'seed') : fillOfShape(typed, shapeOf(typed, loss), 1, loss));
  grads.set(loss, [seed]);
  const collect = (t: string): string | undefined => {
    const gs = grads.get(t);
    if (!gs || gs.length === 0) return undefined;
    if (gs.length > 1) {
      const s = b.op('Sum', gs);
      grads.set(t, [s]);
      return s;
    }
    return gs[0];
  };
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k]!;
    if (!n.outputs.some((o) => grads.has(o))) continue;
    if (NON_DIFFERENTIABLE.has(n.opType)) continue;
    const needed = n.inputs.map((i) => i !== '' && onPath(i));
    if (!needed.some(Boolean)) continue;
    const rule = RULES.get(n.opType);
    if (!rule) {
      throw new GeolensError('UNSUPPORTED_OP', `autodiff: no gradient rule for ${n.opType} (node '${n.name}'). Supported: ${[...RULES.keys()].sort().join(', ')}.`, { op: n.opType, node: n.name });
    }
    const gOut = n.outputs.map((o) => collect(o));
    const gIn = rule.vjp(n, gOut, makeGradContext(b, env, n, needed, opts.batchOnes));
    n.inputs.forEach((inp, i) => {
      const g = gIn[i];
      if (!needed[i] || g === undefined) return;
      const list = grads.get(inp) ?? [];
      list.push(g);
      grads.set(inp, list);
    });
  }
  const out = new Map<string, string>();
  for (const w of wrt) {
    const g = collect(w);
    out.set(w, g ?? zerosLike(typed, w));
  }
  return out;
}
