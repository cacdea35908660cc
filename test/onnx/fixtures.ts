/** Small ONNX models for the import tests, built with the codec (and by hand where a file must be broken). */
import { GraphBuilder } from '../../src/onnx/builder.js';
import { DataType, type Dim, type ModelProto } from '../../src/onnx/proto.js';
import { WireWriter, WireType } from '../../src/onnx/wire.js';
import { Rng } from '../../src/util/random.js';

export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

/**
 * A PyTorch-style MLP as an exporter writes it: Gemm(transB=1) → Relu → Dropout → Gemm → Identity → output 'logits',
 * with the bias of the second layer in a Constant node. Input 'input' [batch, 6], 3 classes.
 */
export function exporterMlp(opts: { batch?: Dim; opset?: number } = {}): ModelProto {
  const rng = new Rng(11);
  const b = new GraphBuilder('torch_jit');
  b.opset = opts.opset ?? 17;
  const x = b.input('input', [opts.batch ?? 'batch_size', 6]);
  b.init('fc1.weight', { data: randn(rng, 8 * 6, 0.5), shape: [8, 6] });
  b.init('fc1.bias', { data: randn(rng, 8, 0.1), shape: [8] });
  b.init('fc2.weight', { data: randn(rng, 3 * 8, 0.5), shape: [3, 8] });
  b.node('Gemm', [x, 'fc1.weight', 'fc1.bias'], { alpha: 1, beta: 1, transB: 1 }, ['/fc1/Gemm_output_0']);
  b.node('Relu', ['/fc1/Gemm_output_0'], {}, ['/act/Relu_output_0']);
  b.node('Dropout', ['/act/Relu_output_0'], {}, ['/drop/Dropout_output_0']);
  const bias = { name: 'value', type: 'tensor' as const, value: { name: '', dataType: DataType.FLOAT, dims: [3], raw: new Uint8Array(Float32Array.of(0.1, -0.2, 0.3).buffer) } };
  b.node('Constant', [], { value: bias }, ['/fc2/Constant_output_0']);
  b.node('Gemm', ['/drop/Dropout_output_0', 'fc2.weight', '/fc2/Constant_output_0'], { transB: 1 }, ['/fc2/Gemm_output_0']);
  b.node('Identity', ['/fc2/Gemm_output_0'], {}, ['logits']);
  b.output('logits', [opts.batch ?? 'batch_size', 3]);
  const m = b.toModel({ producerName: 'pytorch' });
  m.producerVersion = '1.13.0';
  // give the nodes exporter-style names
  for (const n of m.graph.nodes) n.name = n.outputs[0]!.replace(/_output_0$/, '');
  return m;
}

/** A CNN whose flatten is x.view(x.size(0), -1): Conv → Relu → Shape → Gather → Unsqueeze → Concat → Reshape → Gemm. */
export function viewFlattenCnn(opts: { batch?: Dim; target?: 'flatten' | 'channels' } = {}): ModelProto {
  const rng = new Rng(5);
  const b = new GraphBuilder('cnn');
  const x = b.input('input', [opts.batch ?? 'batch', 2, 5, 5]);
  b.init('conv.weight', { data: randn(rng, 4 * 2 * 9, 0.4), shape: [4, 2, 3, 3] });
  b.init('conv.bias', { data: randn(rng, 4, 0.1), shape: [4] });
  const c = b.op('Conv', [x, 'conv.weight', 'conv.bias'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  const r = b.op('Relu', [c]);
  const shp = b.op('Shape', [r]);
  const g = b.op('Gather', [shp, b.constInt64([0], [])], { axis: 0 });
  const u = b.op('Unsqueeze', [g, b.constInt64([0])]);
  let flat: string;
  if (opts.target === 'channels') {
    // x.view(x.size(0), 4, -1) then a MatMul over the last axis and a Flatten
    const cat = b.op('Concat', [u, b.constInt64([4]), b.constInt64([-1])], { axis: 0 });
    const v = b.op('Reshape', [r, cat]);
    b.init('mix', { data: randn(rng, 25 * 2, 0.3), shape: [25, 2] });
    flat = b.op('Flatten', [b.matmul(v, 'mix')], { axis: 1 });
    b.init('fc.weight', { data: randn(rng, 3 * 8, 0.3), shape: [3, 8] });
  } else {
    const cat = b.op('Concat', [u, b.constInt64([-1])], { axis: 0 });
    flat = b.op('Reshape', [r, cat]);
    b.init('fc.weight', { data: randn(rng, 3 * 100, 0.3), shape: [3, 100] });
  }
  b.node('Gemm', [flat, 'fc.weight'], { transB: 1 }, ['logits']);
  b.output('logits', [opts.batch ?? 'batch', 3]);
  return b.toModel();
}

// ------------------------------------------------------------------ hand-written wire bytes

function valueInfo(w: WireWriter, field: number, name: string, shape: Dim[]): void {
  w.messageField(field, (v) => {
    v.stringField(1, name);
    v.messageField(2, (t) =>
      t.messageField(1, (tt) => {
        tt.varintField(1, DataType.FLOAT);
        tt.messageField(2, (s) => {
          for (const d of shape) s.messageField(1, (dw) => (typeof d === 'number' ? dw.varintField(1, d) : dw.stringField(2, String(d))));
        });
      }),
    );
  });
}

/**
 * x [N, 4] · W [4, 3] → 'logits', with W stored as external data (TensorProto.data_location = EXTERNAL).
 * `external` fields are written as given, so tests can declare any location/offset/length.
 */
export function externalDataModel(ext: { location: string; offset?: number | string; length?: number | string; dims?: number[] }): Uint8Array {
  const w = new WireWriter();
  w.varintField(1, 8);
  w.stringField(2, 'test');
  w.messageField(7, (g) => {
    g.messageField(1, (n) => {
      n.stringField(1, 'x');
      n.stringField(1, 'W');
      n.stringField(2, 'logits');
      n.stringField(3, 'matmul');
      n.stringField(4, 'MatMul');
    });
    g.stringField(2, 'external');
    g.messageField(5, (t) => {
      t.packedVarintField(1, ext.dims ?? [4, 3]);
      t.varintField(2, DataType.FLOAT);
      t.stringField(8, 'W');
      const entry = (k: string, v: string): void =>
        t.messageField(13, (e) => {
          e.stringField(1, k);
          e.stringField(2, v);
        });
      entry('location', ext.location);
      if (ext.offset !== undefined) entry('offset', String(ext.offset));
      if (ext.length !== undefined) entry('length', String(ext.length));
      t.varintField(14, 1);
    });
    valueInfo(g, 11, 'x', ['N', 4]);
    valueInfo(g, 12, 'logits', ['N', 3]);
  });
  w.messageField(8, (o) => o.varintField(2, 17));
  return w.finish();
}

/** Graph attributes nested `depth` deep (node → attribute → graph → node → …), assembled without recursion. */
export function deeplyNestedModel(depth: number): Uint8Array {
  // innermost graph: empty. Each level wraps: graph{ node{ op_type 'If', attribute{ name 'g', type GRAPH, g: inner } } }
  const enc = (v: number): number[] => {
    const out: number[] = [];
    while (v > 0x7f) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return out;
  };
  const tag = (field: number, wire: number): number[] => enc(field * 8 + wire);
  const str = (field: number, s: string): number[] => [...tag(field, WireType.Bytes), ...enc(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  // sizes from the inside out
  let graphLen = 0;
  const prefixes: number[][] = [];
  for (let i = 0; i < depth; i++) {
    const attrHead = [...str(1, 'g'), ...tag(20, WireType.Varint), 5, ...tag(6, WireType.Bytes), ...enc(graphLen)];
    const attrLen = attrHead.length + graphLen;
    const nodeHead = [...str(4, 'If'), ...tag(5, WireType.Bytes), ...enc(attrLen)];
    const nodeLen = nodeHead.length + attrLen;
    const graphHead = [...tag(1, WireType.Bytes), ...enc(nodeLen)];
    prefixes.push([...graphHead, ...nodeHead, ...attrHead]);
    graphLen = graphHead.length + nodeLen;
  }
  const top = [...tag(1, WireType.Varint), 8, ...tag(7, WireType.Bytes), ...enc(graphLen)];
  const out = new Uint8Array(top.length + prefixes.reduce((s, p) => s + p.length, 0));
  out.set(top, 0);
  let off = top.length;
  for (let i = prefixes.length - 1; i >= 0; i--) {
    out.set(prefixes[i]!, off);
    off += prefixes[i]!.length;
  }
  return out;
}
