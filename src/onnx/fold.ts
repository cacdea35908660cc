/**
 * Constant folding of the small integer (and float) subgraphs exporters write for shapes and pads: torch writes the
 * pads of ReflectionPad2d as ConstantOfShape → Concat → Reshape → Slice → Transpose → Reshape → Cast, and
 * x.view(B, -1) at a fixed batch as Constant → Unsqueeze → Concat. Nodes whose inputs are all constants are
 * evaluated here (in plain JS: the tensors are a few dozen numbers) and become initializers, so shape inference and
 * the gradient rules see constant pads, shapes and axes. Pure: no I/O.
 */
import { attr, attrInt, attrInts } from './attributes.js';
import { DataType, type NodeProto } from './proto.js';
import { int64ArrayFrom, tensorFromProto, type TypedTensor } from './tensors.js';

/** Largest tensor folded (elements): constants of shapes and pads are small; weights are left alone. */
export const MAX_FOLD_ELEMENTS = 4096;

/** Ops the folder evaluates. */
export const FOLDABLE_OPS: ReadonlySet<string> = new Set([
  'ConstantOfShape', 'Concat', 'Reshape', 'Slice', 'Transpose', 'Cast', 'Unsqueeze', 'Squeeze', 'Gather', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Range', 'Expand',
]);

interface Arr {
  dataType: number;
  dims: number[];
  v: number[];
}

const INTS = new Set<number>([DataType.INT64, DataType.INT32, DataType.INT8, DataType.UINT8, DataType.BOOL]);

function toArr(t: TypedTensor): Arr {
  return { dataType: t.dataType, dims: [...t.dims], v: Array.from(t.data as ArrayLike<number | bigint>, Number) };
}

function fromArr(a: Arr): TypedTensor {
  const n = a.v;
  switch (a.dataType) {
    case DataType.INT64:
      return { dataType: a.dataType, dims: a.dims, data: int64ArrayFrom(n) };
    case DataType.INT32:
      return { dataType: a.dataType, dims: a.dims, data: Int32Array.from(n) };
    case DataType.DOUBLE:
      return { dataType: a.dataType, dims: a.dims, data: Float64Array.from(n) };
    case DataType.INT8:
      return { dataType: a.dataType, dims: a.dims, data: Int8Array.from(n) };
    case DataType.UINT8:
    case DataType.BOOL:
      return { dataType: a.dataType, dims: a.dims, data: Uint8Array.from(n) };
    default:
      return { dataType: DataType.FLOAT, dims: a.dims, data: Float32Array.from(n) };
  }
}

const size = (dims: number[]): number => dims.reduce((p, d) => p * d, 1);
const strides = (dims: number[]): number[] => dims.map((_, i) => size(dims.slice(i + 1)));
const norm = (a: number, r: number): number => (a < 0 ? a + r : a);

function broadcast(a: Arr, b: Arr, f: (x: number, y: number) => number): Arr | undefined {
  const r = Math.max(a.dims.length, b.dims.length);
  const da = [...Array<number>(r - a.dims.length).fill(1), ...a.dims];
  const db = [...Array<number>(r - b.dims.length).fill(1), ...b.dims];
  const dims: number[] = [];
  for (let i = 0; i < r; i++) {
    if (da[i] !== db[i] && da[i] !== 1 && db[i] !== 1) return undefined;
    dims.push(Math.max(da[i]!, db[i]!));
  }
  const sa = strides(da);
  const sb = strides(db);
  const so = strides(dims);
  const v = new Array<number>(size(dims));
  for (let k = 0; k < v.length; k++) {
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < r; i++) {
      const c = Math.floor(k / so[i]!) % dims[i]!;
      ia += (da[i] === 1 ? 0 : c) * sa[i]!;
      ib += (db[i] === 1 ? 0 : c) * sb[i]!;
    }
    v[k] = f(a.v[ia]!, b.v[ib]!);
  }
  return { dataType: a.dataType, dims, v };
}

function evaluate(n: NodeProto, ins: (Arr | undefined)[]): Arr | undefined {
  const x = ins[0];
  switch (n.opType) {
    case 'Identity':
      return x;
    case 'ConstantOfShape': {
      const a = attr(n, 'value');
      const fill = a && a.type === 'tensor' ? toArr(tensorFromProto(a.value)) : { dataType: DataType.FLOAT, dims: [1], v: [0] };
      const dims = x!.v;
      return { dataType: fill.dataType, dims, v: new Array<number>(size(dims)).fill(fill.v[0] ?? 0) };
    }
    case 'Concat': {
      const parts = ins.filter((p): p is Arr => p !== undefined);
      const r = parts[0]!.dims.length;
      const ax = norm(attrInt(n, 'axis', 0), r);
      const outer = size(parts[0]!.dims.slice(0, ax));
      const v: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const p of parts) {
          const chunk = size(p.dims.slice(ax));
          v.push(...p.v.slice(o * chunk, (o + 1) * chunk));
        }
      }
      const dims = [...parts[0]!.dims];
      dims[ax] = parts.reduce((s, p) => s + p.dims[ax]!, 0);
      return { dataType: parts[0]!.dataType, dims, v };
    }
    case 'Reshape': {
      const t = ins[1]!.v.map((d, i) => (d === 0 && attrInt(n, 'allowzero', 0) === 0 ? x!.dims[i]! : d));
      const neg = t.indexOf(-1);
      if (neg >= 0) t[neg] = x!.v.length / size(t.filter((_, i) => i !== neg));
      return { ...x!, dims: t };
    }
    case 'Transpose': {
      const r = x!.dims.length;
      const perm = attrInts(n, 'perm') ?? x!.dims.map((_, i) => r - 1 - i);
      const dims = perm.map((p) => x!.dims[p]!);
      const si = strides(x!.dims);
      const so = strides(dims);
      const v = new Array<number>(x!.v.length);
      for (let k = 0; k < v.length; k++) {
        let src = 0;
        for (let i = 0; i < r; i++) src += (Math.floor(k / so[i]!) % dims[i]!) * si[perm[i]!]!;
        v[k] = x!.v[src]!;
      }
      return { dataType: x!.dataType, dims, v };
    }
    case 'Slice': {
      const r = x!.dims.length;
      const starts = ins[1]!.v;
      const ends = ins[2]!.v;
      const axes = ins[3]?.v.map((a) => norm(a, r)) ?? starts.map((_, i) => i);
      const steps = ins[4]?.v ?? starts.map(() => 1);
      const ranges = x!.dims.map((d) => Array.from({ length: d }, (_, i) => i));
      axes.forEach((a, i) => {
        const d = x!.dims[a]!;
        const st = steps[i]!;
        const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
        let s = starts[i]! < 0 ? starts[i]! + d : starts[i]!;
        let e = ends[i]! < 0 ? ends[i]! + d : ends[i]!;
        const idx: number[] = [];
        if (st > 0) {
          s = clamp(s, 0, d);
          e = clamp(e, 0, d);
          for (let k = s; k < e; k += st) idx.push(k);
        } else {
          s = clamp(s, 0, d - 1);
          e = clamp(e, -1, d - 1);
          for (let k = s; k > e; k += st) idx.push(k);
        }
        ranges[a] = idx;
      });
      const dims = ranges.map((rg) => rg.length);
      const si = strides(x!.dims);
      const so = strides(dims);
      const v = new Array<number>(size(dims));
      for (let k = 0; k < v.length; k++) {
        let src = 0;
        for (let i = 0; i < r; i++) src += ranges[i]![Math.floor(k / so[i]!) % dims[i]!]! * si[i]!;
        v[k] = x!.v[src]!;
      }
      return { dataType: x!.dataType, dims, v };
    }
    case 'Cast': {
      const to = attrInt(n, 'to', DataType.FLOAT);
      const v = INTS.has(to) ? x!.v.map((a) => (to === DataType.BOOL ? (a !== 0 ? 1 : 0) : Math.trunc(a))) : x!.v;
      return { dataType: to, dims: x!.dims, v };
    }
    case 'Unsqueeze': {
      const axes0 = attrInts(n, 'axes') ?? ins[1]?.v;
      if (!axes0) return undefined;
      const r = x!.dims.length + axes0.length;
      const axes = axes0.map((a) => norm(a, r));
      const dims: number[] = [];
      let j = 0;
      for (let i = 0; i < r; i++) dims.push(axes.includes(i) ? 1 : x!.dims[j++]!);
      return { ...x!, dims };
    }
    case 'Squeeze': {
      const axes = (attrInts(n, 'axes') ?? ins[1]?.v)?.map((a) => norm(a, x!.dims.length));
      return { ...x!, dims: x!.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)) };
    }
    case 'Gather': {
      const r = x!.dims.length;
      const ax = norm(attrInt(n, 'axis', 0), r);
      const idx = ins[1]!;
      const outer = size(x!.dims.slice(0, ax));
      const inner = size(x!.dims.slice(ax + 1));
      const d = x!.dims[ax]!;
      const v: number[] = [];
      for (let o = 0; o < outer; o++) for (const i0 of idx.v) for (let k = 0; k < inner; k++) v.push(x!.v[(o * d + norm(i0, d)) * inner + k]!);
      return { dataType: x!.dataType, dims: [...x!.dims.slice(0, ax), ...idx.dims, ...x!.dims.slice(ax + 1)], v };
    }
    case 'Add':
      return broadcast(x!, ins[1]!, (a, b) => a + b);
    case 'Sub':
      return broadcast(x!, ins[1]!, (a, b) => a - b);
    case 'Mul':
      return broadcast(x!, ins[1]!, (a, b) => a * b);
    case 'Div':
      return broadcast(x!, ins[1]!, INTS.has(x!.dataType) ? (a, b) => Math.trunc(a / b) : (a, b) => a / b);
    case 'Neg':
      return { ...x!, v: x!.v.map((a) => -a) };
    case 'Range': {
      const [s, l, d] = [ins[0]!.v[0]!, ins[1]!.v[0]!, ins[2]!.v[0]!];
      const len = Math.max(Math.ceil((l - s) / d), 0);
      return { dataType: x!.dataType, dims: [len], v: Array.from({ length: len }, (_, i) => s + i * d) };
    }
    case 'Expand': {
      const shape = ins[1]!.v;
      const ones: Arr = { dataType: x!.dataType, dims: shape, v: new Array<number>(size(shape)).fill(0) };
      return broadcast(x!, ones, (a) => a);
    }
    default:
      return undefined;
  }
}

/**
 * Fold every node of `nodes` (topologically sorted) whose op is foldable and whose inputs are all constants in
 * `inits`, into `inits`. Returns the nodes that remain and how many were folded. Only small tensors (≤ 4096
 * elements) are evaluated; anything the evaluator cannot do is left as it is.
 */
export function foldConstantNodes(nodes: NodeProto[], inits: Map<string, TypedTensor>): { nodes: NodeProto[]; folded: number } {
  const kept: NodeProto[] = [];
  let folded = 0;
  for (const n of nodes) {
    const std = n.domain === '' || n.domain === 'ai.onnx';
    const inputs = n.inputs.map((i) => (i === '' ? undefined : inits.get(i)));
    const allConst = n.inputs.every((i, k) => i === '' || inputs[k] !== undefined);
    if (!std || !FOLDABLE_OPS.has(n.opType) || n.outputs.length !== 1 || !allConst || inputs.some((t) => t && t.data.length > MAX_FOLD_ELEMENTS)) {
      kept.push(n);
      continue;
    }
    let out: Arr | undefined;
    try {
      out = evaluate(n, inputs.map((t) => (t ? toArr(t) : undefined)));
    } catch {
      out = undefined;
    }
    if (!out || out.v.length > MAX_FOLD_ELEMENTS || out.v.length !== size(out.dims) || out.v.some((v) => Number.isNaN(v))) {
      kept.push(n);
      continue;
    }
    inits.set(n.outputs[0]!, fromArr(out));
    folded++;
  }
  return { nodes: kept, folded };
}
