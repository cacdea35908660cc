/** `geolens inspect <model.onnx | run-dir>`: what geolens sees in a classifier before any probe runs, and what each probe can do on it. */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { GeolensError } from '../errors.js';
import { weightExport, selectLayers, parseLayerSpec, type ImportedModel, type Layer, type UnsupportedKind } from '../onnx/import.js';
import { writeSafetensorsFile } from '../models/node.js';
import { RULES as GRADIENT_RULES } from '../autodiff/rules/index.js';
import { openTarget } from '../measure/node.js';
import { CAPABILITY_TEXT, modelSupport, PROBE_NEEDS, probeBlockers, type Capability } from '../measure/support.js';
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

const SUMMARY =
  'Show an ONNX classifier (or the model of a run directory) as geolens imports it: input and logits with shapes, op\ncounts, the probe-able layers (name, op, shape), the ops geolens cannot handle with what to do about them, and what\neach probe can do on this model (the same checks the probes run first).\n\nusage: geolens inspect <model.onnx | run-dir> [--json] [--layers auto|relu|name,…]';

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
  unsupported: { op: string; node: string; hint: string; kind: UnsupportedKind }[];
  /** Per probe: what it needs, and the ops that keep it from running (empty: it runs). */
  probes: { probe: string; needs: Capability[]; ok: boolean; blockers: { op: string; node: string }[] }[];
  /** What import changed in what the model computes (e.g. training-mode nodes run in inference mode). */
  warnings: string[];
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
    // what import found, plus what building the input-Jacobian graph found (the same checks the probes run)
    unsupported: [...m.unsupported, ...modelSupport(m).inputJacobian.filter((u) => !m.unsupported.some((v) => v.node === u.node && v.op === u.op))],
    probes: Object.entries(PROBE_NEEDS).map(([probe, needs]) => {
      const blockers = probeBlockers(m, needs).map((u) => ({ op: u.op, node: u.node }));
      return { probe, needs, ok: blockers.length === 0, blockers };
    }),
    warnings: m.warnings,
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
  out.push('');
  out.push('probes:');
  for (const p of r.probes) {
    const needs = p.needs.map((c) => CAPABILITY_TEXT[c]).join(' + ');
    out.push(p.ok ? `  ${p.probe.padEnd(12)} yes  (${needs})` : `  ${p.probe.padEnd(12)} no   needs ${needs}; blocked by ${p.blockers.map((b) => `${b.op} '${b.node}'`).join(', ')}`);
  }
  if (r.warnings.length) {
    out.push('');
    out.push(`warnings (${r.warnings.length}):`);
    for (const w of r.warnings) out.push(`  - ${w}`);
  }
  if (r.changes.length) {
    out.push('');
    out.push('normalised on import:');
    for (const c of r.changes) out.push(`  - ${c}`);
  }
  return out;
}

/** The model of an .onnx file or a run directory (its model.onnx, else its last checkpoint). */
async function openModel(file: string, opts: { input?: string; logits?: string }): Promise<ImportedModel> {
  if (existsSync(file) && statSync(file).isDirectory()) {
    if (opts.input !== undefined || opts.logits !== undefined) throw new UsageError('geolens inspect: --input and --logits choose in an .onnx file; a run directory has one input and one output.');
    return (await openTarget(file)).model;
  }
  return importModelFile(file, { ...opts, gradientOps: GRADIENT_RULES });
}

/**
 * `geolens inspect <model.onnx | run-dir> [--json] [--layers SPEC] [--input NAME] [--logits NAME]`.
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
    throw new UsageError(`geolens inspect: give one model file or run directory (got ${positionals.length === 0 ? 'none' : positionals.join(' ')}).\nusage: geolens inspect <model.onnx | run-dir> [--json] [--layers auto|relu|name,…]`);
  }
  const file = positionals[0]!;
  const opts: { input?: string; logits?: string } = {};
  if (typeof values.input === 'string') opts.input = values.input;
  if (typeof values.logits === 'string') opts.logits = values.logits;
  const m = await openModel(file, opts);
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
    const path = resolve(values['export-weights']);
    const w = weightExport(m);
    const meta = { source: file, format: 'geolens-exported-weights', recovered: JSON.stringify(w.recovered), unrecovered: JSON.stringify(w.unrecovered) };
    await writeSafetensorsFile(path, w.weights, meta);
    if (!values.json) {
      out(`weights: ${Object.keys(w.weights).length} tensors written to ${path}`);
      for (const r of w.recovered) out(`  ${r.file} → ${r.name}${r.transposed ? ' (transposed back to PyTorch\'s [out, in])' : ''}`);
      if (w.unrecovered.length) out(`  not recovered (${w.unrecovered.length}, kept under their file names):`);
      for (const u of w.unrecovered) out(`    ${u.file} [${u.shape.join(', ')}]: ${u.reason}`);
    }
  }
  return 0;
}
