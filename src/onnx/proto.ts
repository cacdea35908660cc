/**
 * ONNX ModelProto encode/decode (the subset of onnx.proto, IR version ≤ 10, that classifiers use).
 * Field numbers follow onnx/onnx.proto exactly. Unknown fields are skipped on decode.
 */
import { GeolensError } from '../errors.js';
import type { DataTypeCode } from './dtypes.js';
import { WireReader, WireWriter, WireType } from './wire.js';

// The element types (codes, names, sizes) live in the one dtype map (dtypes.ts); re-exported for the protobuf layer's users.
export { DataType, DATA_TYPE_NAMES, elementSize, type DataTypeCode } from './dtypes.js';

export interface ExternalDataRef {
  location: string;
  offset: number;
  length: number | undefined;
}

/** A decoded TensorProto. Exactly one of the data fields is meaningful; `raw` is little-endian bytes. */
export interface TensorProto {
  name: string;
  dataType: DataTypeCode;
  dims: number[];
  raw?: Uint8Array;
  floatData?: number[];
  doubleData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  external?: ExternalDataRef;
}

export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  elemType: DataTypeCode;
  /** undefined: rank unknown */
  shape?: Dim[];
}

export type Attribute =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'tensor'; value: TensorProto }
  | { name: string; type: 'graph'; value: GraphProto }
  | { name: string; type: 'floats'; value: number[] }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'strings'; value: string[] };

export interface NodeProto {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
}

export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
}

export interface OpsetId {
  domain: string;
  version: number;
}

export interface ModelProto {
  irVersion: number;
  opsetImports: OpsetId[];
  producerName: string;
  producerVersion: string;
  graph: GraphProto;
  metadata: Record<string, string>;
  /** true when the file declares ONNX functions (not supported; import reports it). */
  hasFunctions?: boolean;
}

// ------------------------------------------------------------------ decode

const ATTR_TYPE: Record<number, Attribute['type'] | 'unsupported'> = {
  1: 'float',
  2: 'int',
  3: 'string',
  4: 'tensor',
  5: 'graph',
  6: 'floats',
  7: 'ints',
  8: 'strings',
};

function decodeStringEntry(r: WireReader): [string, string] {
  let k = '';
  let v = '';
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WireType.Bytes) k = r.string();
    else if (field === 2 && wire === WireType.Bytes) v = r.string();
    else r.skip(wire);
  }
  return [k, v];
}

function decodeTensor(r: WireReader): TensorProto {
  const t: TensorProto = { name: '', dataType: 0, dims: [] };
  let location = 0;
  const ext: Record<string, string> = {};
  while (!r.done()) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        r.packedVarints(wire, t.dims);
        break;
      case 2:
        t.dataType = r.varint();
        break;
      case 4:
        r.packedFloats(wire, (t.floatData ??= []));
        break;
      case 5:
        r.packedVarints(wire, (t.int32Data ??= []));
        break;
      case 7:
        r.packedVarints(wire, (t.int64Data ??= []));
        break;
      case 8:
        t.name = r.string();
        break;
      case 9:
        t.raw = r.bytes();
        break;
      case 10:
        r.packedDoubles(wire, (t.doubleData ??= []));
        break;
      case 13: {
        const [k, v] = decodeStringEntry(r.sub());
        ext[k] = v;
        break;
      }
      case 14:
        location = r.varint();
        break;
      default:
        r.skip(wire);
    }
  }
  if (location === 1) {
    const offset = ext.offset !== undefined ? Number(ext.offset) : 0;
    const length = ext.length !== undefined ? Number(ext.length) : undefined;
    t.external = { location: ext.location ?? '', offset, length };
  }
  return t;
}

function decodeDim(r: WireReader): Dim {
  let d: Dim = null;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) d = r.varint();
    else if (field === 2) d = r.string();
    else r.skip(wire);
  }
  return d;
}

function decodeValueInfo(r: WireReader): ValueInfo {
  const v: ValueInfo = { name: '', elemType: 0 };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) v.name = r.string();
    else if (field === 2) {
      const tr = r.sub();
      while (!tr.done()) {
        const t = tr.tag();
        if (t.field === 1) {
          const tt = tr.sub();
          while (!tt.done()) {
            const u = tt.tag();
            if (u.field === 1) v.elemType = tt.varint();
            else if (u.field === 2) {
              const sr = tt.sub();
              const shape: Dim[] = [];
              while (!sr.done()) {
                const s = sr.tag();
                if (s.field === 1) shape.push(decodeDim(sr.sub()));
                else sr.skip(s.wire);
              }
              v.shape = shape;
            } else tt.skip(u.wire);
          }
        } else tr.skip(t.wire);
      }
    } else r.skip(wire);
  }
  return v;
}

function decodeAttribute(r: WireReader): Attribute {
  let name = '';
  let type = 0;
  let f = 0;
  let i = 0;
  let s = '';
  let t: TensorProto | undefined;
  let g: GraphProto | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  while (!r.done()) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        name = r.string();
        break;
      case 20:
        type = r.varint();
        break;
      case 2:
        f = r.float32();
        break;
      case 3:
        i = r.varint();
        break;
      case 4:
        s = r.string();
        break;
      case 5:
        t = decodeTensor(r.sub());
        break;
      case 6:
        g = decodeGraph(r.sub());
        break;
      case 7:
        r.packedFloats(wire, floats);
        break;
      case 8:
        r.packedVarints(wire, ints);
        break;
      case 9:
        strings.push(r.string());
        break;
      default:
        r.skip(wire);
    }
  }
  const kind = ATTR_TYPE[type] ?? 'unsupported';
  switch (kind) {
    case 'float':
      return { name, type: kind, value: f };
    case 'int':
      return { name, type: kind, value: i };
    case 'string':
      return { name, type: kind, value: s };
    case 'tensor':
      if (!t) throw new GeolensError('BAD_FILE', `${r.source}: attribute '${name}' is a tensor attribute without a tensor`);
      return { name, type: kind, value: t };
    case 'graph':
      if (!g) throw new GeolensError('BAD_FILE', `${r.source}: attribute '${name}' is a graph attribute without a graph`);
      return { name, type: kind, value: g };
    case 'floats':
      return { name, type: kind, value: floats };
    case 'ints':
      return { name, type: kind, value: ints };
    case 'strings':
      return { name, type: kind, value: strings };
    default:
      throw new GeolensError('BAD_FILE', `${r.source}: attribute '${name}' has unsupported attribute type ${type}`);
  }
}

function decodeNode(r: WireReader): NodeProto {
  const n: NodeProto = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  while (!r.done()) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        n.inputs.push(r.string());
        break;
      case 2:
        n.outputs.push(r.string());
        break;
      case 3:
        n.name = r.string();
        break;
      case 4:
        n.opType = r.string();
        break;
      case 5:
        n.attributes.push(decodeAttribute(r.sub()));
        break;
      case 7:
        n.domain = r.string();
        break;
      default:
        r.skip(wire);
    }
  }
  return n;
}

function decodeGraph(r: WireReader): GraphProto {
  const g: GraphProto = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
  while (!r.done()) {
    const { field, wire } = r.tag();
    switch (field) {
      case 1:
        g.nodes.push(decodeNode(r.sub()));
        break;
      case 2:
        g.name = r.string();
        break;
      case 5:
        g.initializers.push(decodeTensor(r.sub()));
        break;
      case 11:
        g.inputs.push(decodeValueInfo(r.sub()));
        break;
      case 12:
        g.outputs.push(decodeValueInfo(r.sub()));
        break;
      case 13:
        g.valueInfo.push(decodeValueInfo(r.sub()));
        break;
      default:
        r.skip(wire);
    }
  }
  return g;
}

/** Decode a serialized ModelProto. Throws GeolensError('BAD_FILE') on malformed input; never reads out of bounds. */
export function decodeModel(bytes: Uint8Array, source = 'model'): ModelProto {
  const r = new WireReader(bytes, source);
  const m: ModelProto = {
    irVersion: 0,
    opsetImports: [],
    producerName: '',
    producerVersion: '',
    graph: { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] },
    metadata: {},
  };
  let sawGraph = false;
  try {
    while (!r.done()) {
      const { field, wire } = r.tag();
      switch (field) {
        case 1:
          m.irVersion = r.varint();
          break;
        case 2:
          m.producerName = r.string();
          break;
        case 3:
          m.producerVersion = r.string();
          break;
        case 7:
          m.graph = decodeGraph(r.sub());
          sawGraph = true;
          break;
        case 8: {
          const o = r.sub();
          const id: OpsetId = { domain: '', version: 0 };
          while (!o.done()) {
            const t = o.tag();
            if (t.field === 1) id.domain = o.string();
            else if (t.field === 2) id.version = o.varint();
            else o.skip(t.wire);
          }
          m.opsetImports.push(id);
          break;
        }
        case 14: {
          const [k, v] = decodeStringEntry(r.sub());
          m.metadata[k] = v;
          break;
        }
        case 25:
          m.hasFunctions = true;
          r.skip(wire);
          break;
        default:
          r.skip(wire);
      }
    }
  } catch (e) {
    if (e instanceof GeolensError) throw e;
    throw new GeolensError('BAD_FILE', `${source}: could not decode the ONNX protobuf (${(e as Error).message}).`);
  }
  if (!sawGraph) throw new GeolensError('BAD_FILE', `${source}: no graph found; this is not an ONNX model (or the file is truncated).`);
  return m;
}

// ------------------------------------------------------------------ encode

function encodeTensor(w: WireWriter, t: TensorProto): void {
  w.packedVarintField(1, t.dims);
  w.varintField(2, t.dataType);
  if (t.name) w.stringField(8, t.name);
  if (t.raw) w.bytesField(9, t.raw);
  else if (t.floatData) w.packedFloatField(4, t.floatData);
  else if (t.int64Data) w.packedVarintField(7, t.int64Data);
  else if (t.int32Data) w.packedVarintField(5, t.int32Data);
  else if (t.doubleData) {
    const b = new Uint8Array(t.doubleData.length * 8);
    new Float64Array(b.buffer).set(t.doubleData);
    w.bytesField(9, b);
  }
}

function encodeValueInfo(w: WireWriter, v: ValueInfo): void {
  w.stringField(1, v.name);
  w.messageField(2, (tw) =>
    tw.messageField(1, (tt) => {
      tt.varintField(1, v.elemType);
      if (v.shape) {
        tt.messageField(2, (sw) => {
          for (const d of v.shape!) {
            sw.messageField(1, (dw) => {
              if (typeof d === 'number') dw.varintField(1, d);
              else if (typeof d === 'string') dw.stringField(2, d);
            });
          }
        });
      }
    }),
  );
}

const ATTR_CODE: Record<Attribute['type'], number> = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8 };

function encodeAttribute(w: WireWriter, a: Attribute): void {
  w.stringField(1, a.name);
  switch (a.type) {
    case 'float':
      w.floatField(2, a.value);
      break;
    case 'int':
      w.varintField(3, a.value);
      break;
    case 'string':
      w.stringField(4, a.value);
      break;
    case 'tensor':
      w.messageField(5, (tw) => encodeTensor(tw, a.value));
      break;
    case 'graph':
      w.messageField(6, (gw) => encodeGraph(gw, a.value));
      break;
    case 'floats':
      w.packedFloatField(7, a.value);
      break;
    case 'ints':
      w.packedVarintField(8, a.value);
      break;
    case 'strings':
      for (const s of a.value) w.stringField(9, s);
      break;
  }
  w.varintField(20, ATTR_CODE[a.type]);
}

function encodeNode(w: WireWriter, n: NodeProto): void {
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  if (n.name) w.stringField(3, n.name);
  w.stringField(4, n.opType);
  for (const a of n.attributes) w.messageField(5, (aw) => encodeAttribute(aw, a));
  if (n.domain) w.stringField(7, n.domain);
}

function encodeGraph(w: WireWriter, g: GraphProto): void {
  for (const n of g.nodes) w.messageField(1, (nw) => encodeNode(nw, n));
  w.stringField(2, g.name);
  for (const t of g.initializers) w.messageField(5, (tw) => encodeTensor(tw, t));
  for (const v of g.inputs) w.messageField(11, (vw) => encodeValueInfo(vw, v));
  for (const v of g.outputs) w.messageField(12, (vw) => encodeValueInfo(vw, v));
  for (const v of g.valueInfo) w.messageField(13, (vw) => encodeValueInfo(vw, v));
}

/** Serialize a ModelProto. Deterministic: the same model gives the same bytes. */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new WireWriter();
  w.varintField(1, m.irVersion);
  if (m.producerName) w.stringField(2, m.producerName);
  if (m.producerVersion) w.stringField(3, m.producerVersion);
  w.messageField(7, (gw) => encodeGraph(gw, m.graph));
  for (const o of m.opsetImports) {
    w.messageField(8, (ow) => {
      if (o.domain) ow.stringField(1, o.domain);
      ow.varintField(2, o.version);
    });
  }
  for (const k of Object.keys(m.metadata).sort()) {
    w.messageField(14, (ew) => {
      ew.stringField(1, k);
      ew.stringField(2, m.metadata[k]!);
    });
  }
  return w.finish();
}
