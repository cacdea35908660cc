/**
 * A typed, deterministic ONNX graph builder. Graphs geolens builds (models, gradients, training steps, Jacobians)
 * and graphs it imports are held in this one mutable form; `toModel()` freezes it into a ModelProto.
 * Names are generated from counters, so the same calls give byte-identical ONNX.
 */
import { GeolensError } from '../errors.js';
import type { FloatArray, Tensor } from '../tensor.js';
import { DataType, encodeModel, type Attribute, type DataTypeCode, type Dim, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfo } from './proto.js';
import { int64ArrayFrom, tensorFromProto, tensorToProto, type AnyArray, type TypedTensor } from './tensors.js';
import { inferShapes, type ShapeEnv } from './shapes.js';

// Attribute readers live in their own module (shape inference needs them too); re-exported for the rules.
export { attr, attrFloat, attrInt, attrInts, attrString } from './attributes.js';

/** Default opset: 17 (LayerNormalization, ReduceSum/ReduceMean with axes as inputs from 13/18 handled per op). */
export const DEFAULT_OPSET = 17;

/** Attribute names whose numeric values are floats (all others are ints). */
const FLOAT_ATTRS = new Set(['alpha', 'beta', 'epsilon', 'momentum', 'ratio', 'gamma', 'lambd', 'bias', 'scale', 'min', 'max', 'value_float', 'value_floats']);

export type AttrInput = number | number[] | string | string[] | TensorProto | GraphProto | Attribute;

function isAttribute(v: unknown): v is Attribute {
  return typeof v === 'object' && v !== null && 'type' in v && 'name' in v && 'value' in v;
}

export function toAttribute(name: string, v: AttrInput): Attribute {
  if (isAttribute(v)) return { ...v, name } as Attribute;
  if (typeof v === 'number') return FLOAT_ATTRS.has(name) ? { name, type: 'float', value: v } : { name, type: 'int', value: v };
  if (typeof v === 'string') return { name, type: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { name, type: 'strings', value: v as string[] };
    return FLOAT_ATTRS.has(name) ? { name, type: 'floats', value: v as number[] } : { name, type: 'ints', value: v as number[] };
  }
  if ('nodes' in v) return { name, type: 'graph', value: v };
  return { name, type: 'tensor', value: v };
}

function floatTypeOf(t: FloatArray): DataTypeCode {
  return t instanceof Float64Array ? DataType.DOUBLE : DataType.FLOAT;
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  /** Initializers by name, in insertion order. */
  readonly initializers = new Map<string, TypedTensor>();
  /** Shape/type annotations to write into value_info. */
  readonly valueInfo: ValueInfo[] = [];
  opset = DEFAULT_OPSET;
  private readonly taken = new Set<string>();
  private counter = 0;

  constructor(
    readonly name = 'geolens',
    /** Element type of floating-point tensors this builder creates (FLOAT or DOUBLE). */
    readonly floatType: DataTypeCode = DataType.FLOAT,
  ) {}

  /** Build from a decoded model (imported or previously built). Initializers are decoded eagerly. */
  static fromModel(m: ModelProto, source = 'model'): GraphBuilder {
    const b = new GraphBuilder(m.graph.name || 'graph');
    const main = m.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
    if (main) b.opset = main.version;
    for (const t of m.graph.initializers) {
      if (b.initializers.has(t.name)) throw new GeolensError('BAD_MODEL', `${source}: initializer '${t.name}' is defined twice.`);
      b.initializers.set(t.name, tensorFromProto(t, source));
      b.taken.add(t.name);
    }
    for (const v of m.graph.inputs) {
      if (!b.initializers.has(v.name)) b.inputs.push(v);
      b.taken.add(v.name);
    }
    for (const n of m.graph.nodes) {
      b.nodes.push(n);
      for (const o of n.outputs) b.taken.add(o);
      if (n.name) b.taken.add(n.name);
    }
    b.outputs.push(...m.graph.outputs);
    b.valueInfo.push(...m.graph.valueInfo);
    return b;
  }

  /** A fresh, unused tensor name beginning with `prefix`. */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.taken.has(n));
    return n;
  }

  reserve(name: string): string {
    if (this.taken.has(name)) throw new GeolensError('BAD_ARGUMENT', `graph already has a tensor named '${name}'.`);
    this.taken.add(name);
    return name;
  }

  has(name: string): boolean {
    return this.taken.has(name);
  }

  /** Declare a graph input. `shape` may contain symbolic dims such as 'N'. */
  input(name: string, shape: Dim[], elemType: DataTypeCode = this.floatType): string {
    this.reserve(name);
    this.inputs.push({ name, elemType, shape });
    return name;
  }

  /** Add an initializer (a weight or constant). */
  init(name: string, value: TypedTensor | Tensor): string {
    this.reserve(name);
    const t: TypedTensor = 'dims' in value ? value : { dataType: floatTypeOf(value.data), dims: [...value.shape], data: value.data };
    this.initializers.set(name, t);
    return name;
  }

  /** Float constant in this builder's float type. `dims` defaults to [] for one value, [n] otherwise. */
  constFloat(values: number | number[], dims?: number[], prefix = 'const'): string {
    const vs = typeof values === 'number' ? [values] : values;
    const data = this.floatType === DataType.DOUBLE ? Float64Array.from(vs) : Float32Array.from(vs);
    return this.init(this.fresh(prefix), { dataType: this.floatType, dims: dims ?? (typeof values === 'number' ? [] : [vs.length]), data });
  }

  /** int64 constant (shapes, axes, indices). `dims` defaults to [n]. */
  constInt64(values: number[], dims?: number[], prefix = 'i64'): string {
    return this.init(this.fresh(prefix), { dataType: DataType.INT64, dims: dims ?? [values.length], data: int64ArrayFrom(values) });
  }

  /** Add a node; returns its output names (fresh unless given). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrInput | undefined> = {}, outputs: number | string[] = 1, domain = ''): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.reserve(this.fresh(opType.toLowerCase()))) : outputs.map((o) => (this.taken.has(o) ? o : this.reserve(o)));
    const attributes: Attribute[] = [];
    for (const k of Object.keys(attrs)) {
      const v = attrs[k];
      if (v !== undefined) attributes.push(toAttribute(k, v));
    }
    this.nodes.push({ name: this.reserve(this.fresh(`n_${opType}`)), opType, domain, inputs, outputs: outs, attributes });
    return outs;
  }

  /** Add a single-output node; returns the output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrInput | undefined> = {}): string {
    return this.node(opType, inputs, attrs, 1)[0]!;
  }

  /** Mark a tensor as a graph output. */
  output(name: string, shape?: Dim[], elemType: DataTypeCode = this.floatType): string {
    if (!this.outputs.some((o) => o.name === name)) this.outputs.push(shape ? { name, elemType, shape } : { name, elemType });
    return name;
  }

  /** Rename a tensor (an Identity node) and mark it as an output. */
  namedOutput(name: string, tensor: string, shape?: Dim[], elemType: DataTypeCode = this.floatType): string {
    this.node('Identity', [tensor], {}, [name]);
    return this.output(name, shape, elemType);
  }

  // ---- typed helpers for the ops geolens emits most
  matmul(a: string, b: string): string {
    return this.op('MatMul', [a, b]);
  }
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  neg(a: string): string {
    return this.op('Neg', [a]);
  }
  relu(a: string): string {
    return this.op('Relu', [a]);
  }
  transpose(a: string, perm?: number[]): string {
    return this.op('Transpose', [a], { perm });
  }
  reshape(a: string, shape: number[] | string): string {
    return this.op('Reshape', [a, typeof shape === 'string' ? shape : this.constInt64(shape)]);
  }
  /** ReduceSum over `axes` (opset ≥ 13: axes as an input). */
  reduceSum(a: string, axes: number[], keepdims = false): string {
    return this.op('ReduceSum', axes.length ? [a, this.constInt64(axes)] : [a], { keepdims: keepdims ? 1 : 0 });
  }
  shape(a: string): string {
    return this.op('Shape', [a]);
  }
  /** Tensor of `value` with the shape of `like`. */
  fillLike(like: string, value: number): string {
    const t = this.floatType === DataType.DOUBLE ? Float64Array.of(value) : Float32Array.of(value);
    return this.op('ConstantOfShape', [this.shape(like)], { value: tensorToProto('value', [1], t as AnyArray, this.floatType) });
  }

  /** The ModelProto of the current graph. */
  toModel(opts: { producerName?: string; metadata?: Record<string, string> } = {}): ModelProto {
    const initializers: TensorProto[] = [];
    let outputs = this.outputs;
    if (outputs.some((o) => !o.shape)) {
      // graph outputs need a shape in ValueInfo (onnx.checker): infer the ones not given
      let env: ShapeEnv | undefined;
      try {
        env = inferShapes(this);
      } catch {
        env = undefined;
      }
      outputs = outputs.map((o) => {
        const info = env?.info.get(o.name);
        return o.shape || !info?.shape ? o : { ...o, elemType: info.elemType, shape: info.shape };
      });
    }
    for (const [name, t] of this.initializers) initializers.push(tensorToProto(name, t.dims, t.data, t.dataType));
    return {
      irVersion: 8,
      opsetImports: [{ domain: '', version: this.opset }],
      producerName: opts.producerName ?? 'geolens',
      producerVersion: '0.1.0',
      graph: { name: this.name, nodes: this.nodes, initializers, inputs: this.inputs, outputs, valueInfo: this.valueInfo },
      metadata: opts.metadata ?? {},
    };
  }

  toBytes(opts: { producerName?: string; metadata?: Record<string, string> } = {}): Uint8Array {
    return encodeModel(this.toModel(opts));
  }

  /** A deep-enough copy: node/initializer lists are copied, tensors shared (they are never mutated in place). */
  clone(): GraphBuilder {
    const b = new GraphBuilder(this.name, this.floatType);
    b.opset = this.opset;
    b.nodes.push(...this.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })));
    b.inputs.push(...this.inputs);
    b.outputs.push(...this.outputs);
    b.valueInfo.push(...this.valueInfo);
    for (const [k, v] of this.initializers) b.initializers.set(k, v);
    for (const t of this.taken) b.taken.add(t);
    b.counter = this.counter;
    return b;
  }
}
