/**
 * Batched input-Jacobian graphs for classifiers: J = ∂logits/∂x for every sample of a batch in one backward pass.
 *
 * The forward graph runs on the batch tiled C times (x → [C·N, …], block c = a copy of the batch); the backward
 * pass is seeded with the one-hot of class c on block c, so the gradient wrt the tiled input holds row c of every
 * sample's Jacobian in block c. This is valid because samples do not interact in an inference graph (no batch
 * statistics, no reductions over the batch axis) — the forward graph must also not hard-code the batch size
 * (Reshape targets should use 0 or -1 for the batch axis).
 */
import { GeolensError } from '../errors.js';
import type { GraphBuilder } from '../onnx/builder.js';
import { DataType, type Dim } from '../onnx/proto.js';
import { inferShapes } from '../onnx/shapes.js';
import { numel } from '../tensor.js';
import { addGradients } from './grad.js';

export interface InputJacobianOptions {
  /** Name of the forward graph's input, shape [N, …sampleShape] (sample shape static). */
  input: string;
  /** Name of the logits tensor, shape [N, C]. */
  logits: string;
  /** C, the number of classes. */
  numClasses: number;
}

/** Output names of the graph `buildInputJacobian` returns. */
export const JACOBIAN_OUTPUTS = ['logits', 'probs', 'jacobian', 'jacobian_logsoftmax', 'jacobian_gram'] as const;
export type JacobianOutput = (typeof JACOBIAN_OUTPUTS)[number];

function bad(message: string): never {
  throw new GeolensError('BAD_ARGUMENT', message);
}

/** Rename a tensor produced inside `b` (node outputs, node inputs, initializers). */
function renameTensor(b: GraphBuilder, from: string, to: string): void {
  for (const n of b.nodes) {
    n.inputs = n.inputs.map((i) => (i === from ? to : i));
    n.outputs = n.outputs.map((o) => (o === from ? to : o));
  }
  const init = b.initializers.get(from);
  if (init) {
    b.initializers.delete(from);
    b.initializers.set(to, init);
  }
}

/**
 * Build the batched input-Jacobian graph of a classifier. Returns a NEW builder (`forward` is not modified) whose
 * single input is `opts.input`, shape [N, …sampleShape] (N symbolic), and whose outputs are
 *  - `logits` [N, C] and `probs` [N, C] (softmax of the logits),
 *  - `jacobian` [N, C, d]: ∂logits/∂x with x flattened, d = prod(sampleShape),
 *  - `jacobian_logsoftmax` [N, C, d]: ∂log softmax/∂x = J − 1·(pᵀJ),
 *  - `jacobian_gram` [N, C, C]: J Jᵀ per sample (what the DIM spectrum needs, without copying J out).
 * Nodes that the logits do not depend on (losses, extra heads) are dropped; the logits may depend on no graph
 * input other than `opts.input`. Forward tensors whose names clash with the output names are renamed.
 */
export function buildInputJacobian(forward: GraphBuilder, opts: InputJacobianOptions): GraphBuilder {
  const C = opts.numClasses;
  if (!Number.isInteger(C) || C < 1) bad(`buildInputJacobian: numClasses must be a positive integer (got ${C}).`);
  if ((JACOBIAN_OUTPUTS as readonly string[]).includes(opts.input)) bad(`buildInputJacobian: the input may not be named '${opts.input}' (an output name of the Jacobian graph); rename it.`);
  const inputIdx = forward.inputs.findIndex((v) => v.name === opts.input);
  if (inputIdx < 0) bad(`buildInputJacobian: the forward graph has no input '${opts.input}' (inputs: ${forward.inputs.map((v) => v.name).join(', ')}).`);
  const inputInfo = forward.inputs[inputIdx]!;
  if (!inputInfo.shape || inputInfo.shape.length < 2) bad(`buildInputJacobian: input '${opts.input}' needs a declared shape [N, …sampleShape].`);
  const sampleShape = inputInfo.shape.slice(1);
  if (!sampleShape.every((d): d is number => typeof d === 'number' && d > 0)) {
    throw new GeolensError('BAD_SHAPE', `buildInputJacobian: the sample shape of '${opts.input}' must be static (got [${inputInfo.shape.join(', ')}]); only the batch may be symbolic.`);
  }
  const d = numel(sampleShape);
  const producers = new Set(forward.nodes.flatMap((n) => n.outputs));
  if (!producers.has(opts.logits) && opts.logits !== opts.input) bad(`buildInputJacobian: no node of the forward graph produces '${opts.logits}'.`);

  const b = forward.clone();
  // keep only what the logits need
  const needed = new Set([opts.logits]);
  const kept: typeof b.nodes = [];
  for (let k = b.nodes.length - 1; k >= 0; k--) {
    const n = b.nodes[k]!;
    if (n.outputs.some((o) => needed.has(o))) {
      kept.push(n);
      for (const i of n.inputs) if (i !== '') needed.add(i);
    }
  }
  kept.reverse();
  b.nodes.splice(0, b.nodes.length, ...kept);
  for (const name of [...b.initializers.keys()]) if (!needed.has(name)) b.initializers.delete(name);
  const otherInputs = b.inputs.filter((v) => v.name !== opts.input && needed.has(v.name) && !b.initializers.has(v.name));
  if (otherInputs.length) bad(`buildInputJacobian: the logits also depend on graph input(s) ${otherInputs.map((v) => `'${v.name}'`).join(', ')}; make them initializers or constants.`);
  // the single input, with a symbolic batch
  b.inputs.splice(0, b.inputs.length, { name: opts.input, elemType: inputInfo.elemType, shape: [typeof inputInfo.shape[0] === 'string' ? inputInfo.shape[0] : 'N', ...sampleShape] });
  b.outputs.length = 0;
  b.valueInfo.length = 0; // intermediate shapes change (the batch is tiled)

  // free the output names
  let logitsT = opts.logits;
  for (const name of JACOBIAN_OUTPUTS) {
    if (needed.has(name)) {
      const to = b.fresh(`${name}_fwd`);
      renameTensor(b, name, to);
      if (logitsT === name) logitsT = to;
    }
  }

  // tile the input C times along the batch and feed the forward graph with it
  const x = opts.input;
  const xt = b.op('Tile', [x, b.constInt64([C, ...sampleShape.map(() => 1)], undefined, 'tile_reps')]);
  const tileNode = b.nodes.pop()!;
  for (const n of b.nodes) n.inputs = n.inputs.map((i) => (i === x ? xt : i));
  if (logitsT === x) logitsT = xt;
  b.nodes.unshift(tileNode);

  const env = inferShapes(b);
  const ls = env.info.get(logitsT)?.shape;
  if (!ls || ls.length !== 2) throw new GeolensError('BAD_SHAPE', `buildInputJacobian: logits '${opts.logits}' must have shape [N, C] (got ${ls ? `[${ls.join(', ')}]` : 'an unknown shape'}).`);
  if (typeof ls[1] === 'number' && ls[1] !== C) throw new GeolensError('BAD_SHAPE', `buildInputJacobian: logits '${opts.logits}' have ${ls[1]} classes but numClasses is ${C}.`);

  // seed: row c·N + n of the tiled logits gets e_c
  const eye: number[] = [];
  for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) eye.push(i === j ? 1 : 0);
  // in the logits' element type (which need not be the builder's default float type)
  const lt = env.info.get(logitsT)!.elemType === DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
  const eyeT = b.init(b.fresh('eye'), { dataType: lt, dims: [C, 1, C], data: lt === DataType.DOUBLE ? Float64Array.from(eye) : Float32Array.from(eye) });
  const batch = b.op('Gather', [b.shape(x), b.constInt64([0], [1])], { axis: 0 }); // [N] as a 1-element vector
  const seedShape = b.op('Concat', [b.constInt64([C]), batch, b.constInt64([C])], { axis: 0 });
  const seed = b.reshape(b.op('Expand', [eyeT, seedShape]), [-1, C]);

  const grads = addGradients(b, logitsT, [xt], { seed, env });
  const gx = grads.get(xt)!; // [C·N, …sample]
  const jac = b.transpose(b.reshape(gx, [C, -1, d]), [1, 0, 2]); // [N, C, d]
  const logits = b.op('Gather', [b.reshape(logitsT, [C, -1, C]), b.constInt64([0], [])], { axis: 0 }); // block 0: [N, C]
  const probs = b.op('Softmax', [logits], { axis: 1 });
  const pJ = b.matmul(b.reshape(probs, [0, 1, C]), jac); // [N, 1, d]
  const jacLs = b.sub(jac, pJ);

  const N: Dim = b.inputs[0]!.shape![0]!;
  const et = inputInfo.elemType;
  b.namedOutput('logits', logits, [N, C], et);
  b.namedOutput('probs', probs, [N, C], et);
  b.namedOutput('jacobian', jac, [N, C, d], et);
  b.namedOutput('jacobian_logsoftmax', jacLs, [N, C, d], et);
  b.namedOutput('jacobian_gram', b.matmul(jac, b.transpose(jac, [0, 2, 1])), [N, C, C], et);
  return b;
}
