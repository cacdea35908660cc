/**
 * Batched input-Jacobian graphs for classifiers: J = ∂logits/∂x for every sample of a batch in one backward pass.
 *
 * The forward graph runs on the batch with every sample repeated C times (x → [N·C, …], row n·C + c = sample n);
 * the backward pass is seeded with the one-hot of class c on row n·C + c, so the gradient wrt the repeated input,
 * reshaped to [N, C, d], is every sample's Jacobian (no transpose). This is valid because samples do not interact
 * in an inference graph (no batch statistics, no reductions over the batch axis) — the forward graph must also not
 * hard-code the batch size (Reshape targets should use 0 or -1 for the batch axis).
 *
 * The repetition is then moved down the forward graph past the leading nodes whose repeated inputs the backward
 * pass does not read (a first MatMul/Gemm/Conv needs only its weight for the input gradient, a bias Add nothing):
 * those nodes run once per sample instead of C times (for an MLP, the first layer's forward: about a third of the
 * work). Their outputs are the same numbers repeated, since each sample is computed independently.
 */
import { GeolensError } from '../errors.js';
import type { GraphBuilder } from '../onnx/builder.js';
import { attr, attrFloat, attrInt, attrInts } from '../onnx/builder.js';
import { DataType, type Dim, type NodeProto } from '../onnx/proto.js';
import { inferShapes, type ShapeEnv } from '../onnx/shapes.js';
import { numel } from '../tensor.js';
import { addGradients } from './grad.js';

export interface InputJacobianOptions {
  /** Name of the forward graph's input, shape [N, …sampleShape] (sample shape static). */
  input: string;
  /** Name of the logits tensor, shape [N, C]. */
  logits: string;
  /** C, the number of classes. */
  numClasses: number;
  /**
   * The outputs to build (default: all of `JACOBIAN_OUTPUTS`). onnxruntime runs every node of a graph whatever is
   * fetched, so a graph with only the outputs a caller reads (e.g. `probs` and `jacobian_gram` for DIM spectra)
   * skips the copies and the log-softmax Jacobian of the others.
   */
  outputs?: readonly JacobianOutput[];
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

/** t [N, …tail] → [N·C, …tail] with row n·C + c = row n (Unsqueeze, Expand, Reshape; `tail` static). */
function repeatRows(b: GraphBuilder, t: string, tail: readonly number[], C: number): string {
  const u = b.op('Unsqueeze', [t, b.constInt64([1])]);
  const e = b.op('Expand', [u, b.constInt64([1, C, ...tail.map(() => 1)])]);
  return b.reshape(e, [-1, ...tail]);
}

/** Ops that act on each sample alone and whose input gradient needs no forward value of that input. */
const SINKABLE = new Set(['MatMul', 'Gemm', 'Conv', 'Add', 'Sub', 'Mul', 'Div']);

/**
 * Move the row repetition (the nodes `tileNodes`, x → xt) down past the forward nodes whose repeated input nothing
 * else reads (in particular no backward node): such a node F(xt, constants) is rewritten to F(x, constants) and
 * its output repeated instead, as long as its other inputs are initializers that broadcast per sample (rank below
 * the input's, or a leading 1) and its output's sample shape is static. Each step leaves the graph computing the
 * same values.
 */
function sinkRepeat(b: GraphBuilder, x: string, xt: string, tileNodes: readonly NodeProto[], forwardSet: ReadonlySet<NodeProto>, env: ShapeEnv, C: number): void {
  let src = x;
  let cur = xt;
  let repeat = [...tileNodes];
  for (;;) {
    const users = b.nodes.filter((n) => n.inputs.includes(cur));
    if (users.length !== 1 || b.outputs.some((o) => o.name === cur)) break;
    const f = users[0]!;
    if (!forwardSet.has(f) || !SINKABLE.has(f.opType) || f.outputs.length !== 1 || f.inputs[0] !== cur) break;
    if (f.opType === 'Gemm' && attrInt(f, 'transA', 0) !== 0) break;
    const rank = env.info.get(cur)?.shape?.length ?? 0;
    const others = f.inputs.slice(1).filter((i) => i !== '');
    if (others.includes(cur)) break;
    const perSample = others.every((i) => {
      const init = b.initializers.get(i);
      return init !== undefined && (f.opType !== 'Add' && f.opType !== 'Sub' && f.opType !== 'Mul' && f.opType !== 'Div' ? true : init.dims.length < rank || init.dims[0] === 1);
    });
    const outShape = env.info.get(f.outputs[0]!)?.shape;
    if (!perSample || !outShape || outShape.length < 1 || !outShape.slice(1).every((v): v is number => typeof v === 'number')) break;
    // F reads the unrepeated tensor; its output is repeated by fresh nodes placed right after it
    const out = f.outputs[0]!;
    const single = b.fresh(`${out}_single`);
    f.inputs[0] = src;
    f.outputs[0] = single;
    const at = b.nodes.length;
    const rep = repeatRows(b, single, outShape.slice(1) as number[], C);
    const added = b.nodes.splice(at);
    // the last added node writes `out` (the name every consumer reads)
    const last = added[added.length - 1]!;
    last.outputs = last.outputs.map((o) => (o === rep ? out : o));
    for (const n of repeat) {
      b.nodes.splice(b.nodes.indexOf(n), 1);
      // their constants (axes, shapes) go with them
      for (const i of n.inputs) if (b.initializers.has(i) && !b.nodes.some((m) => m.inputs.includes(i))) b.initializers.delete(i);
    }
    b.nodes.splice(b.nodes.indexOf(f) + 1, 0, ...added);
    repeat = added;
    src = single;
    cur = out;
  }
}

/**
 * J Jᵀ without J when the input enters through one matrix product with a weight: the input gradient is then
 * gx = G·B ([N·C, h]·[h, d], G the gradient at that product's output, B = Wᵀ for MatMul(x, W) or the weight as the
 * gradient Gemm reads it), so per sample J Jᵀ = G_n (B Bᵀ) G_nᵀ with the h×h matrix B Bᵀ computed once per run:
 * 2·N·C·h² multiply-adds instead of 2·N·C·h·d + N·C²·d (for a 784-256 first layer about a third). Returns the
 * [N, C, C] Gram tensor and removes the node computing gx, or undefined (nothing changed) when gx is not such a
 * product.
 */
function gramThroughLinearInput(b: GraphBuilder, gx: string, C: number): string | undefined {
  const p = b.nodes.find((n) => n.outputs.includes(gx));
  if (!p || b.nodes.some((n) => n !== p && n.inputs.includes(gx))) return undefined;
  const [g, w] = p.inputs as [string, string | undefined];
  if (!w || p.inputs.length !== 2) return undefined;
  let bbt: string; // B Bᵀ, [h, h]
  let h: number | undefined;
  if (p.opType === 'MatMul') {
    // B = Transpose(W) of an initializer W [d, h]
    const t = b.nodes.find((n) => n.outputs.includes(w));
    const perm = t ? attrInts(t, 'perm') : undefined;
    const wInit = t?.opType === 'Transpose' ? b.initializers.get(t.inputs[0]!) : undefined;
    if (!wInit || wInit.dims.length !== 2 || (perm && (perm[0] !== 1 || perm[1] !== 0))) return undefined;
    h = wInit.dims[1];
    bbt = b.matmul(w, t!.inputs[0]!); // Wᵀ·W

  } else if (p.opType === 'Gemm' && attrInt(p, 'transA', 0) === 0 && (attr(p, 'alpha') === undefined || attrFloat(p, 'alpha', 1) === 1)) {
    const wInit = b.initializers.get(w);
    if (!wInit || wInit.dims.length !== 2) return undefined;
    const tB = attrInt(p, 'transB', 0) === 1; // B = Wᵀ (W [d, h]) when transB, else W ([h, d])
    h = tB ? wInit.dims[1] : wInit.dims[0];
    bbt = tB ? b.op('Gemm', [w, w], { transA: 1 }) : b.op('Gemm', [w, w], { transB: 1 });
  } else return undefined;
  if (h === undefined) return undefined;
  b.nodes.splice(b.nodes.indexOf(p), 1);
  const gr = b.reshape(g, [-1, C, h]); // [N, C, h]
  return b.matmul(b.matmul(gr, bbt), b.transpose(gr, [0, 2, 1]));
}

/**
 * Build the batched input-Jacobian graph of a classifier. Returns a NEW builder (`forward` is not modified) whose
 * single input is `opts.input`, shape [N, …sampleShape] (N symbolic), and whose outputs are (those of `opts.outputs`)
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

  // repeat every sample C times along the batch (row n·C + c = sample n) and feed the forward graph with it
  const x = opts.input;
  const forwardNodes = b.nodes.length;
  const xt = repeatRows(b, x, sampleShape, C);
  const tileNodes = b.nodes.splice(forwardNodes);
  for (const n of b.nodes) n.inputs = n.inputs.map((i) => (i === x ? xt : i));
  if (logitsT === x) logitsT = xt;
  b.nodes.unshift(...tileNodes);
  const forwardSet = new Set(b.nodes);

  const env = inferShapes(b);
  const ls = env.info.get(logitsT)?.shape;
  if (!ls || ls.length !== 2) throw new GeolensError('BAD_SHAPE', `buildInputJacobian: logits '${opts.logits}' must have shape [N, C] (got ${ls ? `[${ls.join(', ')}]` : 'an unknown shape'}).`);
  if (typeof ls[1] === 'number' && ls[1] !== C) throw new GeolensError('BAD_SHAPE', `buildInputJacobian: logits '${opts.logits}' have ${ls[1]} classes but numClasses is ${C}.`);

  // seed: row n·C + c of the repeated logits gets e_c
  const eye: number[] = [];
  for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) eye.push(i === j ? 1 : 0);
  // in the logits' element type (which need not be the builder's default float type)
  const lt = env.info.get(logitsT)!.elemType === DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
  const eyeT = b.init(b.fresh('eye'), { dataType: lt, dims: [1, C, C], data: lt === DataType.DOUBLE ? Float64Array.from(eye) : Float32Array.from(eye) });
  const batch = b.op('Gather', [b.shape(x), b.constInt64([0], [1])], { axis: 0 }); // [N] as a 1-element vector
  const seedShape = b.op('Concat', [batch, b.constInt64([C, C])], { axis: 0 });
  const seed = b.reshape(b.op('Expand', [eyeT, seedShape]), [-1, C]);

  const grads = addGradients(b, logitsT, [xt], { seed, env });
  const gx = grads.get(xt)!; // [N·C, …sample]
  sinkRepeat(b, x, xt, tileNodes, forwardSet, env, C);
  const want = new Set<JacobianOutput>(opts.outputs ?? JACOBIAN_OUTPUTS);
  const needJ = want.has('jacobian') || want.has('jacobian_logsoftmax');
  const gramViaWeights = !needJ && want.has('jacobian_gram') ? gramThroughLinearInput(b, gx, C) : undefined;
  const jac = gramViaWeights === undefined ? b.reshape(gx, [-1, C, d]) : ''; // [N, C, d]
  const logits = b.op('Gather', [b.reshape(logitsT, [-1, C, C]), b.constInt64([0], [])], { axis: 1 }); // copy 0 of each sample: [N, C]
  const probs = want.has('probs') || want.has('jacobian_logsoftmax') ? b.op('Softmax', [logits], { axis: 1 }) : '';

  const N: Dim = b.inputs[0]!.shape![0]!;
  const et = inputInfo.elemType;
  if (want.has('logits')) b.namedOutput('logits', logits, [N, C], et);
  if (want.has('probs')) b.namedOutput('probs', probs, [N, C], et);
  if (want.has('jacobian')) b.namedOutput('jacobian', jac, [N, C, d], et);
  if (want.has('jacobian_logsoftmax')) {
    const pJ = b.matmul(b.reshape(probs, [0, 1, C]), jac); // [N, 1, d]
    b.namedOutput('jacobian_logsoftmax', b.sub(jac, pJ), [N, C, d], et);
  }
  if (want.has('jacobian_gram')) b.namedOutput('jacobian_gram', gramViaWeights ?? b.matmul(jac, b.transpose(jac, [0, 2, 1])), [N, C, C], et);
  return b;
}
