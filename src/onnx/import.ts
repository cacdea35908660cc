/**
 * Import of externally trained ONNX classifiers ("bring your own model"), e.g. from `torch.onnx.export`.
 *
 * `importClassifier` checks a decoded model (opset, element types, acyclicity), normalises what exporters emit
 * into the small op vocabulary geolens reasons about, and reports what it found: the input, the logits, the
 * probe-able layers, an op census, and the ops geolens cannot handle, each with what to do about it.
 *
 * Pure: no file I/O (see `node.ts` for `loadModelFile`), so it runs unchanged in the browser.
 */
import { GeolensError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { attr, attrInt, attrInts } from './attributes.js';
import { GraphBuilder } from './builder.js';
import { DATA_TYPE_NAMES, DataType, type Attribute, type DataTypeCode, type Dim, type ModelProto, type NodeProto, type ValueInfo } from './proto.js';
import { foldConstantNodes } from './fold.js';
import { inferShapes, knownOps, type ShapeEnv } from './shapes.js';
import { NON_DIFFERENTIABLE_OPS as NON_DIFFERENTIABLE } from './ops.js';
import { int64ArrayFrom, tensorFromProto, type TypedTensor } from './tensors.js';
import { describeCounts, IMPORT_BASE_OPSET, LEGACY_SOFTMAX_OPS, legacySoftmax, upgradeNodes, type UpgradeContext } from './upgrade.js';

/** Lowest ai.onnx opset geolens imports (opsets below 13 are upgraded to 13 on import). */
export const MIN_IMPORT_OPSET = 9;
/** Highest ai.onnx opset onnxruntime-node 1.30 loads (checked: 26 loads, 27 is refused). */
export const MAX_IMPORT_OPSET = 26;
/** The symbolic batch dimension of an imported model's input and logits. */
export const BATCH_DIM = 'N';

const REEXPORT = 'torch.onnx.export(model.eval(), x, path, opset_version=17, dynamic_axes={"input": {0: "batch"}})';

export interface ImportOptions {
  /** Name used in messages (usually the file path). Default 'model'. */
  source?: string;
  /** The input to use when the graph has several. */
  input?: string;
  /** The output holding the logits when the graph has several (default: the first). */
  logits?: string;
  /**
   * The ops that have a gradient rule (pass `GRADIENT_RULES` from the autodiff module, as the probes do): nodes on
   * the input → logits path whose op is not among them are listed in `unsupported` (input-Jacobians and weight
   * gradients cannot pass them). Omitted: gradient support is not checked.
   */
  gradientOps?: GradientOps;
}

/** The set of ops with a gradient rule (a Set of op names, or the rule registry Map). */
export type GradientOps = ReadonlySet<string> | ReadonlyMap<string, unknown>;

export interface ImportedInput {
  name: string;
  /** Batch dimension first, always the symbolic `'N'`; the others are static. */
  shape: Dim[];
  elemType: DataTypeCode;
}

/** A point in the network whose activations can be probed. */
export interface Layer {
  /** The node's name (e.g. `/layer1/relu/Relu`), or the tensor name when the node has none. */
  name: string;
  /** The tensor holding the activations (fetch this from a session). */
  tensor: string;
  /** The op that produces it. */
  op: string;
  /** Its shape, batch first ('N'); empty when shape inference could not reach it. */
  shape: Dim[];
}

/**
 * Why a node is unsupported: `domain` (a custom op), `shape` (an op geolens does not know), `gradient` (no gradient
 * rule: input-Jacobians and weight gradients cannot pass it), `training` (a training-mode node geolens cannot turn
 * into its inference form), `batch` (samples interact: statistics over the batch, so per-sample probes are undefined).
 */
export type UnsupportedKind = 'domain' | 'shape' | 'gradient' | 'training' | 'batch';

export interface UnsupportedOp {
  op: string;
  node: string;
  /** What to do about it. */
  hint: string;
  kind: UnsupportedKind;
}

export interface ImportedModel {
  /** Where the model came from (ImportOptions.source: usually the file path), as named in messages and results. */
  source: string;
  /** The normalised graph: one input, one output (the logits), topologically sorted. */
  graph: GraphBuilder;
  input: ImportedInput;
  /** Name of the logits tensor, shape [N, numClasses]. */
  logits: string;
  numClasses: number;
  /** Probe-able points in forward order (every float activation on the input → logits path). */
  layers: Layer[];
  /** Op census of the normalised graph, keys sorted. */
  ops: Record<string, number>;
  /** Ops geolens cannot infer shapes for or differentiate, one entry per node. Empty for a fully supported model. */
  unsupported: UnsupportedOp[];
  /**
   * What import changed in what the model computes, one line each (e.g. a node exported in training mode, run in
   * inference mode): probes print these and record them in their results. Empty for an ordinary export.
   */
  warnings: string[];
  /** Names of the float initializers (the weights), as the file names them; PyTorch exports use parameter names. */
  params: string[];
  /** The ai.onnx opset of the file (the graph is at `graph.opset`, at least 13: older files are upgraded). */
  opset: number;
  /** The exporter that wrote the file, e.g. 'pytorch 1.13.0'. */
  producer: string;
  /** What normalisation changed, one line each (for `geolens inspect`). */
  changes: string[];
  /** Shapes and element types of the normalised graph. */
  env: ShapeEnv;
}

/** Activation functions: `selectLayers(m, 'auto')` probes their outputs. */
export const NONLINEAR_OPS: ReadonlySet<string> = new Set([
  'Relu',
  'LeakyRelu',
  'PRelu',
  'Elu',
  'Selu',
  'Celu',
  'Gelu',
  'Tanh',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Softplus',
  'Softsign',
  'Mish',
  'ThresholdedRelu',
  'Clip',
]);

/** Element types allowed for initializers: float32 weights and integer/bool constants (shapes, axes, indices). */
const INT_TYPES = new Set<number>([DataType.INT64, DataType.INT32, DataType.BOOL, DataType.UINT8, DataType.INT8]);
const FLOAT_LIKE = new Set<number>([DataType.DOUBLE, DataType.FLOAT16, 16 /* BFLOAT16 */]);

/** Specific advice per op; the generic advice covers the rest. */
const OP_HINTS: Record<string, string> = {
  BatchNormalization: `fold BatchNorm into the preceding Conv: export in eval mode with constant folding, ${REEXPORT} (the default training=TrainingMode.EVAL fuses Conv+BatchNorm).`,
  Dropout: 'export in eval mode (model.eval()) so Dropout is the identity.',
  If: 'remove data-dependent control flow from forward() (export traces one branch with torch.onnx.export).',
  Loop: 'unroll the loop in forward() so the exported graph has no Loop.',
  Scan: 'unroll the recurrence in forward() so the exported graph has no Scan.',
  LSTM: 'replace the recurrent layer — geolens handles feed-forward classifiers.',
  GRU: 'replace the recurrent layer — geolens handles feed-forward classifiers.',
  RNN: 'replace the recurrent layer — geolens handles feed-forward classifiers.',
  QuantizeLinear: 'export the float32 model, not a quantized one.',
  LRN: 'replace nn.LocalResponseNorm by nn.BatchNorm2d (folded at export) or nn.GroupNorm.',
  Attention: 'export with opset_version=17 so attention is decomposed into MatMul/Softmax, or replace the layer.',
  DequantizeLinear: 'export the float32 model, not a quantized one.',
};

function hintFor(n: NodeProto, why: 'shape' | 'grad' | 'domain' | 'training', gradientOps?: GradientOps): string {
  if (why === 'domain') return `custom op from domain '${n.domain}': re-export with standard ONNX ops only (operator_export_type=OperatorExportTypes.ONNX), or replace the layer.`;
  if (why === 'training') return `the node runs in training mode and geolens cannot turn it into its inference form: export with model.eval() and ${REEXPORT}.`;
  const specific = OP_HINTS[n.opType];
  if (specific) return specific;
  if (why === 'shape') return `geolens does not know ${n.opType}: re-export with ${REEXPORT} (some ops are decomposed into supported ones there), or replace the layer with supported ones (Conv, Gemm/MatMul, Relu, pooling, BatchNorm, Add, Flatten/Reshape).`;
  return `geolens has no gradient rule for ${n.opType}, so input-Jacobians and weight gradients cannot pass it: replace the layer with supported ones (supported: ${[...(gradientOps?.keys() ?? [])].sort().join(', ')}).`;
}

function bad(source: string, message: string, details?: Record<string, unknown>): never {
  throw new GeolensError('BAD_MODEL', `${source}: ${message}`, details);
}

function product(ds: readonly number[]): number {
  let p = 1;
  for (const d of ds) p *= d;
  return p;
}

function cloneNode(n: NodeProto): NodeProto {
  return { ...n, inputs: [...n.inputs], outputs: [...n.outputs], attributes: [...n.attributes] };
}

function dtypeName(t: number): string {
  return DATA_TYPE_NAMES[t] ?? (t === 16 ? 'BFLOAT16' : String(t));
}

/** Working state of the normalisation passes. */
interface Work {
  source: string;
  nodes: NodeProto[];
  inits: Map<string, TypedTensor>;
  input: ValueInfo;
  logits: string;
  changes: string[];
  warnings: string[];
  fixedBatch: number | undefined;
}

/** A tensor name used by no node and no initializer of the work graph. */
function freshName(w: Work, prefix: string): string {
  const used = new Set<string>([...w.inits.keys(), w.input.name, ...w.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  let name = prefix;
  for (let k = 1; used.has(name); k++) name = `${prefix}_${k}`;
  return name;
}

function upgradeContext(w: Work): UpgradeContext {
  return { inits: w.inits, fresh: (p) => freshName(w, p), source: w.source };
}

// ------------------------------------------------------------------ checks

function checkOpset(m: ModelProto, source: string): number {
  const main = m.opsetImports.filter((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (main.length === 0) bad(source, `the model declares no ai.onnx opset. Re-export it with ${REEXPORT}.`);
  const v = main[0]!.version;
  if (v < MIN_IMPORT_OPSET || v > MAX_IMPORT_OPSET) {
    throw new GeolensError(
      'BAD_MODEL',
      `${source}: opset ${v} is not supported (geolens imports ai.onnx opsets ${MIN_IMPORT_OPSET}–${MAX_IMPORT_OPSET}, the range onnxruntime-node loads; older ones are upgraded to ${IMPORT_BASE_OPSET}). Re-export with ${REEXPORT}.`,
      { opset: v, min: MIN_IMPORT_OPSET, max: MAX_IMPORT_OPSET },
    );
  }
  return v;
}

function checkTensorType(name: string, dataType: number, source: string, what: string): void {
  if (dataType === DataType.FLOAT || INT_TYPES.has(dataType)) return;
  if (FLOAT_LIKE.has(dataType)) {
    throw new GeolensError(
      'UNSUPPORTED_DTYPE',
      `${source}: ${what} '${name}' is ${dtypeName(dataType)}; geolens imports float32 models only. Convert before exporting (model.float()) and re-export.`,
      { tensor: name, dataType: dtypeName(dataType) },
    );
  }
  throw new GeolensError('UNSUPPORTED_DTYPE', `${source}: ${what} '${name}' has element type ${dtypeName(dataType)}, which geolens does not read; export a float32 model.`, {
    tensor: name,
    dataType: dtypeName(dataType),
  });
}

function decodeInitializers(m: ModelProto, source: string): Map<string, TypedTensor> {
  const inits = new Map<string, TypedTensor>();
  for (const t of m.graph.initializers) {
    if (inits.has(t.name)) bad(source, `initializer '${t.name}' is defined twice; the file is corrupt.`);
    checkTensorType(t.name, t.dataType, source, 'initializer');
    inits.set(t.name, tensorFromProto(t, source));
  }
  return inits;
}

function pickInput(m: ModelProto, inits: Map<string, TypedTensor>, opts: ImportOptions, source: string): ValueInfo {
  const real = m.graph.inputs.filter((v) => !inits.has(v.name));
  let v: ValueInfo | undefined;
  if (opts.input !== undefined) {
    v = real.find((x) => x.name === opts.input);
    if (!v) bad(source, `the graph has no input '${opts.input}' (inputs: ${real.map((x) => x.name).join(', ') || 'none'}).`);
  } else if (real.length === 1) v = real[0]!;
  else if (real.length === 0) bad(source, 'the graph has no input; a classifier needs one (the data batch).');
  else {
    throw new GeolensError('BAD_MODEL', `${source}: the graph has ${real.length} inputs (${real.map((x) => x.name).join(', ')}); geolens imports single-input classifiers. Name the data input with the 'input' option.`, {
      inputs: real.map((x) => x.name),
    });
  }
  if (v.elemType !== DataType.FLOAT) {
    if (FLOAT_LIKE.has(v.elemType)) checkTensorType(v.name, v.elemType, source, 'input');
    throw new GeolensError('UNSUPPORTED_DTYPE', `${source}: input '${v.name}' is ${dtypeName(v.elemType)}; geolens imports classifiers with a float32 input.`);
  }
  if (!v.shape || v.shape.length < 2) {
    bad(source, `input '${v.name}' has ${v.shape ? `rank ${v.shape.length}` : 'no recorded shape'}; geolens needs [batch, features…]. Re-export with a dummy input of the real shape: ${REEXPORT}.`);
  }
  v.shape.slice(1).forEach((d, i) => {
    if (typeof d !== 'number' || d <= 0) {
      throw new GeolensError(
        'BAD_SHAPE',
        `${source}: dimension ${i + 1} of input '${v!.name}' is ${d === null ? 'unknown' : `'${d}'`}; geolens needs every dimension except the batch to be fixed. Re-export with dynamic_axes only on axis 0.`,
        { input: v!.name, dim: i + 1 },
      );
    }
  });
  return v;
}

function pickLogits(m: ModelProto, opts: ImportOptions, source: string, changes: string[]): ValueInfo {
  const outs = m.graph.outputs;
  if (outs.length === 0) bad(source, 'the graph has no output; a classifier must output its logits.');
  let v: ValueInfo | undefined;
  if (opts.logits !== undefined) {
    v = outs.find((o) => o.name === opts.logits);
    if (!v) bad(source, `the graph has no output '${opts.logits}' (outputs: ${outs.map((o) => o.name).join(', ')}).`);
  } else {
    v = outs[0]!;
    if (outs.length > 1) changes.push(`the graph has ${outs.length} outputs; using '${v.name}' as the logits (choose another with the 'logits' option); the others were dropped`);
  }
  if (v.elemType !== DataType.FLOAT && v.elemType !== DataType.UNDEFINED) {
    throw new GeolensError('UNSUPPORTED_DTYPE', `${source}: output '${v.name}' is ${dtypeName(v.elemType)}; the logits must be float32.`);
  }
  return v;
}

/** Every tensor produced once, by one node, and not also an input or initializer. */
function checkSingleAssignment(w: Work, graphInputs: ValueInfo[]): void {
  const producer = new Map<string, string>();
  for (const v of graphInputs) producer.set(v.name, 'a graph input');
  for (const k of w.inits.keys()) producer.set(k, 'an initializer');
  for (const n of w.nodes) {
    for (const o of n.outputs) {
      if (o === '') continue;
      const prev = producer.get(o);
      if (prev !== undefined) bad(w.source, `tensor '${o}' is produced by node '${n.name}' (${n.opType}) and also by ${prev}; the file is corrupt.`, { tensor: o, node: n.name });
      producer.set(o, `node '${n.name}' (${n.opType})`);
    }
  }
}

// ------------------------------------------------------------------ passes

/**
 * Topological sort (stable: an already sorted graph keeps its order). Iterative DFS, so deep graphs do not overflow
 * the stack. A cycle is reported with the nodes on it.
 */
export function topoSort(nodes: NodeProto[], available: ReadonlySet<string>, source = 'model'): NodeProto[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o !== '' && producer.set(o, i)));
  const state = new Uint8Array(nodes.length); // 0 new, 1 on stack, 2 done
  const order: NodeProto[] = [];
  const label = (i: number): string => `'${nodes[i]!.name || nodes[i]!.outputs[0] || `#${i}`}' (${nodes[i]!.opType})`;
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== 0) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [i, k] = top;
      const n = nodes[i]!;
      if (k < n.inputs.length) {
        top[1]++;
        const inp = n.inputs[k]!;
        if (inp === '' || available.has(inp)) continue;
        const p = producer.get(inp);
        if (p === undefined) {
          bad(source, `node ${label(i)} reads '${inp}', which no node, input or initializer provides; the file is corrupt or incomplete.`, { node: n.name, tensor: inp });
        }
        if (state[p] === 1) {
          const from = stack.findIndex(([j]) => j === p);
          const cycle = stack.slice(from).map(([j]) => nodes[j]!.name || nodes[j]!.outputs[0] || `#${j}`);
          throw new GeolensError(
            'BAD_MODEL',
            `${source}: the graph has a cycle through node ${label(p)} (${cycle.map((c) => `'${c}'`).join(' → ')} → '${cycle[0]}'). ONNX graphs must be acyclic; the file is corrupt or was not written by an ONNX exporter.`,
            { node: nodes[p]!.name, cycle },
          );
        }
        if (state[p] === 0) {
          state[p] = 1;
          stack.push([p, 0]);
        }
      } else {
        state[i] = 2;
        order.push(n);
        stack.pop();
      }
    }
  }
  return order;
}

/** Constant nodes become initializers. */
function foldConstants(w: Work, unsupported: UnsupportedOp[]): void {
  const kept: NodeProto[] = [];
  let folded = 0;
  for (const n of w.nodes) {
    if (n.opType !== 'Constant' || (n.domain !== '' && n.domain !== 'ai.onnx')) {
      kept.push(n);
      continue;
    }
    const out = n.outputs[0]!;
    const a = n.attributes[0];
    let t: TypedTensor | undefined;
    if (a && n.attributes.length === 1) {
      if (a.name === 'value' && a.type === 'tensor') {
        checkTensorType(out, a.value.dataType, w.source, 'constant');
        t = tensorFromProto(a.value, w.source);
      } else if (a.name === 'value_float' && a.type === 'float') t = { dataType: DataType.FLOAT, dims: [], data: Float32Array.of(a.value) };
      else if (a.name === 'value_floats' && a.type === 'floats') t = { dataType: DataType.FLOAT, dims: [a.value.length], data: Float32Array.from(a.value) };
      else if (a.name === 'value_int' && a.type === 'int') t = { dataType: DataType.INT64, dims: [], data: int64ArrayFrom([a.value]) };
      else if (a.name === 'value_ints' && a.type === 'ints') t = { dataType: DataType.INT64, dims: [a.value.length], data: int64ArrayFrom(a.value) };
    }
    if (!t) {
      unsupported.push({ op: 'Constant', node: n.name || out, hint: 'a Constant holding strings or a sparse tensor: export dense float32/int64 constants only.', kind: 'shape' });
      kept.push(n);
      continue;
    }
    w.inits.set(out, t);
    folded++;
  }
  w.nodes = kept;
  if (folded) w.changes.push(`folded ${folded} Constant node${folded > 1 ? 's' : ''} into initializers`);
}

function initBools(w: Work, name: string | undefined): boolean[] | undefined {
  if (name === undefined || name === '') return undefined;
  const t = w.inits.get(name);
  if (!t) return undefined;
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v) !== 0);
}

function initInts(w: Work, name: string | undefined): number[] | undefined {
  if (name === undefined || name === '') return undefined;
  const t = w.inits.get(name);
  if (!t || !INT_TYPES.has(t.dataType)) return undefined;
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

function initFloats(w: Work, name: string | undefined): number[] | undefined {
  if (name === undefined || name === '') return undefined;
  const t = w.inits.get(name);
  if (!t || t.dataType !== DataType.FLOAT) return undefined;
  return Array.from(t.data as Float32Array);
}

/** Replace every use of `from` by `to` (node inputs; the logits name). */
function rename(w: Work, from: string, to: string): void {
  for (const n of w.nodes) {
    for (let i = 0; i < n.inputs.length; i++) if (n.inputs[i] === from) n.inputs[i] = to;
    for (let i = 0; i < n.outputs.length; i++) if (n.outputs[i] === from) n.outputs[i] = to;
  }
}

function usesOf(w: Work, t: string): number {
  let k = t === w.logits ? 1 : 0;
  for (const n of w.nodes) for (const i of n.inputs) if (i === t) k++;
  return k;
}

/**
 * Remove a pass-through node (output 0 = input 0). When its output is the logits, the producer of its input is made
 * to write the logits name directly. Returns false when it must stay (its input is the graph input or a weight).
 */
function bypass(w: Work, n: NodeProto): boolean {
  const x = n.inputs[0]!;
  const y = n.outputs[0]!;
  if (y === w.logits) {
    const produced = w.nodes.some((m) => m !== n && m.outputs.includes(x));
    if (!produced || x === w.logits) return false;
    w.nodes = w.nodes.filter((m) => m !== n);
    rename(w, x, y);
    return true;
  }
  w.nodes = w.nodes.filter((m) => m !== n);
  rename(w, y, x);
  return true;
}

/**
 * Identity nodes and inference-mode Dropout are removed. Dropout exported in training mode (training_mode = true)
 * is removed too — in inference mode, what model.eval() runs, it is the identity — with a warning.
 */
function removePassThrough(w: Work, unsupported: UnsupportedOp[]): void {
  let ids = 0;
  let drops = 0;
  for (const n of [...w.nodes]) {
    if (n.domain !== '' && n.domain !== 'ai.onnx') continue;
    if (n.opType === 'Identity') {
      if (bypass(w, n)) ids++;
    } else if (n.opType === 'Dropout') {
      const mode = n.inputs[2];
      const training = mode === undefined || mode === '' ? false : initBools(w, mode)?.[0];
      const maskUsed = n.outputs[1] !== undefined && n.outputs[1] !== '' && usesOf(w, n.outputs[1]) > 0;
      if (training !== undefined && !maskUsed) {
        if (bypass(w, n)) {
          drops++;
          if (training) {
            const ratio = initFloats(w, n.inputs[1])?.[0];
            w.warnings.push(
              `Dropout '${n.name || n.outputs[0]}' was exported in training mode (training_mode=True${ratio !== undefined ? `, ratio ${+ratio.toFixed(4)}` : ''}); geolens runs it in inference mode (the identity), as model.eval() would. Re-export with model.eval() to silence this warning.`,
            );
          }
        }
      } else unsupported.push({ op: 'Dropout', node: n.name || n.outputs[0]!, hint: maskUsed ? "the model reads Dropout's mask: export with model.eval() so Dropout is the identity." : hintFor(n, 'training'), kind: 'training' });
    }
  }
  if (ids) w.changes.push(`removed ${ids} Identity node${ids > 1 ? 's' : ''}`);
  if (drops) w.changes.push(`removed ${drops} Dropout node${drops > 1 ? 's' : ''} (the identity in inference mode)`);
}

/**
 * BatchNormalization exported in training mode (training_mode = 1: it normalises with the statistics of the batch).
 * With its running statistics in the file (mean and var are constants) it becomes the inference form, as
 * model.eval() runs it, with a warning; without them (nn.BatchNorm*(track_running_stats=False): mean and var are
 * computed from the batch, even in eval mode) samples interact, and it is listed as unsupported ('batch').
 */
function inferenceBatchNorm(w: Work, unsupported: UnsupportedOp[]): void {
  for (const n of w.nodes) {
    if (n.opType !== 'BatchNormalization' || !isStd(n)) continue;
    const training = attrInt(n, 'training_mode', 0) === 1;
    const extra = n.outputs.slice(1).filter((o) => o !== '');
    if (!training && extra.length === 0) continue;
    const name = n.name || n.outputs[0]!;
    const statsConst = [3, 4].every((i) => w.inits.get(n.inputs[i] ?? '')?.dataType === DataType.FLOAT);
    if (!statsConst) {
      unsupported.push({ op: 'BatchNormalization', node: name, hint: NO_RUNNING_STATS, kind: 'batch' });
      continue;
    }
    if (extra.some((o) => usesOf(w, o) > 0)) {
      unsupported.push({ op: 'BatchNormalization', node: name, hint: 'the model reads the running statistics BatchNormalization updates in training mode: export with model.eval().', kind: 'training' });
      continue;
    }
    n.attributes = n.attributes.filter((a) => a.name !== 'training_mode');
    n.outputs = [n.outputs[0]!];
    if (training) {
      w.warnings.push(
        `BatchNormalization '${name}' was exported in training mode (training_mode=1: statistics of the batch); geolens runs it in inference mode with the running statistics in the file, as model.eval() would. Re-export with model.eval() to silence this warning.`,
      );
    }
  }
}

const NO_RUNNING_STATS =
  'this BatchNorm has no running statistics (nn.BatchNorm*(track_running_stats=False)): it normalises with the statistics of the batch even in eval mode, so a sample\'s output depends on the other samples and per-sample probes are undefined. Keep the running statistics (track_running_stats=True, the default), train, and export with model.eval(); or replace the layer by a per-sample normalisation (nn.LayerNorm, nn.GroupNorm, nn.InstanceNorm2d).';

/**
 * Zero Pad nodes are removed; a zero-valued constant Pad of the spatial axes feeding one Conv or AveragePool is
 * merged into that node's pads (torch exports AvgPool2d(count_include_pad=True) as Pad + AveragePool).
 */
function foldPads(w: Work, env: ShapeEnv): void {
  let removed = 0;
  let merged = 0;
  for (const n of [...w.nodes]) {
    if (n.opType !== 'Pad' || (n.domain !== '' && n.domain !== 'ai.onnx')) continue;
    const pads = initInts(w, n.inputs[1]);
    if (!pads) continue;
    const modeAttr = attr(n, 'mode');
    const mode = modeAttr && modeAttr.type === 'string' ? modeAttr.value : 'constant';
    if (n.inputs[3] !== undefined && n.inputs[3] !== '') continue; // axes (opset 18+): leave alone
    if (pads.every((p) => p === 0)) {
      if (bypass(w, n)) removed++;
      continue;
    }
    if (mode !== 'constant' || pads.some((p) => p < 0)) continue;
    const value = n.inputs[2] ? initFloats(w, n.inputs[2]) : [0];
    if (!value || value.length !== 1 || value[0] !== 0) continue;
    const rank = pads.length / 2;
    const x = env.info.get(n.inputs[0]!)?.shape;
    if (rank < 3 || (x && x.length !== rank)) continue;
    if (pads[0] !== 0 || pads[1] !== 0 || pads[rank] !== 0 || pads[rank + 1] !== 0) continue;
    const y = n.outputs[0]!;
    if (y === w.logits) continue;
    const consumers = w.nodes.filter((m) => m.inputs.includes(y));
    if (consumers.length !== 1 || usesOf(w, y) !== 1) continue;
    const c = consumers[0]!;
    if (c.inputs[0] !== y || (c.opType !== 'Conv' && c.opType !== 'AveragePool')) continue;
    const ap = attr(c, 'auto_pad');
    if (ap && ap.type === 'string' && ap.value !== 'NOTSET') continue;
    const k = rank - 2;
    const own = attrInts(c, 'pads') ?? Array<number>(2 * k).fill(0);
    if (c.opType === 'AveragePool' && attrInt(c, 'count_include_pad', 0) === 0 && own.some((p) => p !== 0)) continue;
    const sum = Array.from({ length: 2 * k }, (_, i) => own[i]! + pads[i < k ? 2 + i : rank + 2 + (i - k)]!);
    const attrs: Attribute[] = c.attributes.filter((a) => a.name !== 'pads' && a.name !== 'count_include_pad');
    attrs.push({ name: 'pads', type: 'ints', value: sum });
    if (c.opType === 'AveragePool') attrs.push({ name: 'count_include_pad', type: 'int', value: 1 });
    c.attributes = attrs;
    if (bypass(w, n)) merged++;
  }
  if (removed) w.changes.push(`removed ${removed} zero Pad node${removed > 1 ? 's' : ''}`);
  if (merged) w.changes.push(`merged ${merged} Pad node${merged > 1 ? 's' : ''} into the pads of the following Conv/AveragePool`);
}

/** A small integer vector whose entries are known numbers or the batch size. */
type SymVec = (number | typeof BATCH_DIM)[];

/**
 * Fold shape computations on the batch (x.view(x.size(0), -1) exports as Shape → Gather → Unsqueeze → Concat →
 * Reshape) into a Flatten or a constant Reshape, when every dimension except the batch is static. With a fixed
 * batch B, a constant Reshape to [B, …] of a batch tensor becomes [-1, …].
 */
function foldBatchReshapes(w: Work, env: ShapeEnv): void {
  const sym = new Map<string, SymVec>();
  const get = (name: string | undefined): SymVec | undefined => {
    if (name === undefined || name === '') return undefined;
    const s = sym.get(name);
    if (s) return s;
    const c = initInts(w, name);
    return c && c.length <= 64 ? c : undefined;
  };
  const rankOf = (name: string | undefined): number | undefined => (name === undefined ? undefined : env.info.get(name)?.shape?.length);
  let flattens = 0;
  let reshapes = 0;
  for (const n of w.nodes) {
    const out = n.outputs[0];
    if (out === undefined) continue;
    switch (n.opType) {
      case 'Shape': {
        const s = env.info.get(n.inputs[0]!)?.shape;
        if (!s || !s.every((d) => typeof d === 'number' || d === BATCH_DIM)) break;
        const r = s.length;
        const norm = (a: number): number => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
        const st = norm(attrInt(n, 'start', 0));
        const e = attr(n, 'end') ? norm(attrInt(n, 'end', r)) : r;
        sym.set(out, s.slice(st, e) as SymVec);
        break;
      }
      case 'Gather': {
        const d = get(n.inputs[0]);
        const idx = initInts(w, n.inputs[1]);
        if (!d || !idx || attrInt(n, 'axis', 0) !== 0 || rankOf(n.inputs[1]) === undefined) break;
        const picked = idx.map((k) => d[k < 0 ? k + d.length : k]);
        if (picked.every((v) => v !== undefined)) sym.set(out, picked as SymVec);
        break;
      }
      case 'Unsqueeze':
      case 'Squeeze':
      case 'Cast':
      case 'Identity': {
        const d = get(n.inputs[0]);
        if (d) sym.set(out, d);
        break;
      }
      case 'Concat': {
        const parts = n.inputs.map(get);
        if (parts.every((p) => p)) sym.set(out, parts.flatMap((p) => p!));
        break;
      }
      case 'Reshape': {
        const x = env.info.get(n.inputs[0]!)?.shape;
        let target = get(n.inputs[1]);
        if (!target || !x || x[0] !== BATCH_DIM) break;
        const isConst = !sym.has(n.inputs[1]!);
        if (isConst) {
          // constant target: only the fixed-batch case [B, …] needs rewriting
          if (w.fixedBatch === undefined || target[0] !== w.fixedBatch || x[0] !== BATCH_DIM) break;
          target = [BATCH_DIM, ...target.slice(1)];
        }
        if (target[0] !== BATCH_DIM || target.slice(1).some((d) => d === BATCH_DIM)) break;
        const rest = target.slice(1) as number[];
        const allowZero = attrInt(n, 'allowzero', 0) === 1;
        const staticTail = x.slice(1).every((d) => typeof d === 'number');
        const tailSize = staticTail ? product(x.slice(1) as number[]) : undefined;
        if (rest.length === 1 && (rest[0] === -1 || (tailSize !== undefined && rest[0] === tailSize)) && x.length >= 2) {
          n.opType = 'Flatten';
          n.inputs = [n.inputs[0]!];
          n.attributes = [{ name: 'axis', type: 'int', value: 1 }];
          flattens++;
          break;
        }
        let shape: number[];
        if (tailSize !== undefined && !allowZero && rest.filter((d) => d === -1).length === 1) {
          // resolve the -1 now (the tail is static), so the batch is the only unknown: [N, a, -1] → [-1, a, b]
          const resolved = rest.map((d, i) => (d === 0 ? (x[i + 1] as number) : d));
          const known = product(resolved.filter((d) => d !== -1));
          if (known > 0 && tailSize % known === 0) shape = [-1, ...resolved.map((d) => (d === -1 ? tailSize / known : d))];
          else break;
        } else if (!rest.includes(-1) && rest.every((d) => d > 0)) shape = [-1, ...rest];
        else if (!allowZero) shape = [0, ...rest];
        else break;
        const name = `${n.inputs[1]}_folded`;
        let unique = name;
        for (let k = 1; w.inits.has(unique) || w.nodes.some((m) => m.outputs.includes(unique)); k++) unique = `${name}_${k}`;
        w.inits.set(unique, { dataType: DataType.INT64, dims: [shape.length], data: BigInt64Array.from(shape.map((v) => BigInt(v))) });
        n.inputs = [n.inputs[0]!, unique];
        reshapes++;
        break;
      }
      default:
    }
  }
  if (flattens) w.changes.push(`folded ${flattens} batch-dependent Reshape${flattens > 1 ? 's' : ''} (Shape → Gather → Unsqueeze → Concat chains) into Flatten`);
  if (reshapes) w.changes.push(`folded ${reshapes} batch-dependent Reshape target${reshapes > 1 ? 's' : ''} into constants`);
}

/** The axis of `shape` a tensor's batch sits on ('N'), or -1. */
function batchAxis(shape: Dim[] | undefined): number {
  return shape ? shape.indexOf(BATCH_DIM) : -1;
}

/**
 * A constant input of node `n` that carries a batch size where a batch tensor (batch on axis `k`, rank `rx`) is
 * broadcast with it into an output of rank `r`: its index among the inputs and its axis.
 */
function batchSizedConstant(w: Work, n: NodeProto, k: number, rx: number, r: number): { input: number; axis: number; size: number } | undefined {
  const p = k + (r - rx);
  for (let i = 0; i < n.inputs.length; i++) {
    const t = w.inits.get(n.inputs[i] ?? '');
    if (!t || (n.opType === 'Gemm' && i !== 2)) continue; // Gemm: only C broadcasts
    if (n.opType === 'Expand' && i === 1) {
      const v = Array.from(t.data as ArrayLike<number | bigint>, Number);
      const q = p - (r - v.length);
      if (q >= 0 && v[q]! > 1) return { input: i, axis: q, size: v[q]! };
      continue;
    }
    const q = p - (r - t.dims.length);
    if (n.opType === 'MatMul' && q >= t.dims.length - 2) continue; // the matrix axes do not broadcast
    if (q >= 0 && t.dims[q]! > 1) return { input: i, axis: q, size: t.dims[q]! };
  }
  return undefined;
}

/** Whether every slice of `t` along `axis` equals the first one. */
function constantAlong(t: TypedTensor, axis: number): boolean {
  const d = t.data as ArrayLike<number | bigint>;
  const outer = t.dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const len = t.dims[axis]!;
  const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) {
    for (let j = 1; j < len; j++) {
      for (let i = 0; i < inner; i++) if (d[(o * len + j) * inner + i] !== d[o * len * inner + i]) return false;
    }
  }
  return true;
}

function firstSlice(t: TypedTensor, axis: number): TypedTensor {
  const d = t.data;
  const outer = t.dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const len = t.dims[axis]!;
  const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new (d.constructor as new (n: number) => typeof d)(outer * inner);
  for (let o = 0; o < outer; o++) (out as Float32Array).set((d as Float32Array).subarray(o * len * inner, o * len * inner + inner), o * inner);
  return { dataType: t.dataType, dims: t.dims.map((x, i) => (i === axis ? 1 : x)), data: out };
}

/**
 * Find the first node where a tensor that depends on the input loses the symbolic batch 'N' (shape inference gives
 * a static shape while an input carried 'N'). Either a constant there carries a batch size (a fixed-batch export:
 * `torch.zeros(4, 8)` as a bias, a Gemm C of [4, 8], an Expand to [4, …]) — folded when it is the same for every
 * sample (returns true; run the analysis again), else a BAD_MODEL error naming it — or the node reduces over the
 * batch (samples interact): listed as unsupported ('batch').
 */
function foldBatchSizedConstants(w: Work, env: ShapeEnv, unsupported: UnsupportedOp[]): boolean {
  const dep = new Set<string>([w.input.name]);
  for (const n of w.nodes) {
    if (NON_DIFFERENTIABLE.has(n.opType) || !n.inputs.some((i) => dep.has(i))) continue;
    for (const o of n.outputs) if (o !== '') dep.add(o);
    const batchIn = n.inputs.find((i) => dep.has(i) && batchAxis(env.info.get(i)?.shape) >= 0);
    const out = env.info.get(n.outputs[0]!);
    if (batchIn === undefined || !out?.shape || out.elemType !== DataType.FLOAT || !out.shape.every((d) => typeof d === 'number')) continue;
    const xs = env.info.get(batchIn)!.shape!;
    const name = n.name || n.outputs[0]!;
    const c = batchSizedConstant(w, n, batchAxis(xs), xs.length, out.shape.length);
    if (c) {
      const cname = n.inputs[c.input]!;
      const t = w.inits.get(cname)!;
      if (n.opType === 'Expand') {
        const v = Array.from(t.data as ArrayLike<number | bigint>, Number).map((d, i) => (i === c.axis ? 1 : d));
        const folded = freshName(w, `${cname}_batch1`);
        w.inits.set(folded, { dataType: DataType.INT64, dims: [v.length], data: int64ArrayFrom(v) });
        n.inputs[c.input] = folded;
        w.changes.push(`Expand '${name}' expanded to the export batch size ${c.size} (shape '${cname}'); it now broadcasts over any batch`);
        return true;
      }
      if (constantAlong(t, c.axis)) {
        const folded = freshName(w, `${cname}_batch1`);
        w.inits.set(folded, firstSlice(t, c.axis));
        n.inputs[c.input] = folded;
        const zero = Array.from(t.data as ArrayLike<number | bigint>).every((v) => Number(v) === 0);
        w.changes.push(
          `the constant '${cname}' [${t.dims.join(', ')}] of ${n.opType} '${name}' carried the export batch size ${c.size} and is the same for every sample${zero ? ' (all zero)' : ''}; folded to [${t.dims.map((d, i) => (i === c.axis ? 1 : d)).join(', ')}], which broadcasts over any batch`,
        );
        return true;
      }
      throw new GeolensError(
        'BAD_MODEL',
        `${w.source}: the constant '${cname}' [${t.dims.join(', ')}] of ${n.opType} '${name}' has the export batch size ${c.size} on axis ${c.axis} and differs between samples, so the model only runs on batches of exactly ${c.size}. ` +
          `Re-export with a dynamic batch, ${REEXPORT}, and build that tensor per sample in forward() (shape [1, …], or from x.shape[0]).`,
        { constant: cname, node: name, batch: c.size },
      );
    }
    if (!unsupported.some((u) => u.node === name)) {
      const feedsBn = w.nodes.find((m) => m.opType === 'BatchNormalization' && [3, 4].some((i) => reaches(w, n.outputs[0]!, m.inputs[i] ?? '')));
      unsupported.push({
        op: n.opType,
        node: name,
        kind: 'batch',
        hint:
          `it removes the batch axis ([${xs.join(', ')}] → [${out.shape.join(', ')}]): a statistic over the batch, so a sample's output depends on the other samples and per-sample probes are undefined` +
          (feedsBn ? ` (it computes the batch statistics of BatchNormalization '${feedsBn.name || feedsBn.outputs[0]}': see there).` : `. Remove the batch statistic from forward(), or export with model.eval() if it is a training-mode layer.`),
      });
    }
  }
  return false;
}

/** Whether tensor `to` depends on tensor `from` (forward reachability over the work graph). */
function reaches(w: Work, from: string, to: string): boolean {
  if (from === to) return true;
  const seen = new Set([from]);
  for (const n of w.nodes) if (n.inputs.some((i) => seen.has(i))) for (const o of n.outputs) seen.add(o);
  return seen.has(to);
}

/** Keep only the nodes the logits depend on, and the initializers they read. */
function removeDead(w: Work): void {
  const needed = new Set([w.logits]);
  const keep: boolean[] = Array(w.nodes.length).fill(false);
  for (let i = w.nodes.length - 1; i >= 0; i--) {
    const n = w.nodes[i]!;
    if (n.outputs.some((o) => needed.has(o))) {
      keep[i] = true;
      for (const x of n.inputs) if (x !== '') needed.add(x);
      for (const a of n.attributes) if (a.type === 'graph') for (const s of subgraphReads(a.value.nodes)) needed.add(s);
    }
  }
  const before = w.nodes.length;
  w.nodes = w.nodes.filter((_, i) => keep[i]);
  const dead = before - w.nodes.length;
  if (dead) w.changes.push(`removed ${dead} node${dead > 1 ? 's' : ''} that do not contribute to the logits`);
  for (const k of [...w.inits.keys()]) if (!needed.has(k)) w.inits.delete(k);
}

function subgraphReads(nodes: NodeProto[]): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    out.push(...n.inputs);
    for (const a of n.attributes) if (a.type === 'graph') out.push(...subgraphReads(a.value.nodes));
  }
  return out;
}

/** When the model ends in Softmax/LogSoftmax over the classes, the logits are that node's input. */
function unwrapSoftmax(w: Work): void {
  for (;;) {
    const p = w.nodes.find((n) => n.outputs[0] === w.logits);
    if (!p || (p.opType !== 'Softmax' && p.opType !== 'LogSoftmax')) return;
    const axis = attrInt(p, 'axis', -1);
    if (axis !== -1 && axis !== 1) return;
    const x = p.inputs[0]!;
    if (w.inits.has(x) || x === w.input.name) return;
    w.changes.push(`the model ends in ${p.opType}; its input '${x}' is used as the logits`);
    w.nodes = w.nodes.filter((n) => n !== p);
    rename(w, x, w.logits);
  }
}

// ------------------------------------------------------------------ analysis

function isStd(n: NodeProto): boolean {
  return n.domain === '' || n.domain === 'ai.onnx';
}

/**
 * Shape inference that tolerates ops it does not know: nodes after an unknown op (in data flow) are skipped and their
 * tensors stay without shape.
 */
function inferShapesTolerant(b: GraphBuilder): ShapeEnv {
  const known = new Set(knownOps());
  const ok = new Set<string>([...b.inputs.map((v) => v.name), ...b.initializers.keys(), '']);
  const sub: NodeProto[] = [];
  for (const n of b.nodes) {
    if (isStd(n) && known.has(n.opType) && n.inputs.every((i) => ok.has(i))) {
      sub.push(n);
      for (const o of n.outputs) ok.add(o);
    }
  }
  if (sub.length === b.nodes.length) return inferShapes(b);
  const t = b.clone();
  t.nodes.length = 0;
  t.nodes.push(...sub);
  return inferShapes(t);
}

function builderFrom(w: Work, m: ModelProto, opset: number, outShape: Dim[] | undefined): GraphBuilder {
  const shell: ModelProto = {
    irVersion: m.irVersion,
    opsetImports: [{ domain: '', version: opset }, ...m.opsetImports.filter((o) => o.domain !== '' && o.domain !== 'ai.onnx')],
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    graph: {
      name: m.graph.name || 'imported',
      nodes: w.nodes,
      initializers: [],
      inputs: [w.input],
      outputs: [outShape ? { name: w.logits, elemType: DataType.FLOAT, shape: outShape } : { name: w.logits, elemType: DataType.FLOAT }],
      valueInfo: [],
    },
    metadata: {},
  };
  const b = GraphBuilder.fromModel(shell, w.source);
  for (const [k, t] of w.inits) {
    if (!b.has(k)) b.reserve(k);
    b.initializers.set(k, t);
  }
  return b;
}

function findUnsupported(w: Work, env: ShapeEnv, known: Set<string>, out: UnsupportedOp[], gradientOps: GradientOps | undefined): void {
  const listed = new Set(out.map((u) => u.node + '\u0000' + u.op));
  const push = (n: NodeProto, why: 'shape' | 'grad' | 'domain' | 'training'): void => {
    const node = n.name || n.outputs[0] || '';
    const key = node + '\u0000' + n.opType;
    if (listed.has(key)) return;
    listed.add(key);
    const kind: UnsupportedKind = why === 'grad' ? 'gradient' : why;
    out.push({ op: n.domain && !isStd(n) ? `${n.domain}.${n.opType}` : n.opType, node, hint: hintFor(n, why, gradientOps), kind });
  };
  // tensors that depend on the input or a float weight (forward), and that the logits depend on (backward)
  const dep = new Set<string>([w.input.name]);
  for (const [k, t] of w.inits) if (t.dataType === DataType.FLOAT) dep.add(k);
  for (const n of w.nodes) if (!NON_DIFFERENTIABLE.has(n.opType) && n.inputs.some((i) => dep.has(i))) for (const o of n.outputs) dep.add(o);
  const need = new Set([w.logits]);
  for (let i = w.nodes.length - 1; i >= 0; i--) {
    const n = w.nodes[i]!;
    if (n.outputs.some((o) => need.has(o))) for (const x of n.inputs) need.add(x);
  }
  for (const n of w.nodes) {
    if (!isStd(n)) {
      push(n, 'domain');
      continue;
    }
    if (!known.has(n.opType)) {
      push(n, 'shape');
      continue;
    }
    if (!gradientOps || NON_DIFFERENTIABLE.has(n.opType) || gradientOps.has(n.opType)) continue;
    const floatOut = n.outputs.some((o) => {
      const t = env.info.get(o)?.elemType;
      return t === undefined || t === DataType.FLOAT;
    });
    const onPath = n.inputs.some((i) => dep.has(i)) && n.outputs.some((o) => need.has(o));
    if (floatOut && onPath) push(n, 'grad');
  }
}

function layersOf(w: Work, env: ShapeEnv): Layer[] {
  const dep = new Set<string>([w.input.name]);
  const layers: Layer[] = [];
  const names = new Map<string, number>();
  for (const n of w.nodes) names.set(n.name, (names.get(n.name) ?? 0) + 1);
  for (const n of w.nodes) {
    if (NON_DIFFERENTIABLE.has(n.opType) || !n.inputs.some((i) => dep.has(i))) continue;
    for (const o of n.outputs) if (o !== '') dep.add(o);
    const t = n.outputs[0]!;
    const info = env.info.get(t);
    if (info && info.elemType !== DataType.FLOAT) continue;
    const shape = info?.shape;
    if (shape && (shape.length === 0 || shape[0] !== BATCH_DIM)) continue;
    const name = n.name && names.get(n.name) === 1 ? n.name : t;
    layers.push({ name, tensor: t, op: n.opType, shape: shape ? [...shape] : [] });
  }
  return layers;
}

// ------------------------------------------------------------------ public API

/**
 * Import a classifier from a decoded ONNX model (e.g. `loadModelFile(path)` or `decodeModel(bytes)`).
 *
 * Normalisation: topological sort; Constant nodes folded into initializers; Identity and inference Dropout removed;
 * zero Pad removed or merged into the next Conv/AveragePool; batch-dependent flatten chains folded to Flatten or a
 * constant Reshape; a final Softmax/LogSoftmax stripped so the output is the logits; nodes that do not reach the logits
 * removed. Gemm (any transA/transB) and inference BatchNormalization are kept as they are. The input's batch dimension
 * (symbolic or fixed) becomes the symbolic 'N'.
 *
 * Throws GeolensError: BAD_MODEL (opset outside 13–26, cycles, dangling tensors, several inputs), UNSUPPORTED_DTYPE
 * (anything but float32 weights and input), BAD_SHAPE (a non-batch input dimension that is not static), BAD_FILE
 * (tensor data that does not match its shape). Ops geolens cannot handle do not throw: they are listed in
 * `unsupported` with what to do.
 */
export function importClassifier(model: ModelProto, opts: ImportOptions = {}): ImportedModel {
  const source = opts.source ?? 'model';
  const fileOpset = checkOpset(model, source);
  let opset = fileOpset;
  const changes: string[] = [];
  const warnings: string[] = [];
  const unsupported: UnsupportedOp[] = [];
  const inits = decodeInitializers(model, source);
  const input0 = pickInput(model, inits, opts, source);
  const logitsInfo = pickLogits(model, opts, source, changes);
  const w: Work = {
    source,
    nodes: model.graph.nodes.map(cloneNode),
    inits,
    input: { name: input0.name, elemType: DataType.FLOAT, shape: [...input0.shape!] },
    logits: logitsInfo.name,
    changes,
    warnings,
    fixedBatch: undefined,
  };
  checkSingleAssignment(
    w,
    model.graph.inputs.filter((v) => !inits.has(v.name)),
  );
  if (inits.has(w.logits) || w.logits === w.input.name) bad(source, `the output '${w.logits}' is not computed by the graph.`);
  if (!w.nodes.some((n) => n.outputs.includes(w.logits))) bad(source, `no node produces the output '${w.logits}'; the file is corrupt.`);

  // batch dimension → 'N'
  const b0 = w.input.shape![0]!;
  if (typeof b0 === 'number') {
    w.fixedBatch = b0;
    changes.push(`the input's batch dimension was fixed at ${b0}; it is now the symbolic '${BATCH_DIM}'`);
  } else if (b0 !== BATCH_DIM) changes.push(`the input's batch dimension '${b0 ?? '?'}' was renamed '${BATCH_DIM}'`);
  w.input.shape![0] = BATCH_DIM;

  const available = new Set<string>([w.input.name, ...inits.keys(), ...model.graph.inputs.map((v) => v.name)]);
  const sorted = topoSort(w.nodes, available, source);
  if (sorted.some((n, i) => n !== w.nodes[i])) changes.push('sorted the nodes topologically');
  w.nodes = sorted;

  foldConstants(w, unsupported);
  const legacy = opset < IMPORT_BASE_OPSET;
  if (legacy) {
    const counts = upgradeNodes(w.nodes, opset, IMPORT_BASE_OPSET, upgradeContext(w));
    changes.push(`upgraded from opset ${opset} to ${IMPORT_BASE_OPSET}${Object.keys(counts).length ? ` (${describeCounts(counts)})` : ''}`);
    opset = IMPORT_BASE_OPSET;
  }
  removePassThrough(w, unsupported);
  inferenceBatchNorm(w, unsupported);
  const cf = foldConstantNodes(w.nodes, w.inits);
  if (cf.folded) {
    w.nodes = cf.nodes;
    changes.push(`folded ${cf.folded} node${cf.folded > 1 ? 's' : ''} computing constants (shapes, pads, axes) into initializers`);
  }
  unwrapSoftmax(w);
  removeDead(w);
  const produced = new Set(w.nodes.flatMap((n) => n.outputs));
  const readsOtherInput = w.nodes.find((n) => n.inputs.some((i) => i !== '' && i !== w.input.name && !w.inits.has(i) && !produced.has(i)));
  if (readsOtherInput) {
    bad(source, `node '${readsOtherInput.name}' (${readsOtherInput.opType}) reads another graph input besides '${w.input.name}'; geolens imports single-input classifiers.`);
  }

  // shape-dependent rewrites
  let b = builderFrom(w, model, opset, undefined);
  let env = inferShapesTolerant(b);
  if (legacy && w.nodes.some((n) => isStd(n) && LEGACY_SOFTMAX_OPS.has(n.opType))) {
    const r = legacySoftmax(w.nodes, (t) => env.info.get(t)?.shape?.length, (t) => env.info.get(t)?.shape, upgradeContext(w));
    w.nodes = r.nodes;
    if (r.rewritten) changes.push(`rewrote ${r.rewritten} Softmax-like node${r.rewritten > 1 ? 's' : ''} that normalised over several axes (opset < 13) as Flatten → Softmax → Reshape`);
    b = builderFrom(w, model, opset, undefined);
    env = inferShapesTolerant(b);
  }
  foldPads(w, env);
  b = builderFrom(w, model, opset, undefined);
  env = inferShapesTolerant(b);
  foldBatchReshapes(w, env);
  removeDead(w);
  b = builderFrom(w, model, opset, undefined);
  env = inferShapesTolerant(b);
  for (let guard = 0; guard < 64 && foldBatchSizedConstants(w, env, unsupported); guard++) {
    removeDead(w);
    b = builderFrom(w, model, opset, undefined);
    env = inferShapesTolerant(b);
  }

  // logits shape
  let numClasses: number | undefined;
  const ls = env.info.get(w.logits)?.shape;
  if (ls) {
    if (ls.length !== 2) bad(source, `the logits '${w.logits}' have shape [${ls.join(', ')}]; geolens needs [batch, classes]. Flatten the output in forward() and re-export.`, { shape: ls });
    if (typeof ls[1] === 'number') numClasses = ls[1];
  }
  if (numClasses === undefined && logitsInfo.shape && logitsInfo.shape.length === 2 && typeof logitsInfo.shape[1] === 'number') numClasses = logitsInfo.shape[1];
  if (numClasses === undefined || numClasses < 1) {
    bad(source, `cannot tell the number of classes: the shape of '${w.logits}' is unknown${unsupportedCount(w) ? ' (an unsupported op blocks shape inference)' : ''}. Re-export with ${REEXPORT}.`);
  }
  b = builderFrom(w, model, opset, [BATCH_DIM, numClasses]);

  findUnsupported(w, env, new Set(knownOps()), unsupported, opts.gradientOps);
  const ops: Record<string, number> = {};
  for (const n of [...w.nodes].sort((x, y) => (x.opType < y.opType ? -1 : x.opType > y.opType ? 1 : 0))) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
  const fileInits = new Set(model.graph.initializers.map((i) => i.name));
  const params = [...w.inits].filter(([k, t]) => t.dataType === DataType.FLOAT && fileInits.has(k)).map(([k]) => k);
  return {
    source,
    graph: b,
    input: { name: w.input.name, shape: [...w.input.shape!], elemType: DataType.FLOAT },
    logits: w.logits,
    numClasses,
    layers: layersOf(w, env),
    ops,
    unsupported,
    warnings,
    params,
    opset: fileOpset,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    changes,
    env,
  };
}

function unsupportedCount(w: Work): number {
  const known = new Set(knownOps());
  return w.nodes.filter((n) => !isStd(n) || !known.has(n.opType)).length;
}

/** Which layers to probe: 'auto', tensor (or layer) names, or every layer of one op type (case-insensitive). */
export type LayerSpec = 'auto' | string[] | { op: string };

/**
 * Select probe points. 'auto': the output of each nonlinearity (Relu, LeakyRelu, Tanh, Sigmoid, …) plus the logits.
 * `string[]`: the layers with these tensor names (or layer names), in the order given. `{op}`: every layer of that op
 * type, e.g. `{op: 'relu'}`. Throws BAD_ARGUMENT, listing what exists, when nothing matches.
 */
export function selectLayers(imported: ImportedModel, spec: LayerSpec): Layer[] {
  const { layers } = imported;
  if (spec === 'auto') {
    const sel = layers.filter((l) => NONLINEAR_OPS.has(l.op));
    const logits = layers.find((l) => l.tensor === imported.logits);
    if (logits && !sel.includes(logits)) sel.push(logits);
    return sel;
  }
  if (Array.isArray(spec)) {
    return spec.map((s) => {
      const l = layers.find((x) => x.tensor === s) ?? layers.find((x) => x.name === s);
      if (!l) {
        const list = layers.slice(0, 30).map((x) => x.tensor);
        throw new GeolensError('BAD_ARGUMENT', `no probe-able layer '${s}'. Layers: ${list.join(', ')}${layers.length > 30 ? `, … (${layers.length} in all; see geolens inspect)` : ''}.`, { layer: s });
      }
      return l;
    });
  }
  const op = spec.op.toLowerCase();
  const sel = layers.filter((l) => l.op.toLowerCase() === op);
  if (sel.length === 0) {
    const present = [...new Set(layers.map((l) => l.op))].sort();
    throw new GeolensError('BAD_ARGUMENT', `no layer with op '${spec.op}'. Ops with probe-able outputs: ${present.join(', ')}.`, { op: spec.op });
  }
  return sel;
}

/**
 * Parse a command-line layer spec: 'auto'; an op name such as 'relu' (when no layer has that name); or a
 * comma-separated list of tensor/layer names.
 */
export function parseLayerSpec(text: string, imported: ImportedModel): LayerSpec {
  const t = text.trim();
  if (t === '' || t === 'auto') return 'auto';
  const named = (s: string): boolean => imported.layers.some((l) => l.tensor === s || l.name === s);
  if (!t.includes(',') && !named(t) && imported.layers.some((l) => l.op.toLowerCase() === t.toLowerCase())) return { op: t };
  return t.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The weights of a model under PyTorch's names, with what was renamed and what could not be recovered. */
export interface WeightExport {
  /** By name: the file's name, or the PyTorch `state_dict` name recovered for a tensor the exporter renamed. */
  weights: Record<string, Tensor<Float32Array>>;
  /** Tensors the exporter renamed (`onnx::MatMul_13`), under the name recovered from their node (`fc.weight`). */
  recovered: { file: string; name: string; transposed: boolean }[];
  /** Renamed tensors kept under their file name, with why no PyTorch name could be recovered. */
  unrecovered: { file: string; shape: number[]; reason: string }[];
}

/** A name torch.onnx.export gave a tensor it created (`onnx::MatMul_13`), not a `state_dict` name. */
const EXPORTER_NAME = /^onnx::|^\d+$/;

/**
 * The module path of a node from torch's scoped node name: `/fc/MatMul` → `fc`, `/layer1/layer1.0/conv1/Conv` →
 * `layer1.0.conv1` (torch ≥ 1.13 writes each scope's full dotted name), `/0/Gemm` → `0`. Undefined when the node
 * carries no scope.
 */
export function modulePath(nodeName: string): string | undefined {
  if (!nodeName.startsWith('/')) return undefined;
  const segs = nodeName.slice(1).split('/').slice(0, -1);
  let path = '';
  for (const seg of segs) {
    if (seg === '') continue;
    path = path && (seg === path || seg.startsWith(path + '.')) ? seg : path ? `${path}.${seg}` : seg;
  }
  return path || undefined;
}

function transpose2(t: TypedTensor): Tensor<Float32Array> {
  const [r, c] = t.dims as [number, number];
  const d = t.data as Float32Array;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = d[i * c + j]!;
  return { data: out, shape: [c, r] };
}

/**
 * The weights (float initializers) under PyTorch's names: the file's names where they are `state_dict` names
 * (`fc1.weight`); for tensors the exporter renamed, the name recovered from the node that reads them — a Linear
 * exported as MatMul with a transposed `onnx::MatMul_13` [in, out] becomes `fc.weight` [out, in] again, a Gemm's
 * B/C `<module>.weight`/`.bias` (transposed back when transB = 0), an Add's bias after a MatMul `<module>.bias`.
 * Tensors that have no PyTorch counterpart (Conv weights with BatchNorm fused into them at export, constants) or no
 * scope to recover a name from are kept under their file name and listed in `unrecovered` with the reason.
 */
export function weightExport(imported: ImportedModel): WeightExport {
  const g = imported.graph;
  const weights: Record<string, Tensor<Float32Array>> = {};
  const recovered: WeightExport['recovered'] = [];
  const unrecovered: WeightExport['unrecovered'] = [];
  const taken = new Set(imported.params.filter((p) => !EXPORTER_NAME.test(p)));
  const readers = (t: string): NodeProto[] => g.nodes.filter((n) => n.inputs.includes(t));
  const producerOf = (t: string): NodeProto | undefined => g.nodes.find((n) => n.outputs.includes(t));
  for (const name of imported.params) {
    const t = g.initializers.get(name);
    if (!t || !(t.data instanceof Float32Array)) continue;
    const keep = (reason?: string): void => {
      weights[name] = { data: t.data as Float32Array, shape: [...t.dims] };
      if (reason) unrecovered.push({ file: name, shape: [...t.dims], reason });
    };
    if (!EXPORTER_NAME.test(name)) {
      keep();
      continue;
    }
    const rs = readers(name);
    const n = rs[0];
    const path = n && rs.length === 1 ? modulePath(n.name) : undefined;
    let target: { name: string; transposed: boolean } | undefined;
    let reason = 'renamed by the exporter, and the node that reads it carries no module scope to recover the name from';
    if (rs.length > 1) reason = `read by ${rs.length} nodes; a PyTorch parameter is read by one layer`;
    else if (n && path) {
      const i = n.inputs.indexOf(name);
      if (n.opType === 'MatMul' && i === 1 && t.dims.length === 2) target = { name: `${path}.weight`, transposed: true };
      else if (n.opType === 'Gemm' && i === 1 && t.dims.length === 2) target = { name: `${path}.weight`, transposed: attrInt(n, 'transB', 0) === 0 };
      else if (n.opType === 'Gemm' && i === 2) target = { name: `${path}.bias`, transposed: false };
      else if (n.opType === 'Add' && t.dims.length === 1 && producerOf(n.inputs[1 - i]!)?.opType === 'MatMul') target = { name: `${path}.bias`, transposed: false };
      else if (n.opType === 'Conv' || n.opType === 'ConvTranspose') {
        reason = `the ${i === 1 ? 'weight' : 'bias'} of ${n.opType} '${n.name}' with a BatchNorm fused into it at export (torch's default, training=TrainingMode.EVAL): these values are ${path}.${i === 1 ? 'weight' : 'bias'} combined with the BatchNorm's statistics and have no PyTorch counterpart; export with training=torch.onnx.TrainingMode.PRESERVE to keep both`;
      } else reason = `an exporter constant read by ${n.opType} '${n.name}', not a layer's parameter`;
    }
    if (target && taken.has(target.name)) {
      reason = `recovered as '${target.name}', but the file already has a tensor of that name`;
      target = undefined;
    }
    if (!target) {
      keep(reason);
      continue;
    }
    taken.add(target.name);
    weights[target.name] = target.transposed ? transpose2(t) : { data: t.data, shape: [...t.dims] };
    recovered.push({ file: name, name: target.name, transposed: target.transposed });
  }
  return { weights, recovered, unrecovered };
}

/**
 * The weights under PyTorch's names (see {@link weightExport}, which also says what was renamed and what could not
 * be recovered). Ready for a safetensors writer. Tensors are shared with the graph unless transposed.
 */
export function exportWeights(imported: ImportedModel): Record<string, Tensor<Float32Array>> {
  return weightExport(imported).weights;
}
