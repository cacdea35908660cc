/**
 * A piecewise-linear classifier as a program of float64 steps, read from an ImportedModel's normalised graph: affine
 * steps (Gemm, MatMul, Conv, BatchNormalization in inference, Add/Sub of two branches or of constants, Mul/Div by
 * constants, average pooling, Flatten/Reshape/Transpose/Concat and other re-indexings) and piecewise-linear steps
 * (Relu, LeakyRelu, PRelu with constant slopes, MaxPool).
 *
 * Every step acts on *affine fields*: on a cell of a slice x = x0 + s·u (+ t·v) each tensor is affine in the slice
 * coordinates, held as K = 1 + dim columns of the tensor's size (column 0 the offset, then ∂/∂s, ∂/∂t), column-major
 * (`field[c·n + i]`). Affine steps map the K columns (constants enter column 0 only); piecewise-linear steps are
 * split by the subdivision (compute.ts) and then applied with the chosen activation pattern. With K = 1 the same
 * steps are a plain float64 forward pass (`forwardPoint`).
 */
import { GeolensError } from '../../errors.js';
import { attrFloat, attrInt, attrInts, attrString } from '../../onnx/attributes.js';
import type { ImportedModel } from '../../onnx/import.js';
import type { NodeProto } from '../../onnx/proto.js';
import { numel } from '../../tensor.js';

/**
 * An affine step: `apply(fields, K)` maps the K columns of its field inputs (in `inputs` order) to its output; with
 * `linearOnly` it applies the linear part alone (constants left out), which maps differences of fields. The result may
 * be an input array itself (re-indexing steps); nobody writes into a field.
 */
export interface AffineStep {
  kind: 'affine';
  node: string;
  op: string;
  inputs: string[];
  output: string;
  apply(fields: Float64Array[], K: number, linearOnly?: boolean): Float64Array;
}

/** An elementwise rectifier y = z (z > 0), slope·z (z ≤ 0): Relu (slope 0), LeakyRelu, PRelu. */
export interface RectifierStep {
  kind: 'rectifier';
  node: string;
  op: string;
  input: string;
  output: string;
  /** Units (elements per sample). */
  units: number;
  /** Slope on the negative side per unit; null for Relu (0). */
  slope: Float64Array | null;
}

/** MaxPool: output o is the largest of its window `index[o·window + k]` (−1 = padding, never chosen). */
export interface MaxPoolStep {
  kind: 'maxpool';
  node: string;
  op: 'MaxPool';
  input: string;
  output: string;
  outputs: number;
  window: number;
  index: Int32Array;
}

export type PwlStep = AffineStep | RectifierStep | MaxPoolStep;
export type SplitStep = RectifierStep | MaxPoolStep;

/** The piecewise-linear layers of a program, in forward order (what the bounds and the patterns count). */
export interface PwlLayer {
  node: string;
  op: string;
  /** Output width: units of a rectifier, outputs of a MaxPool. */
  width: number;
  /** Hyperplanes that decide its pattern: one per rectifier unit; per MaxPool output, one per pair in its window. */
  hyperplanes: number;
  /** Index of the layer whose output feeds this one through affine steps only (−1: the input); null when several do. */
  from: number | null;
}

export interface PwlProgram {
  source: string;
  input: string;
  /** Sample shape of the input (no batch axis). */
  inputShape: number[];
  inputSize: number;
  logits: string;
  numClasses: number;
  steps: PwlStep[];
  /** Index of the last step reading each field (fields not read again can be dropped). */
  lastUse: Map<string, number>;
  layers: PwlLayer[];
  /** True when each piecewise-linear layer reads only the previous one (an MLP/CNN chain, no skip connections). */
  chain: boolean;
}

/** Ops `pwlProgram` reads, for messages. */
export const PWL_OPS = [
  'Gemm', 'MatMul', 'Conv', 'BatchNormalization', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Relu', 'LeakyRelu', 'PRelu', 'MaxPool', 'AveragePool',
  'GlobalAveragePool', 'Flatten', 'Reshape', 'Identity', 'Dropout', 'Squeeze', 'Unsqueeze', 'Transpose', 'Concat',
] as const;

interface Const {
  data: Float64Array;
  shape: number[];
}

/** Index map of broadcasting `shape` (numpy rules) onto `out`: for each output element, the element of the source. */
function broadcastIndex(shape: number[], out: number[]): Int32Array {
  const r = out.length;
  const s = [...Array(Math.max(0, r - shape.length)).fill(1), ...shape] as number[];
  if (s.length > r) throw new GeolensError('BAD_SHAPE', `cannot broadcast [${shape.join(', ')}] to [${out.join(', ')}]`);
  const n = numel(out);
  const idx = new Int32Array(n);
  const stride = new Array<number>(r).fill(0);
  let acc = 1;
  for (let k = r - 1; k >= 0; k--) {
    if (s[k] !== 1 && s[k] !== out[k]) throw new GeolensError('BAD_SHAPE', `cannot broadcast [${shape.join(', ')}] to [${out.join(', ')}]`);
    stride[k] = s[k] === 1 ? 0 : acc;
    acc *= s[k]!;
  }
  const pos = new Array<number>(r).fill(0);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let k = 0; k < r; k++) j += pos[k]! * stride[k]!;
    idx[i] = j;
    for (let k = r - 1; k >= 0; k--) {
      if (++pos[k]! < out[k]!) break;
      pos[k] = 0;
    }
  }
  return idx;
}

function expand(c: Const, out: number[]): Float64Array {
  let shape = c.shape;
  while (shape.length > out.length && shape[0] === 1) shape = shape.slice(1);
  const idx = broadcastIndex(shape, out);
  return Float64Array.from(idx, (j) => c.data[j]!);
}

/** y = x·W (+ bias in column 0) for `rows` rows of x [rows, nIn], W [nIn, nOut] row-major. */
function matmulStep(W: Float64Array, nIn: number, nOut: number, rows: number, bias: Float64Array | null) {
  const apply = (fields: Float64Array[], K: number, linearOnly = false): Float64Array => {
    const x = fields[0]!;
    const nx = rows * nIn;
    const ny = rows * nOut;
    const y = new Float64Array(K * ny);
    if (K === 3 && rows === 1) {
      // the plane case, all three columns per weight row (one pass over W)
      for (let i = 0; i < nIn; i++) {
        const a = x[i]!;
        const b = x[nx + i]!;
        const c = x[2 * nx + i]!;
        if (a === 0 && b === 0 && c === 0) continue;
        const wo = i * nOut;
        for (let j = 0; j < nOut; j++) {
          const w = W[wo + j]!;
          y[j]! += a * w;
          y[ny + j]! += b * w;
          y[2 * ny + j]! += c * w;
        }
      }
    } else {
      for (let c = 0; c < K; c++) {
        for (let r = 0; r < rows; r++) {
          const yo = c * ny + r * nOut;
          const xo = c * nx + r * nIn;
          for (let i = 0; i < nIn; i++) {
            const xi = x[xo + i]!;
            if (xi === 0) continue;
            const wo = i * nOut;
            for (let j = 0; j < nOut; j++) y[yo + j]! += xi * W[wo + j]!;
          }
        }
      }
    }
    if (bias && !linearOnly) for (let j = 0; j < ny; j++) y[j]! += bias[j]!;
    return y;
  };
  return Object.assign(apply, { matmul: { W, nIn, nOut, rows, bias } });
}

/** What a MatMul step and a following Add of a constant are, so that the two fuse into one step. */
interface MatmulInfo {
  W: Float64Array;
  nIn: number;
  nOut: number;
  rows: number;
  bias: Float64Array | null;
}

/** A sparse linear map: output o = Σ_k weight[o·m + k]·x[index[o·m + k]] (index −1 skipped); no offset. */
function gatherStep(index: Int32Array, weight: Float64Array | null, m: number, nIn: number, nOut: number) {
  return (fields: Float64Array[], K: number): Float64Array => {
    const x = fields[0]!;
    const y = new Float64Array(K * nOut);
    for (let c = 0; c < K; c++) {
      const xo = c * nIn;
      const yo = c * nOut;
      for (let o = 0; o < nOut; o++) {
        let acc = 0;
        for (let k = 0; k < m; k++) {
          const j = index[o * m + k]!;
          if (j >= 0) acc += (weight ? weight[o * m + k]! : 1) * x[xo + j]!;
        }
        y[yo + o] = acc;
      }
    }
    return y;
  };
}

function pads2d(n: NodeProto, inHW: number[], kernel: number[], strides: number[], dil: number[], outHW: number[]): number[] {
  const autoPad = attrString(n, 'auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') return attrInts(n, 'pads') ?? [0, 0, 0, 0];
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  const p: number[] = [0, 0, 0, 0];
  for (let a = 0; a < 2; a++) {
    const total = Math.max(0, (outHW[a]! - 1) * strides[a]! + (kernel[a]! - 1) * dil[a]! + 1 - inHW[a]!);
    const small = Math.floor(total / 2);
    p[a] = autoPad === 'SAME_UPPER' ? small : total - small;
    p[a + 2] = total - p[a]!;
  }
  return p;
}

/** Numpy broadcasting of per-sample shapes (a constant's leading batch axis of 1 dropped when it has one axis more). */
function broadcastSample(shapes: number[][]): number[] {
  const r = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(r).fill(1);
  for (const s of shapes) s.forEach((d, k) => (out[r - s.length + k] = Math.max(out[r - s.length + k]!, d)));
  return out;
}

/** Output spatial size of a convolution or pooling window (explicit pads or auto_pad; ceil_mode for pooling). */
function windowOutput(n: NodeProto, inHW: number[], kernel: number[], strides: number[], dil: number[], ceil: boolean): number[] {
  const autoPad = attrString(n, 'auto_pad', 'NOTSET');
  const pads = attrInts(n, 'pads') ?? [0, 0, 0, 0];
  return [0, 1].map((a) => {
    const span = dil[a]! * (kernel[a]! - 1) + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(inHW[a]! / strides[a]!);
    const total = inHW[a]! + (autoPad === 'VALID' ? 0 : pads[a]! + pads[a + 2]!) - span;
    let o = (ceil ? Math.ceil(total / strides[a]!) : Math.floor(total / strides[a]!)) + 1;
    // a window may not start in the end padding (ONNX / PyTorch ceil_mode rule)
    if (ceil && (o - 1) * strides[a]! >= inHW[a]! + (autoPad === 'VALID' ? 0 : pads[a]!)) o--;
    return o;
  });
}

/** The per-sample output shape of Flatten / Reshape / Identity-like nodes, when the import could not infer it. */
function reshapeTarget(n: NodeProto, xShape: number[], init: (t: string) => { data: ArrayLike<number | bigint> } | undefined): number[] | undefined {
  const nx = numel(xShape);
  if (n.opType === 'Flatten') {
    const axis = attrInt(n, 'axis', 1);
    return axis <= 1 ? [nx] : [numel(xShape.slice(0, axis - 1)), numel(xShape.slice(axis - 1))];
  }
  if (n.opType === 'Identity' || n.opType === 'Dropout') return xShape;
  if (n.opType === 'Reshape') {
    const t = init(n.inputs[1]!);
    if (!t) return undefined;
    const want = Array.from(t.data as ArrayLike<number | bigint>, Number);
    // the batch axis comes first (0 or −1 or N); the rest in sample units
    const rest = want.slice(1).map((d, k) => (d === 0 ? xShape[k]! : d));
    const known = rest.filter((d) => d > 0).reduce((a, b) => a * b, 1);
    return rest.map((d) => (d === -1 ? nx / known : d));
  }
  return undefined;
}

/**
 * The float64 program of a piecewise-linear classifier. Errors: UNSUPPORTED_OP naming every op and node on the
 * input → logits path that is not piecewise linear (or that geolens does not read as such), BAD_MODEL when a shape is
 * unknown or an op is used in a way this reader does not handle (said which).
 */
export function pwlProgram(model: ImportedModel): PwlProgram {
  const g = model.graph;
  const source = model.source;
  // the import's shape inference stops at ops it does not know (e.g. PRelu): the shapes computed here fill in
  const shapeOf = (t: string, computed?: () => number[] | undefined): number[] => {
    const s = model.env.info.get(t)?.shape;
    if (s && s.slice(1).every((d) => typeof d === 'number')) return s.slice(1) as number[];
    const c = computed?.();
    if (c) return c;
    throw new GeolensError('BAD_MODEL', `${source}: the shape of '${t}' is unknown; exact linear regions need static shapes (re-export with a fixed input size).`);
  };
  const constShape = (t: string): number[] | undefined => g.initializers.get(t)?.dims.slice();
  const inputShape = model.input.shape.slice(1) as number[];
  const sizes = new Map<string, number[]>([[model.input.name, inputShape]]);
  // outputs of ops that could not be read: downstream nodes are only checked for ops that are not piecewise linear
  const poisoned = new Set<string>();
  const field = (t: string): boolean => sizes.has(t) || poisoned.has(t);
  const consts = new Map<string, Const>();
  const constOf = (t: string, n: NodeProto): Const => {
    let c = consts.get(t);
    if (c) return c;
    const init = g.initializers.get(t);
    if (!init) throw new GeolensError('UNSUPPORTED_OP', `${source}: node '${n.name}' (${n.opType}) reads '${t}', which is computed from constants by another node; exact linear regions need it as an initializer (re-export with constant folding, do_constant_folding=True).`);
    const data = init.data instanceof BigInt64Array ? Float64Array.from(init.data, Number) : Float64Array.from(init.data as ArrayLike<number>);
    c = { data, shape: [...init.dims] };
    consts.set(t, c);
    return c;
  };
  const steps: PwlStep[] = [];
  const unsupported: string[] = [];
  const layers: PwlLayer[] = [];
  // which piecewise-linear layers (−1: the input) a field depends on through affine steps only
  const feeds = new Map<string, Set<number>>([[model.input.name, new Set([-1])]]);
  const mergeFeeds = (ins: string[]): Set<number> => new Set(ins.filter(field).flatMap((t) => [...(feeds.get(t) ?? [])]));

  for (const n of g.nodes) {
    const fieldIns = n.inputs.filter((t) => t !== '' && field(t));
    if (fieldIns.length === 0) {
      unsupported.push(`${n.opType} (node '${n.name}', computes a constant: fold it into an initializer)`);
      continue;
    }
    const out = n.outputs[0]!;
    const extraOutputs = n.outputs.slice(1).filter((o) => o !== '');
    const label = `${n.opType} (node '${n.name}')`;
    if (n.inputs.some((t) => poisoned.has(t))) {
      if (!(PWL_OPS as readonly string[]).includes(n.opType)) unsupported.push(label);
      else if ((n.opType === 'Mul' || n.opType === 'Div') && fieldIns.length > 1) unsupported.push(`${label} of the data by the data (not piecewise linear)`);
      for (const o of n.outputs) poisoned.add(o);
      continue;
    }
    const before = unsupported.length;
    const poison = (): void => {
      if (unsupported.length > before) for (const o of n.outputs) poisoned.add(o);
    };
    const affine = (inputs: string[], apply: AffineStep['apply'], outShape = shapeOf(out)): void => {
      steps.push({ kind: 'affine', node: n.name, op: n.opType, inputs, output: out, apply });
      sizes.set(out, outShape);
      feeds.set(out, mergeFeeds(inputs));
    };
    const xShape = sizes.get(fieldIns[0]!)!;
    const nx = numel(xShape);
    switch (n.opType) {
      case 'Identity':
      case 'Dropout':
      case 'Flatten':
      case 'Reshape':
      case 'Squeeze':
      case 'Unsqueeze': {
        if (n.opType === 'Dropout' && extraOutputs.length) {
          unsupported.push(`${label} in training mode (mask output used): export with model.eval()`);
          break;
        }
        const oShape = shapeOf(out, () => reshapeTarget(n, xShape, (t) => g.initializers.get(t)));
        if (numel(oShape) !== nx) throw new GeolensError('BAD_MODEL', `${source}: ${label} changes the sample size from ${nx} to ${numel(oShape)}.`);
        affine([n.inputs[0]!], (f) => f[0]!, oShape);
        break;
      }
      case 'Transpose': {
        const perm = attrInts(n, 'perm');
        const r = xShape.length + 1;
        const p = perm ?? Array.from({ length: r }, (_, i) => r - 1 - i);
        if (p[0] !== 0) {
          unsupported.push(`${label} moving the batch axis`);
          break;
        }
        const oShape = p.slice(1).map((a) => xShape[a - 1]!);
        // output element (multi-index over oShape) ← input element at the permuted index
        const inStride = new Array<number>(xShape.length).fill(1);
        for (let k = xShape.length - 2; k >= 0; k--) inStride[k] = inStride[k + 1]! * xShape[k + 1]!;
        const idx = new Int32Array(nx);
        const pos = new Array<number>(oShape.length).fill(0);
        for (let o = 0; o < nx; o++) {
          let j = 0;
          for (let k = 0; k < oShape.length; k++) j += pos[k]! * inStride[p[k + 1]! - 1]!;
          idx[o] = j;
          for (let k = oShape.length - 1; k >= 0; k--) {
            if (++pos[k]! < oShape[k]!) break;
            pos[k] = 0;
          }
        }
        affine([n.inputs[0]!], gatherStep(idx, null, 1, nx, nx), oShape);
        break;
      }
      case 'Gemm': {
        if (n.inputs[0] !== fieldIns[0] || fieldIns.length > 1 || attrInt(n, 'transA', 0) !== 0 || xShape.length !== 1) {
          unsupported.push(`${label} with the data as B or transposed (geolens reads Gemm(x, W, b) with x = [batch, features])`);
          break;
        }
        const B = constOf(n.inputs[1]!, n);
        const alpha = attrFloat(n, 'alpha', 1);
        const beta = attrFloat(n, 'beta', 1);
        const transB = attrInt(n, 'transB', 0) === 1;
        const nIn = xShape[0]!;
        const nOut = transB ? B.shape[0]! : B.shape[1]!;
        const W = new Float64Array(nIn * nOut);
        for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) W[i * nOut + j] = alpha * (transB ? B.data[j * nIn + i]! : B.data[i * nOut + j]!);
        let bias: Float64Array | null = null;
        if (n.inputs[2]) bias = expand(constOf(n.inputs[2], n), [nOut]).map((v) => beta * v);
        affine([n.inputs[0]!], matmulStep(W, nIn, nOut, 1, bias), [nOut]);
        break;
      }
      case 'MatMul': {
        if (n.inputs[0] !== fieldIns[0] || fieldIns.length > 1) {
          unsupported.push(`${label} with the data on the right or on both sides (geolens reads MatMul(x, W) with a constant W)`);
          break;
        }
        const B = constOf(n.inputs[1]!, n);
        if (B.shape.length !== 2 || B.shape[0] !== xShape[xShape.length - 1]) {
          unsupported.push(`${label} with a weight of shape [${B.shape.join(', ')}] (geolens reads a 2-D weight [in, out])`);
          break;
        }
        const [nIn, nOut] = B.shape as [number, number];
        affine([n.inputs[0]!], matmulStep(B.data, nIn, nOut, nx / nIn, null));
        break;
      }
      case 'Add':
      case 'Sub': {
        const oShape = shapeOf(out, () => broadcastSample(n.inputs.map((t) => sizes.get(t) ?? constShape(t) ?? [])));
        const no = numel(oShape);
        const sign = n.opType === 'Sub' ? -1 : 1;
        if (fieldIns.length === 2 || (n.inputs[0] === n.inputs[1] && fieldIns.length === 1)) {
          const [a, b] = [n.inputs[0]!, n.inputs[1]!];
          const ia = broadcastIndex(sizes.get(a)!, oShape);
          const ib = broadcastIndex(sizes.get(b)!, oShape);
          const na = numel(sizes.get(a)!);
          const nb = numel(sizes.get(b)!);
          const same = a === b;
          affine(same ? [a] : [a, b], (f, K) => {
            const [x, y] = [f[0]!, same ? f[0]! : f[1]!];
            const z = new Float64Array(K * no);
            for (let c = 0; c < K; c++) for (let i = 0; i < no; i++) z[c * no + i] = x[c * na + ia[i]!]! + sign * y[c * nb + ib[i]!]!;
            return z;
          }, oShape);
          break;
        }
        const fieldFirst = n.inputs[0] === fieldIns[0];
        const other = constOf(fieldFirst ? n.inputs[1]! : n.inputs[0]!, n);
        const cv = expand(other, oShape);
        const ix = broadcastIndex(xShape, oShape);
        // x + c, x − c, c − x
        const sx = fieldFirst ? 1 : sign;
        const sc = fieldFirst ? sign : 1;
        const plain = sx === 1 && no === nx && ix.every((j, i) => j === i);
        const addConst = (f: Float64Array[], K: number, linearOnly?: boolean): Float64Array => {
          const x = f[0]!;
          if (linearOnly && plain) return x;
          const z = new Float64Array(K * no);
          for (let c = 0; c < K; c++) for (let i = 0; i < no; i++) z[c * no + i] = sx * x[c * nx + ix[i]!]! + (c === 0 && !linearOnly ? sc * cv[i]! : 0);
          return z;
        };
        affine([fieldIns[0]!], plain ? Object.assign(addConst, { bias: sc === 1 ? cv : cv.map((v) => -v) }) : addConst, oShape);
        break;
      }
      case 'Mul':
      case 'Div':
      case 'Neg': {
        if (fieldIns.length > 1 || (n.opType === 'Div' && n.inputs[0] !== fieldIns[0])) {
          unsupported.push(`${label} of the data by the data (not piecewise linear)`);
          break;
        }
        const oShape = shapeOf(out, () => broadcastSample(n.inputs.map((t) => sizes.get(t) ?? constShape(t) ?? [])));
        const no = numel(oShape);
        let m: Float64Array;
        if (n.opType === 'Neg') m = new Float64Array(no).fill(-1);
        else {
          const other = constOf(n.inputs[0] === fieldIns[0] ? n.inputs[1]! : n.inputs[0]!, n);
          m = expand(other, oShape);
          if (n.opType === 'Div') m = m.map((v) => 1 / v);
        }
        const ix = broadcastIndex(xShape, oShape);
        affine([fieldIns[0]!], (f, K) => {
          const x = f[0]!;
          const z = new Float64Array(K * no);
          for (let c = 0; c < K; c++) for (let i = 0; i < no; i++) z[c * no + i] = m[i]! * x[c * nx + ix[i]!]!;
          return z;
        }, oShape);
        break;
      }
      case 'BatchNormalization': {
        if (extraOutputs.length || attrInt(n, 'training_mode', 0) === 1) {
          unsupported.push(`${label} in training mode: export with model.eval()`);
          break;
        }
        const [scale, bias, mean, variance] = [1, 2, 3, 4].map((k) => constOf(n.inputs[k]!, n).data);
        const eps = attrFloat(n, 'epsilon', 1e-5);
        const C = xShape[0]!;
        const inner = nx / C;
        const mul = new Float64Array(nx);
        const add = new Float64Array(nx);
        for (let ch = 0; ch < C; ch++) {
          const a = scale![ch]! / Math.sqrt(variance![ch]! + eps);
          const b = bias![ch]! - mean![ch]! * a;
          for (let i = 0; i < inner; i++) {
            mul[ch * inner + i] = a;
            add[ch * inner + i] = b;
          }
        }
        affine([fieldIns[0]!], (f, K, linearOnly) => {
          const x = f[0]!;
          const z = new Float64Array(K * nx);
          for (let c = 0; c < K; c++) for (let i = 0; i < nx; i++) z[c * nx + i] = mul[i]! * x[c * nx + i]! + (c === 0 && !linearOnly ? add[i]! : 0);
          return z;
        }, xShape);
        break;
      }
      case 'Conv': {
        if (xShape.length !== 3 || n.inputs[0] !== fieldIns[0] || fieldIns.length > 1) {
          unsupported.push(`${label} that is not a 2-D convolution of the data by constant weights`);
          break;
        }
        const Wc = constOf(n.inputs[1]!, n);
        const [M, Cg, kH, kW] = Wc.shape as [number, number, number, number];
        const [C, H, Wd] = xShape as [number, number, number];
        const group = attrInt(n, 'group', 1);
        const strides = attrInts(n, 'strides') ?? [1, 1];
        const dil = attrInts(n, 'dilations') ?? [1, 1];
        const oShape = shapeOf(out, () => [M, ...windowOutput(n, [H, Wd], [kH, kW], strides, dil, false)]);
        const [, OH, OW] = oShape as [number, number, number];
        const pads = pads2d(n, [H, Wd], [kH, kW], strides, dil, [OH, OW]);
        const bias = n.inputs[2] ? expand(constOf(n.inputs[2], n), [M]) : null;
        const no = M * OH * OW;
        const Mg = M / group;
        // the convolution as a scatter table: for each input element, the outputs it feeds and the weights (so the
        // product costs O(non-zero inputs × fan-out): differences of fields right after a split are sparse)
        const fan: number[][] = Array.from({ length: nx }, () => []);
        for (let m = 0; m < M; m++) {
          const g0 = Math.floor(m / Mg) * Cg;
          for (let ci = 0; ci < Cg; ci++) {
            for (let ky = 0; ky < kH; ky++) {
              for (let kx = 0; kx < kW; kx++) {
                const w = Wc.data[((m * Cg + ci) * kH + ky) * kW + kx]!;
                if (w === 0) continue;
                for (let oy = 0; oy < OH; oy++) {
                  const iy = oy * strides[0]! - pads[0]! + ky * dil[0]!;
                  if (iy < 0 || iy >= H) continue;
                  for (let ox = 0; ox < OW; ox++) {
                    const ix = ox * strides[1]! - pads[1]! + kx * dil[1]!;
                    if (ix < 0 || ix >= Wd) continue;
                    fan[((g0 + ci) * H + iy) * Wd + ix]!.push((m * OH + oy) * OW + ox, w);
                  }
                }
              }
            }
          }
        }
        const start = new Int32Array(nx + 1);
        fan.forEach((l, i) => (start[i + 1] = start[i]! + l.length / 2));
        const target = new Int32Array(start[nx]!);
        const weight = new Float64Array(start[nx]!);
        fan.forEach((l, i) => {
          for (let q = 0; q < l.length / 2; q++) {
            target[start[i]! + q] = l[2 * q]!;
            weight[start[i]! + q] = l[2 * q + 1]!;
          }
        });
        affine([fieldIns[0]!], (f, K, linearOnly) => {
          const x = f[0]!;
          const y = new Float64Array(K * no);
          for (let c = 0; c < K; c++) {
            const xo = c * nx;
            const yo = c * no;
            for (let i = 0; i < nx; i++) {
              const xv = x[xo + i]!;
              if (xv === 0) continue;
              for (let q = start[i]!; q < start[i + 1]!; q++) y[yo + target[q]!]! += weight[q]! * xv;
            }
          }
          if (bias && !linearOnly) for (let m = 0; m < M; m++) for (let i = 0; i < OH * OW; i++) y[m * OH * OW + i]! += bias[m]!;
          return y;
        }, oShape);
        if (C !== Cg * group) throw new GeolensError('BAD_MODEL', `${source}: ${label} has ${C} input channels but weights for ${Cg}×${group}.`);
        break;
      }
      case 'MaxPool':
      case 'AveragePool':
      case 'GlobalAveragePool': {
        if (xShape.length !== 3) {
          unsupported.push(`${label} on a tensor of rank ${xShape.length + 1} (geolens reads 2-D pooling of [batch, C, H, W])`);
          break;
        }
        if (extraOutputs.length) {
          unsupported.push(`${label} with its Indices output used`);
          break;
        }
        const [C, H, Wd] = xShape as [number, number, number];
        const global = n.opType === 'GlobalAveragePool';
        const kernel = global ? [H, Wd] : (attrInts(n, 'kernel_shape') ?? [1, 1]);
        const strides = global ? [1, 1] : (attrInts(n, 'strides') ?? [1, 1]);
        const dil = global ? [1, 1] : (attrInts(n, 'dilations') ?? [1, 1]);
        const oShape = shapeOf(out, () => [C, ...(global ? [1, 1] : windowOutput(n, [H, Wd], kernel, strides, dil, attrInt(n, 'ceil_mode', 0) === 1))]);
        const [, OH, OW] = oShape as [number, number, number];
        const pads = global ? [0, 0, 0, 0] : pads2d(n, [H, Wd], kernel, strides, dil, [OH, OW]);
        const m = kernel[0]! * kernel[1]!;
        const no = C * OH * OW;
        const index = new Int32Array(no * m).fill(-1);
        const weight = new Float64Array(no * m);
        const includePad = attrInt(n, 'count_include_pad', 0) === 1;
        for (let ch = 0; ch < C; ch++) {
          for (let oy = 0; oy < OH; oy++) {
            for (let ox = 0; ox < OW; ox++) {
              const o = (ch * OH + oy) * OW + ox;
              let count = 0;
              let padded = 0;
              for (let ky = 0; ky < kernel[0]!; ky++) {
                for (let kx = 0; kx < kernel[1]!; kx++) {
                  const iy = oy * strides[0]! - pads[0]! + ky * dil[0]!;
                  const ix = ox * strides[1]! - pads[1]! + kx * dil[1]!;
                  if (iy < 0 || iy >= H || ix < 0 || ix >= Wd) {
                    // count_include_pad counts the explicit padding, not the ceil_mode overhang past it
                    if (iy >= -pads[0]! && iy < H + pads[2]! && ix >= -pads[1]! && ix < Wd + pads[3]!) padded++;
                    continue;
                  }
                  index[o * m + ky * kernel[1]! + kx] = (ch * H + iy) * Wd + ix;
                  count++;
                }
              }
              const denom = includePad ? count + padded : count;
              for (let k = 0; k < m; k++) if (index[o * m + k]! >= 0) weight[o * m + k] = 1 / denom;
            }
          }
        }
        if (n.opType === 'MaxPool') {
          if (m > 255) {
            unsupported.push(`${label} with a window of ${m} elements (geolens reads windows of at most 255)`);
            break;
          }
          steps.push({ kind: 'maxpool', node: n.name, op: 'MaxPool', input: fieldIns[0]!, output: out, outputs: no, window: m, index });
          sizes.set(out, oShape);
          const from = feeds.get(fieldIns[0]!)!;
          layers.push({ node: n.name, op: 'MaxPool', width: no, hyperplanes: no * ((m * (m - 1)) / 2), from: from.size === 1 ? [...from][0]! : null });
          feeds.set(out, new Set([layers.length - 1]));
        } else affine([fieldIns[0]!], gatherStep(index, weight, m, nx, no), oShape);
        break;
      }
      case 'Concat': {
        const axis0 = attrInt(n, 'axis', 1);
        const oShape = shapeOf(out, () => {
          const shapes = n.inputs.map((t) => sizes.get(t) ?? constShape(t)?.slice(1) ?? []);
          const a = (axis0 < 0 ? axis0 + shapes[0]!.length + 1 : axis0) - 1;
          return shapes[0]!.map((d, k) => (k === a ? shapes.reduce((acc, sh) => acc + sh[k]!, 0) : d));
        });
        const axis = (axis0 < 0 ? axis0 + oShape.length + 1 : axis0) - 1;
        if (axis < 0) {
          unsupported.push(`${label} along the batch axis`);
          break;
        }
        const parts = n.inputs.map((t) => ({ t, isField: field(t), shape: field(t) ? sizes.get(t)! : constOf(t, n).shape.slice(1) }));
        const outer = numel(oShape.slice(0, axis));
        const no = numel(oShape);
        const ins = parts.filter((p) => p.isField).map((p) => p.t);
        affine(ins, (f, K, linearOnly) => {
          const z = new Float64Array(K * no);
          for (let c = 0; c < K; c++) {
            let off = 0;
            let fi = 0;
            for (const p of parts) {
              const inner = numel(p.shape.slice(axis));
              const src = p.isField ? f[fi++]! : c === 0 && !linearOnly ? consts.get(p.t)!.data : null;
              const np = numel(p.shape);
              for (let o = 0; o < outer; o++) {
                for (let i = 0; i < inner; i++) z[c * no + o * (no / outer) + off + i] = src ? src[(p.isField ? c * np : 0) + o * inner + i]! : 0;
              }
              off += inner;
            }
          }
          return z;
        }, oShape);
        break;
      }
      case 'Relu':
      case 'LeakyRelu':
      case 'PRelu': {
        let slope: Float64Array | null = null;
        if (n.opType === 'LeakyRelu') slope = new Float64Array(nx).fill(attrFloat(n, 'alpha', 0.01));
        if (n.opType === 'PRelu') {
          if (field(n.inputs[1]!)) {
            unsupported.push(`${label} with a slope computed from the data`);
            break;
          }
          slope = expand(constOf(n.inputs[1]!, n), xShape);
        }
        steps.push({ kind: 'rectifier', node: n.name, op: n.opType, input: fieldIns[0]!, output: out, units: nx, slope });
        sizes.set(out, xShape);
        const from = feeds.get(fieldIns[0]!)!;
        layers.push({ node: n.name, op: n.opType, width: nx, hyperplanes: nx, from: from.size === 1 ? [...from][0]! : null });
        feeds.set(out, new Set([layers.length - 1]));
        break;
      }
      default:
        unsupported.push(label);
    }
    poison();
  }
  if (unsupported.length) {
    throw new GeolensError(
      'UNSUPPORTED_OP',
      `${source}: exact linear regions need a piecewise-linear network (${PWL_OPS.join(', ')}); this model has ${unsupported.length === 1 ? 'an op' : `${unsupported.length} ops`} that ${unsupported.length === 1 ? 'is' : 'are'} not: ${unsupported.join('; ')}. Replace ${unsupported.length === 1 ? 'it' : 'them'} (e.g. Tanh/Sigmoid/GELU by Relu) and re-export.`,
      { ops: unsupported },
    );
  }
  if (!sizes.has(model.logits)) throw new GeolensError('BAD_MODEL', `${source}: the logits '${model.logits}' do not depend on the input.`);
  fuseBiases(steps, model.logits);
  const lastUse = new Map<string, number>();
  steps.forEach((s, i) => {
    for (const t of s.kind === 'affine' ? s.inputs : [s.input]) lastUse.set(t, i);
  });
  lastUse.set(model.logits, steps.length);
  const chain = layers.every((l, i) => l.from === i - 1);
  return { source, input: model.input.name, inputShape, inputSize: numel(inputShape), logits: model.logits, numClasses: model.numClasses, steps, lastUse, layers, chain };
}

/**
 * Fuse MatMul (no bias) → Add of a constant into one step when nothing else reads the MatMul's output (the usual
 * x·W + b of geolens' and PyTorch's dense layers): one product per cell instead of a product and a copy.
 */
function fuseBiases(steps: PwlStep[], logits: string): void {
  const readers = new Map<string, number>();
  for (const s of steps) for (const t of s.kind === 'affine' ? s.inputs : [s.input]) readers.set(t, (readers.get(t) ?? 0) + 1);
  for (let i = 0; i + 1 < steps.length; i++) {
    const a = steps[i]!;
    const b = steps[i + 1]!;
    if (a.kind !== 'affine' || b.kind !== 'affine' || b.inputs.length !== 1 || b.inputs[0] !== a.output || readers.get(a.output) !== 1 || a.output === logits) continue;
    const mm = (a.apply as { matmul?: MatmulInfo }).matmul;
    const bias = (b.apply as { bias?: Float64Array }).bias;
    if (!mm || mm.bias || mm.rows !== 1 || !bias || bias.length !== mm.nOut) continue;
    steps.splice(i, 2, { ...b, node: `${a.node}+${b.node}`, op: `${a.op}+${b.op}`, inputs: a.inputs, apply: matmulStep(mm.W, mm.nIn, mm.nOut, 1, bias) });
  }
}

/** Activation pattern and logits at one input point, by the program's float64 forward pass. */
export interface PointEvaluation {
  logits: Float64Array;
  /** Per piecewise-linear layer: rectifiers 1 = active (z > 0); MaxPool the position of the first maximum in the window. */
  pattern: Uint8Array[];
}

/** Float64 forward pass at input x (flattened sample), recording the activation pattern. */
export function forwardPoint(program: PwlProgram, x: ArrayLike<number>): PointEvaluation {
  const fields = new Map<string, Float64Array>([[program.input, Float64Array.from(x)]]);
  const pattern: Uint8Array[] = [];
  for (const s of program.steps) {
    if (s.kind === 'affine') fields.set(s.output, s.apply(s.inputs.map((t) => fields.get(t)!), 1));
    else if (s.kind === 'rectifier') {
      const z = fields.get(s.input)!;
      const bits = new Uint8Array(s.units);
      const y = new Float64Array(s.units);
      for (let i = 0; i < s.units; i++) {
        bits[i] = z[i]! > 0 ? 1 : 0;
        y[i] = bits[i] ? z[i]! : s.slope ? s.slope[i]! * z[i]! : 0;
      }
      pattern.push(bits);
      fields.set(s.output, y);
    } else {
      const z = fields.get(s.input)!;
      const arg = new Uint8Array(s.outputs);
      const y = new Float64Array(s.outputs);
      for (let o = 0; o < s.outputs; o++) {
        let best = -1;
        for (let k = 0; k < s.window; k++) {
          const j = s.index[o * s.window + k]!;
          if (j >= 0 && (best < 0 || z[j]! > z[s.index[o * s.window + best]!]!)) best = k;
        }
        arg[o] = best;
        y[o] = z[s.index[o * s.window + best]!]!;
      }
      pattern.push(arg);
      fields.set(s.output, y);
    }
  }
  return { logits: fields.get(program.logits)!, pattern };
}
