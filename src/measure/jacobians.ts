/**
 * Running batched input-Jacobian graphs (built by `buildInputJacobian` in autodiff) on an engine: Jacobians, softmax
 * probabilities and J Jᵀ at many points in batches.
 */
import { buildInputJacobian, type InputJacobianOptions, type JacobianOutput } from '../autodiff/jacobian.js';
import type { CompiledGraph, Engine, ProgressFn, RunTensor } from '../engine/engine.js';
import { GeolensError } from '../errors.js';
import type { GraphBuilder } from '../onnx/builder.js';
import { DataType } from '../onnx/proto.js';
import { numel, type FloatArray, type Tensor } from '../tensor.js';

function bad(message: string): never {
  throw new GeolensError('BAD_ARGUMENT', message);
}

export interface InputJacobianRunOptions extends InputJacobianOptions {
  /**
   * Samples per run (each run evaluates C·batchSize tiled rows). Default: about 2^20 Jacobian entries per run,
   * between 1 and 64 samples.
   */
  batchSize?: number;
  onProgress?: ProgressFn;
}

/** Compiled Jacobian graphs per engine and forward graph (rebuilding and hashing a large graph costs milliseconds). */
const compiled = new WeakMap<Engine, WeakMap<GraphBuilder, Map<string, { version: string; graph: Promise<{ g: GraphBuilder; session: CompiledGraph }> }>>>();

function compiledJacobian(engine: Engine, forward: GraphBuilder, opts: InputJacobianOptions): Promise<{ g: GraphBuilder; session: CompiledGraph }> {
  const perEngine = compiled.get(engine) ?? new WeakMap();
  compiled.set(engine, perEngine);
  const perForward = perEngine.get(forward) ?? new Map();
  perEngine.set(forward, perForward);
  const outputs = [...new Set(opts.outputs ?? [])].sort();
  const key = `${opts.input}\u0000${opts.logits}\u0000${opts.numClasses}\u0000${outputs.join(',')}`;
  // a cheap guard against a forward graph changed in place after the first call
  const version = `${forward.nodes.length}/${forward.initializers.size}/${forward.inputs.length}`;
  const hit = perForward.get(key);
  if (hit && hit.version === version) return hit.graph;
  const graph = (async () => {
    const g = buildInputJacobian(forward, { input: opts.input, logits: opts.logits, numClasses: opts.numClasses, ...(outputs.length ? { outputs } : {}) });
    // large batches: onnxruntime's memory pattern would keep a second block as large as the intermediates
    return { g, session: await engine.load(g, { memoryPattern: false }) };
  })();
  perForward.set(key, { version, graph });
  graph.catch(() => perForward.delete(key));
  return graph;
}

/**
 * Runs a Jacobian graph built with only the named outputs (onnxruntime computes every output of a graph, fetched
 * or not) and returns them.
 */
export async function inputJacobianOutputs<K extends JacobianOutput>(engine: Engine, forward: GraphBuilder, opts: InputJacobianRunOptions, x: Tensor, outputs: readonly K[]): Promise<Record<K, Tensor>> {
  const { g, session } = await compiledJacobian(engine, forward, { ...opts, outputs });
  const info = g.inputs[0]!;
  const sample = info.shape!.slice(1) as number[];
  const C = opts.numClasses;
  const d = numel(sample);
  if (x.shape.length !== sample.length + 1 || sample.some((s, i) => x.shape[i + 1] !== s)) {
    throw new GeolensError('BAD_SHAPE', `inputJacobian: x has shape [${x.shape.join(', ')}] but the model expects [N, ${sample.join(', ')}].`);
  }
  const wantF64 = info.elemType === DataType.DOUBLE;
  if (wantF64 !== x.data instanceof Float64Array) {
    throw new GeolensError('UNSUPPORTED_DTYPE', `inputJacobian: the model takes ${wantF64 ? 'float64' : 'float32'} input but x is ${x.data instanceof Float64Array ? 'float64' : 'float32'}; convert x.`);
  }
  const n = x.shape[0]!;
  const shapes: Record<JacobianOutput, number[]> = { logits: [0, C], probs: [0, C], jacobian: [0, C, d], jacobian_logsoftmax: [0, C, d], jacobian_gram: [0, C, C] };
  const out = {} as Record<K, Tensor>;
  if (n === 0) {
    const Ctor = x.data.constructor as new (len: number) => FloatArray;
    for (const k of outputs) out[k] = { data: new Ctor(0), shape: shapes[k] };
    return out;
  }
  const batchSize = opts.batchSize ?? Math.max(1, Math.min(64, Math.floor(2 ** 20 / (C * d))));
  if (!Number.isInteger(batchSize) || batchSize < 1) bad(`inputJacobian: batchSize must be a positive integer (got ${batchSize}).`);
  const r = await session.runBatched({ [opts.input]: x as RunTensor }, [opts.input], batchSize, outputs, opts.onProgress);
  for (const k of outputs) out[k] = { data: r[k]!.data as FloatArray, shape: r[k]!.shape };
  return out;
}

export interface InputJacobianResult {
  /** [N, C] */
  logits: Tensor;
  /** [N, C], softmax of the logits */
  probs: Tensor;
  /** [N, C, d], ∂logits/∂x (x flattened per sample) */
  jacobian: Tensor;
  /** [N, C, d], ∂log softmax/∂x */
  jacobianLogSoftmax: Tensor;
}

/**
 * Input Jacobians of a classifier at the samples `x` ([N, …sampleShape], the dtype of the forward input), computed
 * in batches (the compiled graph is cached by the engine).
 */
export async function inputJacobian(engine: Engine, forward: GraphBuilder, opts: InputJacobianRunOptions, x: Tensor): Promise<InputJacobianResult> {
  const r = await inputJacobianOutputs(engine, forward, opts, x, ['logits', 'probs', 'jacobian', 'jacobian_logsoftmax']);
  return { logits: r.logits, probs: r.probs, jacobian: r.jacobian, jacobianLogSoftmax: r.jacobian_logsoftmax };
}
