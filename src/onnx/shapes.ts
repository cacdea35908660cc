/**
 * Static shape and element-type inference for the ops geolens supports. Dims are numbers, symbolic names
 * (e.g. 'N', the batch) or null (unknown). Constant int64 tensors are folded so Reshape/Slice/Unsqueeze shapes are known.
 */
import { GeolensError } from '../errors.js';
import { attr, attrInt, attrInts } from './attributes.js';
import { DataType, type DataTypeCode, type Dim, type NodeProto, type ValueInfo } from './proto.js';
import { einsumShape, parseEinsum } from './einsum.js';
import { tensorFromProto, type TypedTensor } from './tensors.js';

export interface TensorInfo {
  elemType: DataTypeCode;
  /** undefined: rank unknown */
  shape?: Dim[];
}

export interface ShapeEnv {
  info: Map<string, TensorInfo>;
  /** Values of small constant integer tensors (shapes, axes), flattened. */
  consts: Map<string, number[]>;
  /** Values of small constant float tensors (Resize scales), flattened. */
  floats?: Map<string, number[]>;
}

type Infer = (n: NodeProto, ins: (TensorInfo | undefined)[], env: ShapeEnv) => TensorInfo[];

function dimEq(a: Dim, b: Dim): boolean {
  return a === b && a !== null;
}

/** Numpy broadcasting of two shapes. A symbolic dim broadcast with 1 stays symbolic. */
export function broadcastShapes(a: Dim[], b: Dim[], where = 'broadcast'): Dim[] {
  const r = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const x = i < r - a.length ? 1 : a[i - (r - a.length)]!;
    const y = i < r - b.length ? 1 : b[i - (r - b.length)]!;
    if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (dimEq(x, y)) out.push(x);
    else if (typeof x === 'number' && typeof y === 'number') {
      throw new GeolensError('BAD_SHAPE', `${where}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast.`);
    } else out.push(typeof x === 'number' ? x : typeof y === 'number' ? y : x ?? y);
  }
  return out;
}

const normAxis = (a: number, r: number): number => (a < 0 ? a + r : a);

function first(ins: (TensorInfo | undefined)[]): TensorInfo {
  const t = ins[0];
  if (!t) return { elemType: DataType.FLOAT };
  return t;
}

const same: Infer = (_n, ins) => [first(ins)];

const elementwise: Infer = (n, ins) => {
  let shape: Dim[] | undefined = ins[0]?.shape;
  for (const t of ins.slice(1)) {
    if (!shape || !t?.shape) {
      shape = undefined;
      break;
    }
    shape = broadcastShapes(shape, t.shape, `${n.opType} '${n.name}'`);
  }
  const out: TensorInfo = { elemType: first(ins).elemType };
  if (shape) out.shape = shape;
  return [out];
};

const boolElementwise: Infer = (n, ins, env) => [{ ...elementwise(n, ins, env)[0]!, elemType: DataType.BOOL }];

function mulDims(ds: Dim[]): number | null {
  let p = 1;
  for (const d of ds) {
    if (typeof d !== 'number') return null;
    p *= d;
  }
  return p;
}

function reduceAxes(n: NodeProto, env: ShapeEnv, rank: number): number[] | undefined {
  const fromAttr = attrInts(n, 'axes');
  if (fromAttr) return fromAttr.map((a) => normAxis(a, rank));
  if (n.inputs[1]) {
    const c = env.consts.get(n.inputs[1]);
    return c ? c.map((a) => normAxis(a, rank)) : undefined;
  }
  return [];
}

const reduce: Infer = (n, ins, env) => {
  const x = first(ins);
  if (!x.shape) return [{ elemType: x.elemType }];
  const keep = attrInt(n, 'keepdims', 1) === 1;
  let axes = reduceAxes(n, env, x.shape.length);
  if (axes === undefined) return [{ elemType: x.elemType }];
  if (axes.length === 0) {
    if (attrInt(n, 'noop_with_empty_axes', 0) === 1) return [x];
    axes = x.shape.map((_, i) => i);
  }
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!axes!.includes(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  return [{ elemType: x.elemType, shape }];
};

function matmulShape(a: Dim[], b: Dim[], where: string): Dim[] {
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const k1 = a2[a2.length - 1]!;
  const k2 = b2[b2.length - 2]!;
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
    throw new GeolensError('BAD_SHAPE', `${where}: inner dimensions differ ([${a.join(', ')}] × [${b.join(', ')}]).`);
  }
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2), where);
  const out = [...batch, a2[a2.length - 2]!, b2[b2.length - 1]!];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

function convLikeSpatial(n: NodeProto, inSpatial: Dim[], kernel: number[], ceil = false): Dim[] {
  const k = kernel.length;
  const strides = attrInts(n, 'strides') ?? Array(k).fill(1);
  const dil = attrInts(n, 'dilations') ?? Array(k).fill(1);
  let pads = attrInts(n, 'pads') ?? Array(2 * k).fill(0);
  const autoPad = attr(n, 'auto_pad');
  const ap = autoPad && autoPad.type === 'string' ? autoPad.value : 'NOTSET';
  return inSpatial.map((d, i) => {
    if (typeof d !== 'number') return null;
    const ek = (kernel[i]! - 1) * dil[i]! + 1;
    if (ap === 'SAME_UPPER' || ap === 'SAME_LOWER') return Math.ceil(d / strides[i]!);
    if (ap === 'VALID') pads = Array(2 * k).fill(0);
    const span = d + pads[i]! + pads[i + k]! - ek;
    return (ceil ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
  });
}

const INFER: Record<string, Infer> = {
  Identity: same,
  Relu: same,
  LeakyRelu: same,
  Tanh: same,
  Sigmoid: same,
  Exp: same,
  Log: same,
  Neg: same,
  Abs: same,
  Sqrt: same,
  Reciprocal: same,
  Softmax: same,
  LogSoftmax: same,
  Erf: same,
  Sign: same,
  Elu: same,
  Selu: same,
  Softplus: same,
  HardSigmoid: same,
  Clip: same,
  Not: same,
  Celu: same,
  Gelu: same,
  PRelu: same,
  Softsign: same,
  HardSwish: same,
  Mish: same,
  ThresholdedRelu: same,
  Floor: same,
  Ceil: same,
  InstanceNormalization: same,
  GroupNormalization: same,
  LayerNormalization: (n, ins) => {
    const x = first(ins);
    if (!x.shape) return [x, { elemType: DataType.FLOAT }, { elemType: DataType.FLOAT }];
    const r = x.shape.length;
    const axis = normAxis(attrInt(n, 'axis', -1), r);
    const stats: TensorInfo = { elemType: DataType.FLOAT, shape: x.shape.map((d, i) => (i < axis ? d : 1)) };
    return [x, stats, stats];
  },
  Split: (n, ins, env) => {
    const x = first(ins);
    const k = n.outputs.length;
    if (!x.shape) return n.outputs.map(() => ({ elemType: x.elemType }));
    const ax = normAxis(attrInt(n, 'axis', 0), x.shape.length);
    const d = x.shape[ax];
    let sizes = attrInts(n, 'split') ?? (n.inputs[1] ? env.consts.get(n.inputs[1]) : undefined);
    if (!sizes && typeof d === 'number') {
      const num = attrInt(n, 'num_outputs', k);
      const each = Math.ceil(d / num);
      sizes = Array.from({ length: num }, (_, i) => Math.max(0, Math.min(each, d - i * each)));
    }
    return n.outputs.map((_, i) => (sizes ? { elemType: x.elemType, shape: x.shape!.map((v, j) => (j === ax ? sizes![i]! : v)) } : { elemType: x.elemType }));
  },
  Resize: (n, ins, env) => {
    const x = first(ins);
    if (!x.shape) return [{ elemType: x.elemType }];
    const r = x.shape.length;
    const axes = (attrInts(n, 'axes') ?? x.shape.map((_, i) => i)).map((a) => normAxis(a, r));
    const sizes = n.inputs[3] ? env.consts.get(n.inputs[3]) : undefined;
    const scales = n.inputs[2] ? env.floats?.get(n.inputs[2]) : undefined;
    if (!sizes?.length && !scales?.length) return [{ elemType: x.elemType }];
    const shape = [...x.shape];
    axes.forEach((a, i) => {
      const d = x.shape![a]!;
      if (sizes?.length) shape[a] = sizes[i]!;
      else shape[a] = scales![i] === 1 ? d : typeof d === 'number' ? Math.floor(d * Math.fround(scales![i]!)) : null;
    });
    return [{ elemType: x.elemType, shape }];
  },
  Dropout: (n, ins) => (n.outputs.length > 1 ? [first(ins), { ...first(ins), elemType: DataType.BOOL }] : [first(ins)]),
  BatchNormalization: same,
  Add: elementwise,
  Sub: elementwise,
  Mul: elementwise,
  Div: elementwise,
  Pow: (n, ins, env) => [{ ...elementwise(n, ins, env)[0]!, elemType: first(ins).elemType }],
  Max: elementwise,
  Min: elementwise,
  Sum: elementwise,
  Where: (n, ins, env) => [{ ...elementwise(n, ins, env)[0]!, elemType: ins[1]?.elemType ?? DataType.FLOAT }],
  Greater: boolElementwise,
  Less: boolElementwise,
  Equal: boolElementwise,
  GreaterOrEqual: boolElementwise,
  LessOrEqual: boolElementwise,
  Cast: (n, ins) => {
    const out: TensorInfo = { elemType: attrInt(n, 'to', DataType.FLOAT) };
    if (ins[0]?.shape) out.shape = ins[0].shape;
    return [out];
  },
  MatMul: (n, ins) => {
    const [a, b] = ins;
    const out: TensorInfo = { elemType: first(ins).elemType };
    if (a?.shape && b?.shape) out.shape = matmulShape(a.shape, b.shape, `MatMul '${n.name}'`);
    return [out];
  },
  Gemm: (n, ins) => {
    const [a, b] = ins;
    const out: TensorInfo = { elemType: first(ins).elemType };
    if (a?.shape && b?.shape) {
      const m = attrInt(n, 'transA', 0) ? a.shape[1]! : a.shape[0]!;
      const nn = attrInt(n, 'transB', 0) ? b.shape[0]! : b.shape[1]!;
      // C broadcasts to [M, N] (a C with more rows than one pins M: a fixed-batch export's bias)
      const c = ins[2]?.shape;
      out.shape = c ? broadcastShapes([m, nn], c, `Gemm '${n.name}'`) : [m, nn];
    }
    return [out];
  },
  Transpose: (n, ins) => {
    const x = first(ins);
    if (!x.shape) return [x];
    const perm = attrInts(n, 'perm') ?? x.shape.map((_, i) => x.shape!.length - 1 - i);
    return [{ elemType: x.elemType, shape: perm.map((p) => x.shape![p]!) }];
  },
  // [N, C, H, W] <-> [N, C·b², H/b, W/b] (blocksize b)
  SpaceToDepth: (n, ins) => {
    const x = first(ins);
    const bs = attrInt(n, 'blocksize', 1);
    if (!x.shape || x.shape.length !== 4) return [{ elemType: x.elemType }];
    const [N, C, H, W] = x.shape as [Dim, Dim, Dim, Dim];
    const f = (d: Dim, k: number): Dim => (typeof d === 'number' ? d * k : null);
    const g = (d: Dim): Dim => (typeof d === 'number' ? Math.floor(d / bs) : null);
    return [{ elemType: x.elemType, shape: [N, f(C, bs * bs), g(H), g(W)] }];
  },
  DepthToSpace: (n, ins) => {
    const x = first(ins);
    const bs = attrInt(n, 'blocksize', 1);
    if (!x.shape || x.shape.length !== 4) return [{ elemType: x.elemType }];
    const [N, C, H, W] = x.shape as [Dim, Dim, Dim, Dim];
    const f = (d: Dim): Dim => (typeof d === 'number' ? d * bs : null);
    return [{ elemType: x.elemType, shape: [N, typeof C === 'number' ? Math.floor(C / (bs * bs)) : null, f(H), f(W)] }];
  },
  Flatten: (n, ins) => {
    const x = first(ins);
    if (!x.shape) return [{ elemType: x.elemType }];
    const ax = normAxis(attrInt(n, 'axis', 1), x.shape.length);
    return [{ elemType: x.elemType, shape: [ax === 0 ? 1 : mulDims(x.shape.slice(0, ax)) ?? (ax === 1 ? x.shape[0]! : null), mulDims(x.shape.slice(ax))] }];
  },
  Reshape: (n, ins, env) => {
    const x = first(ins);
    const target = env.consts.get(n.inputs[1]!);
    if (!target) return [{ elemType: x.elemType }];
    const allowZero = attrInt(n, 'allowzero', 0) === 1;
    const shape: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? x.shape?.[i] ?? null : d));
    const neg = shape.indexOf(-1);
    if (neg >= 0) {
      const total = x.shape ? mulDims(x.shape) : null;
      const rest = mulDims(shape.filter((_, i) => i !== neg));
      if (typeof total === 'number' && typeof rest === 'number' && rest !== 0) shape[neg] = total / rest;
      else if (x.shape && rest !== null) {
        // symbolic batch: [N, a, b] -> [-1, a*b] keeps N when the other dims account for the rest
        const known = mulDims(x.shape.filter((d) => typeof d === 'number'));
        const sym = x.shape.filter((d) => typeof d !== 'number');
        // … and [N, k, a] -> [-1, a] is the symbol 'N*k' (as Tile names a tiled symbolic dim)
        shape[neg] = sym.length === 1 && known === rest ? sym[0]! : sym.length === 1 && typeof sym[0] === 'string' && known !== null && rest > 0 && known % rest === 0 ? `${sym[0]}*${known / rest}` : null;
      } else if (x.shape) {
        // the same symbolic dims on both sides ([N, 6, 4, 4] -> [0, 3, -1]) cancel: -1 is the ratio of the static parts
        const symX = x.shape.filter((d) => typeof d !== 'number').sort();
        const symT = shape.filter((d, i) => i !== neg && typeof d !== 'number').sort();
        const kx = mulDims(x.shape.filter((d) => typeof d === 'number'));
        const kt = mulDims(shape.filter((d, i) => i !== neg && typeof d === 'number'));
        const cancel = symX.length === symT.length && symX.every((d, i) => d !== null && d === symT[i]);
        shape[neg] = cancel && kx !== null && kt !== null && kt !== 0 && kx % kt === 0 ? kx / kt : null;
      } else shape[neg] = null;
    }
    return [{ elemType: x.elemType, shape }];
  },
  Squeeze: (n, ins, env) => {
    const x = first(ins);
    if (!x.shape) return [x];
    const axes = attrInts(n, 'axes') ?? (n.inputs[1] ? env.consts.get(n.inputs[1]) : undefined);
    if (!axes) return [{ elemType: x.elemType, shape: x.shape.filter((d) => d !== 1) }];
    const ax = axes.map((a) => normAxis(a, x.shape!.length));
    return [{ elemType: x.elemType, shape: x.shape.filter((_, i) => !ax.includes(i)) }];
  },
  Unsqueeze: (n, ins, env) => {
    const x = first(ins);
    const axes = attrInts(n, 'axes') ?? (n.inputs[1] ? env.consts.get(n.inputs[1]) : undefined);
    if (!x.shape || !axes) return [{ elemType: x.elemType }];
    const r: number = x.shape.length + (axes as number[]).length;
    const ax = axes.map((a) => normAxis(a, r));
    const out: Dim[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) out.push(ax.includes(i) ? 1 : x.shape[j++]!);
    return [{ elemType: x.elemType, shape: out }];
  },
  Concat: (n, ins) => {
    const x = first(ins);
    if (ins.some((t) => !t?.shape)) return [{ elemType: x.elemType }];
    const ax = normAxis(attrInt(n, 'axis', 0), x.shape!.length);
    const shape = [...x.shape!];
    shape[ax] = ins.reduce<Dim>((s, t) => (typeof s === 'number' && typeof t!.shape![ax] === 'number' ? s + (t!.shape![ax] as number) : null), 0);
    return [{ elemType: x.elemType, shape }];
  },
  Slice: (n, ins, env) => {
    const x = first(ins);
    if (!x.shape) return [x];
    const starts = env.consts.get(n.inputs[1]!);
    const ends = env.consts.get(n.inputs[2]!);
    if (!starts || !ends) return [{ elemType: x.elemType }];
    const r = x.shape.length;
    const axes = n.inputs[3] ? env.consts.get(n.inputs[3]) : starts.map((_, i) => i);
    const steps = n.inputs[4] ? env.consts.get(n.inputs[4]) : starts.map(() => 1);
    if (!axes || !steps) return [{ elemType: x.elemType }];
    const shape = [...x.shape];
    axes.forEach((a0, i) => {
      const a = normAxis(a0, r);
      const d = x.shape![a];
      if (typeof d !== 'number') {
        shape[a] = null;
        return;
      }
      const st = steps[i]!;
      const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
      let s = starts[i]! < 0 ? starts[i]! + d : starts[i]!;
      let e = ends[i]! < 0 ? ends[i]! + d : ends[i]!;
      if (st > 0) {
        s = clamp(s, 0, d);
        e = clamp(e, 0, d);
        shape[a] = Math.max(0, Math.ceil((e - s) / st));
      } else {
        s = clamp(s, 0, d - 1);
        e = clamp(e, -1, d - 1);
        shape[a] = Math.max(0, Math.ceil((s - e) / -st));
      }
    });
    return [{ elemType: x.elemType, shape }];
  },
  ReduceSum: reduce,
  ReduceMean: reduce,
  ReduceMax: reduce,
  ReduceMin: reduce,
  ReduceProd: reduce,
  ReduceL2: reduce,
  ReduceSumSquare: reduce,
  ReduceLogSumExp: reduce,
  Shape: (n, ins) => {
    const x = first(ins);
    if (!x.shape) return [{ elemType: DataType.INT64 }];
    const r = x.shape.length;
    const s = normAxis(attrInt(n, 'start', 0), r);
    const e = attr(n, 'end') ? normAxis(attrInt(n, 'end', r), r) : r;
    return [{ elemType: DataType.INT64, shape: [Math.max(0, Math.min(e, r) - Math.max(s, 0))] }];
  },
  Size: () => [{ elemType: DataType.INT64, shape: [] }],
  Gather: (n, ins) => {
    const [x, idx] = ins;
    const out: TensorInfo = { elemType: first(ins).elemType };
    if (x?.shape && idx?.shape) {
      const ax = normAxis(attrInt(n, 'axis', 0), x.shape.length);
      out.shape = [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)];
    }
    return [out];
  },
  Constant: (n) => {
    const v = attr(n, 'value');
    if (v && v.type === 'tensor') return [{ elemType: v.value.dataType, shape: v.value.dims }];
    const vf = attr(n, 'value_float');
    if (vf) return [{ elemType: DataType.FLOAT, shape: [] }];
    const vi = attr(n, 'value_int');
    if (vi) return [{ elemType: DataType.INT64, shape: [] }];
    const vis = attr(n, 'value_ints');
    if (vis && vis.type === 'ints') return [{ elemType: DataType.INT64, shape: [vis.value.length] }];
    const vfs = attr(n, 'value_floats');
    if (vfs && vfs.type === 'floats') return [{ elemType: DataType.FLOAT, shape: [vfs.value.length] }];
    return [{ elemType: DataType.FLOAT }];
  },
  ConstantOfShape: (n, ins, env) => {
    const v = attr(n, 'value');
    const elemType = v && v.type === 'tensor' ? v.value.dataType : DataType.FLOAT;
    const s = env.consts.get(n.inputs[0]!);
    return [s ? { elemType, shape: s } : { elemType }];
  },
  Expand: (n, ins, env) => {
    const x = first(ins);
    const s = env.consts.get(n.inputs[1]!);
    if (!x.shape || !s) return [{ elemType: x.elemType }];
    return [{ elemType: x.elemType, shape: broadcastShapes(x.shape, s, `Expand '${n.name}'`) }];
  },
  Tile: (n, ins, env) => {
    const x = first(ins);
    const reps = env.consts.get(n.inputs[1]!);
    if (!x.shape || !reps) return [{ elemType: x.elemType }];
    // a symbolic dim tiled k times is a new symbol 'N*k' (so a later Reshape [0, …, -1] still cancels it)
    return [{ elemType: x.elemType, shape: x.shape.map((d, i) => (typeof d === 'number' ? d * reps[i]! : reps[i] === 1 ? d : typeof d === 'string' ? `${d}*${reps[i]}` : null)) }];
  },
  Conv: (n, ins) => {
    const [x, w] = ins;
    const out: TensorInfo = { elemType: first(ins).elemType };
    if (x?.shape && w?.shape) {
      const kernel = attrInts(n, 'kernel_shape') ?? (w.shape.slice(2) as number[]);
      out.shape = [x.shape[0]!, w.shape[0]!, ...convLikeSpatial(n, x.shape.slice(2), kernel)];
    }
    return [out];
  },
  ConvTranspose: (n, ins) => {
    const [x, w] = ins;
    const out: TensorInfo = { elemType: first(ins).elemType };
    const os = attrInts(n, 'output_shape');
    if (x?.shape && w?.shape) {
      const group = attrInt(n, 'group', 1);
      const k = w.shape.length - 2;
      const kernel = attrInts(n, 'kernel_shape') ?? (w.shape.slice(2) as number[]);
      const strides = attrInts(n, 'strides') ?? Array(k).fill(1);
      const dil = attrInts(n, 'dilations') ?? Array(k).fill(1);
      const pads = attrInts(n, 'pads') ?? Array(2 * k).fill(0);
      const opad = attrInts(n, 'output_padding') ?? Array(k).fill(0);
      const ap = attr(n, 'auto_pad');
      const same = ap && ap.type === 'string' && (ap.value === 'SAME_UPPER' || ap.value === 'SAME_LOWER');
      const spatial =
        os ??
        x.shape.slice(2).map((d, i) => (typeof d !== 'number' ? null : same ? d * strides[i]! : strides[i]! * (d - 1) + opad[i]! + (kernel[i]! - 1) * dil[i]! + 1 - pads[i]! - pads[i + k]!));
      const cout = typeof w.shape[1] === 'number' ? w.shape[1] * group : null;
      out.shape = [x.shape[0]!, cout, ...spatial];
    }
    return [out];
  },
  MaxPool: (n, ins) => {
    const x = first(ins);
    const kernel = attrInts(n, 'kernel_shape')!;
    const shape = x.shape ? [x.shape[0]!, x.shape[1]!, ...convLikeSpatial(n, x.shape.slice(2), kernel, attrInt(n, 'ceil_mode', 0) === 1)] : undefined;
    const o: TensorInfo = shape ? { elemType: x.elemType, shape } : { elemType: x.elemType };
    return n.outputs.length > 1 ? [o, { ...o, elemType: DataType.INT64 }] : [o];
  },
  AveragePool: (n, ins) => {
    const x = first(ins);
    const kernel = attrInts(n, 'kernel_shape')!;
    if (!x.shape) return [x];
    return [{ elemType: x.elemType, shape: [x.shape[0]!, x.shape[1]!, ...convLikeSpatial(n, x.shape.slice(2), kernel, attrInt(n, 'ceil_mode', 0) === 1)] }];
  },
  GlobalAveragePool: (_n, ins) => {
    const x = first(ins);
    if (!x.shape) return [x];
    return [{ elemType: x.elemType, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
  },
  GlobalMaxPool: (_n, ins) => {
    const x = first(ins);
    if (!x.shape) return [x];
    return [{ elemType: x.elemType, shape: [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] }];
  },
  ScatterElements: same,
  GatherElements: (_n, ins) => [{ ...first(ins), ...(ins[1]?.shape ? { shape: ins[1].shape } : {}) }],
  ArgMax: (n, ins) => {
    // one `axis` (default 0), not `axes`; the result holds int64 indices
    const x = first(ins);
    if (!x.shape) return [{ elemType: DataType.INT64 }];
    const ax = normAxis(attrInt(n, 'axis', 0), x.shape.length);
    const keep = attrInt(n, 'keepdims', 1) === 1;
    return [{ elemType: DataType.INT64, shape: keep ? x.shape.map((d, i) => (i === ax ? 1 : d)) : x.shape.filter((_, i) => i !== ax) }];
  },
  OneHot: () => [{ elemType: DataType.FLOAT }],
  Range: () => [{ elemType: DataType.INT64, shape: [null] }],
  Pad: (n, ins, env) => {
    const x = first(ins);
    const pads = attrInts(n, 'pads') ?? (n.inputs[1] ? env.consts.get(n.inputs[1]) : undefined);
    const r = x.shape?.length ?? 0;
    const axes = n.inputs[3] ? env.consts.get(n.inputs[3])?.map((a) => normAxis(a, r)) : x.shape?.map((_, i) => i);
    if (!x.shape || !pads || !axes || pads.length !== 2 * axes.length) return [{ elemType: x.elemType }];
    const k = axes.length;
    return [{ elemType: x.elemType, shape: x.shape.map((d, i) => {
      const j = axes.indexOf(i);
      return j < 0 || (pads[j] === 0 && pads[j + k] === 0) ? d : typeof d === 'number' ? d + pads[j]! + pads[j + k]! : null;
    }) }];
  },
  Einsum: (n, ins) => {
    const x = first(ins);
    const eq = attr(n, 'equation');
    if (!eq || eq.type !== 'string' || ins.some((t) => !t?.shape)) return [{ elemType: x.elemType }];
    const t = parseEinsum(eq.value, ins.map((t) => t!.shape!.length), `Einsum '${n.name}'`);
    return [{ elemType: x.elemType, shape: einsumShape(t, ins.map((t) => t!.shape!)) }];
  },
  Trilu: same,
  IsNaN: (n, ins, env) => boolElementwise(n, ins, env),
};

/** Ops that shape inference knows. */
export function knownOps(): string[] {
  return Object.keys(INFER);
}

function foldConst(n: NodeProto, env: ShapeEnv): void {
  const ints = (name: string | undefined): number[] | undefined => (name === undefined ? undefined : env.consts.get(name));
  const out = n.outputs[0]!;
  switch (n.opType) {
    case 'Constant': {
      const v = attr(n, 'value');
      if (v && v.type === 'tensor' && (v.value.dataType === DataType.INT64 || v.value.dataType === DataType.INT32)) {
        const t = tensorFromProto(v.value);
        if (t.data.length <= 64) env.consts.set(out, Array.from(t.data as ArrayLike<number | bigint>, Number));
      }
      const vis = attr(n, 'value_ints');
      if (vis && vis.type === 'ints') env.consts.set(out, vis.value);
      const vi = attr(n, 'value_int');
      if (vi && vi.type === 'int') env.consts.set(out, [vi.value]);
      return;
    }
    case 'Shape': {
      const s = env.info.get(n.inputs[0]!)?.shape;
      if (s && s.every((d) => typeof d === 'number')) {
        const r = s.length;
        const st = normAxis(attrInt(n, 'start', 0), r);
        const e = attr(n, 'end') ? normAxis(attrInt(n, 'end', r), r) : r;
        env.consts.set(out, (s as number[]).slice(st, e));
      }
      return;
    }
    case 'Cast':
    case 'Identity': {
      const c = ints(n.inputs[0]);
      if (c) env.consts.set(out, c);
      return;
    }
    case 'Concat': {
      const parts = n.inputs.map(ints);
      if (parts.every((p) => p)) env.consts.set(out, parts.flatMap((p) => p!));
      return;
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      const c = ints(n.inputs[0]);
      if (c) env.consts.set(out, c);
      return;
    }
    case 'Gather': {
      const c = ints(n.inputs[0]);
      const i = ints(n.inputs[1]);
      if (c && i) env.consts.set(out, i.map((k) => c[k < 0 ? k + c.length : k]!));
      return;
    }
    case 'Mul':
    case 'Add':
    case 'Sub':
    case 'Div': {
      const a = ints(n.inputs[0]);
      const b = ints(n.inputs[1]);
      if (a && b && (a.length === b.length || a.length === 1 || b.length === 1)) {
        const len = Math.max(a.length, b.length);
        const f = { Mul: (x: number, y: number) => x * y, Add: (x: number, y: number) => x + y, Sub: (x: number, y: number) => x - y, Div: (x: number, y: number) => Math.trunc(x / y) }[n.opType]!;
        env.consts.set(out, Array.from({ length: len }, (_, k) => f(a[a.length === 1 ? 0 : k]!, b[b.length === 1 ? 0 : k]!)));
      }
      return;
    }
    default:
  }
}

/** What shape inference reads of a graph (a GraphBuilder is one). */
export interface ShapeGraph {
  readonly inputs: readonly ValueInfo[];
  readonly initializers: ReadonlyMap<string, TypedTensor>;
  readonly nodes: readonly NodeProto[];
}

/**
 * Infer element types and shapes of every tensor in the graph, in node order (the graph must be topologically sorted).
 * Throws UNSUPPORTED_OP for ops it does not know, naming the node.
 */
export function inferShapes(g: ShapeGraph): ShapeEnv {
  const env: ShapeEnv = { info: new Map(), consts: new Map(), floats: new Map() };
  for (const v of g.inputs) env.info.set(v.name, v.shape ? { elemType: v.elemType, shape: v.shape } : { elemType: v.elemType });
  for (const [name, t] of g.initializers) {
    env.info.set(name, { elemType: t.dataType, shape: t.dims });
    if ((t.dataType === DataType.INT64 || t.dataType === DataType.INT32) && t.data.length <= 64) {
      env.consts.set(name, Array.from(t.data as ArrayLike<number | bigint>, Number));
    }
    if ((t.dataType === DataType.FLOAT || t.dataType === DataType.DOUBLE) && t.data.length <= 64) env.floats!.set(name, Array.from(t.data as ArrayLike<number>));
  }
  for (const n of g.nodes) {
    const f = INFER[n.opType];
    if (!f || (n.domain !== '' && n.domain !== 'ai.onnx')) {
      throw new GeolensError('UNSUPPORTED_OP', `shape inference: op ${n.domain ? n.domain + '.' : ''}${n.opType} (node '${n.name}') is not supported by geolens.`, {
        op: n.opType,
        node: n.name,
      });
    }
    const outs = f(
      n,
      n.inputs.map((i) => (i === '' ? undefined : env.info.get(i))),
      env,
    );
    n.outputs.forEach((o, i) => {
      if (o !== '') env.info.set(o, outs[i] ?? outs[0]!);
    });
    foldConst(n, env);
  }
  return env;
}
