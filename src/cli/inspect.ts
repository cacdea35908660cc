/** `geolens inspect model.onnx`: what geolens sees in an ONNX classifier before any probe runs. */
import { GeolensError } from '../errors.js';
import { exportWeights, selectLayers, parseLayerSpec, type ImportedModel, type Layer } from '../onnx/import.js';
import { writeSafetensorsFile } from '../models/node.js';
import { RULES as GRADIENT_RULES } from '../autodiff/rules/index.js';
import { importModelFile } from '../onnx/node.js';
import type { Dim } from '../onnx/proto.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';

const FLAGS: FlagSpec = {
  json: { type: 'boolean', help: 'print the report as JSON' },
  layers: { type: 'string', help: "mark the layers a probe would use: 'auto', an op such as 'relu', or tensor names separated by commas", default: 'auto' },
  input: { type: 'string', help: 'the data input, when the graph has several' },
  logits: { type: 'string', help: 'the output holding the logits, when the graph has several' },
  'export-weights': { type: 'string', help: 'also write the weights to this .safetensors file, under the names the model gives them (PyTorch state_dict names for torch exports)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const SUMMARY = 'Show an ONNX classifier as geolens imports it: input and logits with shapes, op counts, the probe-able layers\n(name, op, shape) and the ops geolens cannot handle, with what to do about them.\n\nusage: geolens inspect <model.onnx> [--json] [--layers auto|relu|name,…]';

/** The report `inspect` prints (also its --json form). */
export interface InspectReport {
  schemaVersion: 1;
  file: string;
  producer: string;
  opset: number;
  input: { name: string; shape: Dim[]; type: string };
  output: { name: string; shape: Dim[]; type: string };
  numClasses: number;
  params: { count: number; tensors: number };
  ops: Record<string, number>;
  layers: (Layer & { selected: boolean })[];
  unsupported: { op: string; node: string; hint: string }[];
  changes: string[];
}

export function inspectReport(file: string, m: ImportedModel, spec = 'auto'): InspectReport {
  const selected = new Set(selectLayers(m, parseLayerSpec(spec, m)).map((l) => l.tensor));
  let count = 0;
  for (const name of m.params) {
    const t = m.graph.initializers.get(name);
    if (t) count += t.data.length;
  }
  return {
    schemaVersion: 1,
    file,
    producer: m.producer,
    opset: m.opset,
    input: { name: m.input.name, shape: m.input.shape, type: 'float32' },
    output: { name: m.logits, shape: ['N', m.numClasses], type: 'float32' },
    numClasses: m.numClasses,
    params: { count, tensors: m.params.length },
    ops: m.ops,
    layers: m.layers.map((l) => ({ ...l, selected: selected.has(l.tensor) })),
    unsupported: m.unsupported,
    changes: m.changes,
  };
}

const fmtShape = (s: Dim[]): string => (s.length ? `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]` : '[?]');

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((c, j) => (j === r.length - 1 ? c : c.padEnd(widths[j]!))).join('  ').trimEnd());
}

export function formatInspect(r: InspectReport): string[] {
  const out: string[] = [];
  out.push(`${r.file} (${r.producer ? `${r.producer}, ` : ''}opset ${r.opset})`);
  out.push('');
  out.push(`input   ${r.input.name}  ${fmtShape(r.input.shape)}  ${r.input.type}`);
  out.push(`logits  ${r.output.name}  ${fmtShape(r.output.shape)}  ${r.output.type}  (${r.numClasses} classes)`);
  out.push(`weights ${r.params.count} parameters in ${r.params.tensors} tensors`);
  out.push('');
  out.push('ops:');
  const opRows = Object.entries(r.ops).map(([k, v]) => [`  ${k}`, String(v)]);
  if (opRows.length) out.push(...pad(opRows));
  out.push('');
  out.push(`probe-able layers (${r.layers.length}; * = selected):`);
  if (r.layers.length) out.push(...pad([['   layer', 'op', 'shape', 'tensor'], ...r.layers.map((l) => [`${l.selected ? ' * ' : '   '}${l.name}`, l.op, fmtShape(l.shape), l.tensor])]));
  out.push('');
  if (r.unsupported.length === 0) out.push('unsupported ops: none — every op has shape inference and a gradient rule');
  else {
    out.push(`unsupported ops (${r.unsupported.length}):`);
    for (const u of r.unsupported) out.push(`  ${u.op} (node '${u.node}'): ${u.hint}`);
  }
  if (r.changes.length) {
    out.push('');
    out.push('normalised on import:');
    for (const c of r.changes) out.push(`  - ${c}`);
  }
  return out;
}

/**
 * `geolens inspect <model.onnx> [--json] [--layers SPEC] [--input NAME] [--logits NAME]`.
 * Returns the exit code: 0 when the model imports (unsupported ops are reported, not fatal), 2 on usage errors.
 * Import errors are thrown as GeolensError (the dispatcher prints them and exits 1).
 */
export async function inspectCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseFlags('inspect', argv, FLAGS);
  if (values.help) {
    out(usage('inspect <model.onnx>', SUMMARY, FLAGS));
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`geolens inspect: give one model file (got ${positionals.length === 0 ? 'none' : positionals.join(' ')}).\nusage: geolens inspect <model.onnx> [--json] [--layers auto|relu|name,…]`);
  }
  const file = positionals[0]!;
  const opts: { input?: string; logits?: string } = {};
  if (typeof values.input === 'string') opts.input = values.input;
  if (typeof values.logits === 'string') opts.logits = values.logits;
  const m = importModelFile(file, { ...opts, gradientOps: GRADIENT_RULES });
  let report: InspectReport;
  try {
    report = inspectReport(file, m, typeof values.layers === 'string' ? values.layers : 'auto');
  } catch (e) {
    if (e instanceof GeolensError && e.code === 'BAD_ARGUMENT') throw new UsageError(`geolens inspect: --layers: ${e.message}`);
    throw e;
  }
  if (values.json) out(JSON.stringify(report, null, 2));
  else for (const l of formatInspect(report)) out(l);
  if (typeof values['export-weights'] === 'string') {
    const weights = exportWeights(m);
    await writeSafetensorsFile(values['export-weights'], weights, { source: file, format: 'geolens-exported-weights' });
    if (!values.json) out(`weights: ${Object.keys(weights).length} tensors written to ${values['export-weights']}`);
  }
  return 0;
}
