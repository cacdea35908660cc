/**
 * Opset upgrade of ONNX graphs: nodes written for an older ai.onnx opset are rewritten into the forms of a newer
 * one, with the same values. Used on import (models at opsets 9–12 are raised to 13, the lowest opset the rest of
 * geolens reasons about) and by autodiff (the gradient and Jacobian graphs geolens builds are its own, so they are
 * raised to the opset their rules need, e.g. ScatterElements with reduction from opset 16).
 *
 * Conversions (the ONNX operator changelog, https://github.com/onnx/onnx/blob/main/docs/Changelog.md):
 *  - attributes that became inputs: Squeeze/Unsqueeze `axes`, Split `split`, ReduceSum `axes` (13); Clip `min`/`max`,
 *    Pad `pads`/`value` (11); Dropout `ratio` (12); Slice `starts`/`ends`/`axes` (10); Upsample-7 `scales` (9);
 *  - BatchNormalization's old attributes (`spatial`, `is_test`, `consumed_inputs`) dropped (`spatial=0` refused);
 *  - Upsample (deprecated at 10) and Resize-10 become Resize with `coordinate_transformation_mode=asymmetric`
 *    (and `nearest_mode=floor` for nearest), which is what they computed;
 *  - Softmax/LogSoftmax/Hardmax before 13 normalise over the input coerced to 2-D at `axis` (default 1): where that is
 *    not the last axis alone, `legacySoftmax` rewrites them as Flatten → op(axis 1) → Reshape once ranks are known.
 * From 13 on, every op geolens handles keeps its meaning up to the newest opset except the reductions at 18 (axes
 * as an input; `upgradeNodes` converts them) — the changelog's other changes add types or optional attributes.
 * Pure: no I/O.
 */
import { GeolensError } from '../errors.js';
import { attr, attrInt, attrInts } from './attributes.js';
import type { GraphBuilder } from './builder.js';
import { DataType, type Attribute, type NodeProto } from './proto.js';
import { inferShapes } from './shapes.js';
import { int64ArrayFrom, type TypedTensor } from './tensors.js';

/** The opset imported graphs are raised to when they are older. */
export const IMPORT_BASE_OPSET = 13;

/** Ops whose meaning changed between 13 and the newest opset in a way `upgradeNodes` does not convert. */
const CHANGED_AFTER_13: Record<string, number> = { RoiAlign: 16, GridSample: 20, DFT: 20, Col2Im: 18 };

/** Reductions that take `axes` as an input from opset 18 (ReduceSum already from 13). */
const REDUCE_18 = ['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];

export interface UpgradeContext {
  /** Initializers (new int64/float constants are added here). */
  inits: Map<string, TypedTensor>;
  /** A fresh tensor name starting with `prefix` (not used by any tensor of the graph). */
  fresh(prefix: string): string;
  /** Name used in messages. */
  source: string;
}

/** What an upgrade did, per op: `{ Unsqueeze: 3 }`. */
export type UpgradeCounts = Record<string, number>;

function isStd(n: NodeProto): boolean {
  return n.domain === '' || n.domain === 'ai.onnx';
}

function without(n: NodeProto, ...names: string[]): Attribute[] {
  return n.attributes.filter((a) => !names.includes(a.name));
}

function ints64(ctx: UpgradeContext, prefix: string, values: number[]): string {
  const name = ctx.fresh(prefix);
  ctx.inits.set(name, { dataType: DataType.INT64, dims: [values.length], data: int64ArrayFrom(values) });
  return name;
}

function floats(ctx: UpgradeContext, prefix: string, values: number[], dims: number[]): string {
  const name = ctx.fresh(prefix);
  ctx.inits.set(name, { dataType: DataType.FLOAT, dims, data: Float32Array.from(values) });
  return name;
}

function floatAttr(n: NodeProto, name: string): number | undefined {
  const a = attr(n, name);
  return a && a.type === 'float' ? a.value : undefined;
}

function stringAttr(n: NodeProto, name: string, dflt: string): string {
  const a = attr(n, name);
  return a && a.type === 'string' ? a.value : dflt;
}

/** Set input `i` of `n` (padding with '' for skipped optional inputs). */
function setInput(n: NodeProto, i: number, name: string): void {
  while (n.inputs.length < i) n.inputs.push('');
  n.inputs[i] = name;
}

/** Upgrade one node in place from opset `from` to `to`; returns whether it changed. */
function upgradeNode(n: NodeProto, from: number, to: number, ctx: UpgradeContext): boolean {
  if (!isStd(n)) return false;
  const crosses = (v: number): boolean => from < v && to >= v;
  const where = `${ctx.source}: ${n.opType} '${n.name || n.outputs[0]}'`;
  switch (n.opType) {
    case 'Squeeze':
    case 'Unsqueeze':
    case 'Split':
    case 'ReduceSum': {
      if (!crosses(13)) return false;
      const key = n.opType === 'Split' ? 'split' : 'axes';
      const v = attrInts(n, key);
      n.attributes = without(n, key);
      if (v === undefined) return false;
      setInput(n, 1, ints64(ctx, `${n.opType.toLowerCase()}_${key}`, v));
      return true;
    }
    case 'Clip': {
      if (!crosses(11)) return false;
      const lo = floatAttr(n, 'min');
      const hi = floatAttr(n, 'max');
      n.attributes = without(n, 'min', 'max');
      if (lo !== undefined) setInput(n, 1, floats(ctx, 'clip_min', [lo], []));
      if (hi !== undefined) setInput(n, 2, floats(ctx, 'clip_max', [hi], []));
      return true;
    }
    case 'Pad': {
      if (!crosses(11)) return false;
      const pads = attrInts(n, 'pads') ?? [];
      const value = floatAttr(n, 'value') ?? 0;
      n.attributes = without(n, 'pads', 'value');
      setInput(n, 1, ints64(ctx, 'pad_pads', pads));
      if (value !== 0) setInput(n, 2, floats(ctx, 'pad_value', [value], []));
      return true;
    }
    case 'Dropout': {
      if (!crosses(12)) return false;
      const ratio = floatAttr(n, 'ratio');
      n.attributes = without(n, 'ratio', 'is_test', 'seed');
      if (ratio !== undefined) setInput(n, 1, floats(ctx, 'dropout_ratio', [ratio], []));
      return true;
    }
    case 'Slice': {
      if (!crosses(10) || n.inputs.length > 1) return false;
      const starts = attrInts(n, 'starts');
      const ends = attrInts(n, 'ends');
      const axes = attrInts(n, 'axes');
      if (!starts || !ends) throw new GeolensError('BAD_MODEL', `${where} has no starts/ends; the file is corrupt.`);
      n.attributes = without(n, 'starts', 'ends', 'axes');
      n.inputs = [n.inputs[0]!, ints64(ctx, 'slice_starts', starts), ints64(ctx, 'slice_ends', ends), ...(axes ? [ints64(ctx, 'slice_axes', axes)] : [])];
      return true;
    }
    case 'BatchNormalization': {
      if (attr(n, 'spatial') && attrInt(n, 'spatial', 1) === 0) {
        throw new GeolensError('BAD_MODEL', `${where} has spatial=0 (statistics per activation, removed at opset 9); re-export with opset_version=17.`);
      }
      const before = n.attributes.length;
      n.attributes = without(n, 'spatial', 'is_test', 'consumed_inputs');
      return n.attributes.length !== before;
    }
    case 'Upsample': {
      if (to < 10) return false; // deprecated from 10 on: becomes Resize whenever the graph is raised past it
      const mode = stringAttr(n, 'mode', 'nearest');
      const scalesAttr = attr(n, 'scales');
      let scales = n.inputs[1];
      if (scalesAttr && scalesAttr.type === 'floats') scales = floats(ctx, 'upsample_scales', scalesAttr.value, [scalesAttr.value.length]);
      if (!scales) throw new GeolensError('BAD_MODEL', `${where} has no scales; the file is corrupt.`);
      n.opType = 'Resize';
      n.inputs = [n.inputs[0]!, '', scales];
      n.attributes = resizeAttrs(mode, where);
      return true;
    }
    case 'Resize': {
      if (!crosses(11) || n.inputs.length !== 2) return false;
      // Resize-10: (X, scales), asymmetric coordinates
      n.inputs = [n.inputs[0]!, '', n.inputs[1]!];
      n.attributes = resizeAttrs(stringAttr(n, 'mode', 'nearest'), where);
      return true;
    }
    default:
      if (crosses(18) && REDUCE_18.includes(n.opType)) {
        const v = attrInts(n, 'axes');
        n.attributes = without(n, 'axes');
        if (v !== undefined) setInput(n, 1, ints64(ctx, `${n.opType.toLowerCase()}_axes`, v));
        return v !== undefined;
      }
      for (const [op, v] of Object.entries(CHANGED_AFTER_13)) {
        if (n.opType === op && crosses(v)) {
          throw new GeolensError('UNSUPPORTED_OP', `${where}: ${op} changed meaning at opset ${v}; geolens cannot raise it from opset ${from} to ${to}. Re-export the model with opset_version=${to}.`, {
            op,
            node: n.name,
          });
        }
      }
      return false;
  }
}

function resizeAttrs(mode: string, where: string): Attribute[] {
  const m = mode.toLowerCase();
  if (m !== 'nearest' && m !== 'linear' && m !== 'bilinear') throw new GeolensError('BAD_MODEL', `${where}: unknown upsampling mode '${mode}'.`);
  const out: Attribute[] = [
    { name: 'mode', type: 'string', value: m === 'nearest' ? 'nearest' : 'linear' },
    { name: 'coordinate_transformation_mode', type: 'string', value: 'asymmetric' },
  ];
  if (m === 'nearest') out.push({ name: 'nearest_mode', type: 'string', value: 'floor' });
  return out;
}

/**
 * Rewrite `nodes` (in place) from ai.onnx opset `from` to `to` (> from). Returns how many nodes of each op changed.
 * Softmax-like ops below 13 are left for {@link legacySoftmax}, which needs ranks. Throws UNSUPPORTED_OP for an op
 * whose meaning changed in between in a way geolens does not convert.
 */
export function upgradeNodes(nodes: NodeProto[], from: number, to: number, ctx: UpgradeContext): UpgradeCounts {
  const counts: UpgradeCounts = {};
  if (to <= from) return counts;
  for (const n of nodes) {
    const op = n.opType;
    if (upgradeNode(n, from, to, ctx)) counts[op] = (counts[op] ?? 0) + 1;
  }
  return counts;
}

/** The ops whose meaning before opset 13 was "softmax over the input coerced to 2-D at `axis`". */
export const LEGACY_SOFTMAX_OPS: ReadonlySet<string> = new Set(['Softmax', 'LogSoftmax', 'Hardmax']);

/**
 * Softmax/LogSoftmax/Hardmax of a graph that was below opset 13: `axis` (default 1) meant "coerce to 2-D at axis".
 * With `rankOf` giving the input's rank: when axis is the last axis the node is already right (axis set explicitly);
 * otherwise it becomes Flatten(axis) → op(axis=1) → Reshape(back to [-1, …static trailing shape]).
 * Returns the rewritten node list and how many nodes were rewritten; throws BAD_SHAPE when a rank is unknown.
 */
export function legacySoftmax(nodes: NodeProto[], rankOf: (t: string) => number | undefined, shapeOf: (t: string) => (number | string | null)[] | undefined, ctx: UpgradeContext): { nodes: NodeProto[]; rewritten: number } {
  const out: NodeProto[] = [];
  let rewritten = 0;
  for (const n of nodes) {
    if (!isStd(n) || !LEGACY_SOFTMAX_OPS.has(n.opType)) {
      out.push(n);
      continue;
    }
    const x = n.inputs[0]!;
    const r = rankOf(x);
    const where = `${ctx.source}: ${n.opType} '${n.name || n.outputs[0]}'`;
    if (r === undefined) throw new GeolensError('BAD_SHAPE', `${where}: the rank of its input is unknown, so its opset < 13 meaning cannot be converted. Re-export with opset_version=17.`);
    const a0 = attrInt(n, 'axis', 1);
    const axis = a0 < 0 ? a0 + r : a0;
    if (axis === r - 1) {
      n.attributes = [...without(n, 'axis'), { name: 'axis', type: 'int', value: axis }];
      out.push(n);
      continue;
    }
    const s = shapeOf(x);
    const tail = s?.slice(1);
    if (!s || !tail || !tail.every((d): d is number => typeof d === 'number') || axis === 0) {
      throw new GeolensError('BAD_SHAPE', `${where}: normalises over axes ${axis}…${r - 1} (opset < 13 meaning) of an input whose shape is not static; re-export with opset_version=17.`);
    }
    const flat = ctx.fresh(`${n.opType.toLowerCase()}_flat`);
    const inner = ctx.fresh(`${n.opType.toLowerCase()}_2d`);
    out.push({ name: `${n.name}_flatten`, opType: 'Flatten', domain: '', inputs: [x], outputs: [flat], attributes: [{ name: 'axis', type: 'int', value: axis }] });
    out.push({ ...n, inputs: [flat], outputs: [inner], attributes: [...without(n, 'axis'), { name: 'axis', type: 'int', value: 1 }] });
    out.push({ name: `${n.name}_reshape`, opType: 'Reshape', domain: '', inputs: [inner, ints64(ctx, 'softmax_shape', [-1, ...tail])], outputs: [n.outputs[0]!], attributes: [] });
    rewritten++;
  }
  return { nodes: out, rewritten };
}

/** One line per op for an import report: "Unsqueeze ×2, Clip". */
export function describeCounts(c: UpgradeCounts): string {
  return Object.entries(c)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([op, k]) => (k > 1 ? `${op} ×${k}` : op))
    .join(', ');
}

/**
 * Raise a graph held in a GraphBuilder to opset `to` (no-op when it is there already): `upgradeNodes`, then for
 * graphs below 13 the Softmax-like ops by `legacySoftmax` (ranks from shape inference). Returns what changed.
 */
export function upgradeBuilder(b: GraphBuilder, to: number): UpgradeCounts {
  const from = b.opset;
  if (from >= to) return {};
  const ctx: UpgradeContext = { inits: b.initializers, fresh: (p) => b.reserve(b.fresh(p)), source: b.name };
  const counts = upgradeNodes(b.nodes, from, to, ctx);
  if (from < 13 && b.nodes.some((n) => isStd(n) && LEGACY_SOFTMAX_OPS.has(n.opType))) {
    const env = inferShapes(b);
    const r = legacySoftmax(b.nodes, (t) => env.info.get(t)?.shape?.length, (t) => env.info.get(t)?.shape, ctx);
    b.nodes.splice(0, b.nodes.length, ...r.nodes);
    if (r.rewritten) counts.Softmax = (counts.Softmax ?? 0) + r.rewritten;
  }
  b.opset = to;
  return counts;
}
