/**
 * Exact linear regions of a piecewise-linear network on a 1-D segment or a 2-D affine slice of its input space
 * (Lei, Luo, Yau & Gu, "Geometric Understanding of Deep Learning", arXiv 1805.10451, §3: the cells on which the
 * network is affine, one activation pattern each; METHODS.md §5).
 *
 * The slice is x(s, t) = x0 + s·u + t·v over a convex polygon of (s, t) (or x(t) = x0 + t·u over an interval). Layer by
 * layer, in float64: every tensor is affine in (s, t) on each current cell (three columns: offset, ∂/∂s, ∂/∂t, pushed
 * through Gemm/Conv/… by `PwlProgram` steps); a rectifier layer splits each cell by the zero line of every unit's
 * affine function on that cell (sequentially, only the units whose line crosses the cell), a MaxPool layer by the
 * lines where two window elements tie (the upper envelope of the window, exact). Each final cell carries its
 * activation pattern and the affine map of the logits on it.
 *
 * Tolerances: see polygon.ts (a vertex is on a line when |value| ≤ 1e-10 × the size of its terms); a split whose
 * smaller part would measure less than `minPieceFraction` (default 1e-12) of the slice is not made — the cell keeps
 * the side of its larger part — so no sliver below that size is counted and the cells always tile the slice exactly.
 */
import { GeolensError } from '../../errors.js';
import { INTERVALS, ON_LINE_RTOL, POLYGONS, upperEnvelope, type CellGeometry } from './polygon.js';
import type { MaxPoolStep, PwlProgram, RectifierStep } from './pwl.js';

/** A slice of the input space: x = origin + Σ_k coord_k·directions[k] over `domain`. */
export interface SliceGeometry {
  /** The input point at coordinates 0 (a flattened sample). */
  origin: Float64Array;
  /** One (segment) or two (plane) direction vectors, flattened samples. */
  directions: Float64Array[];
  /** A convex counter-clockwise polygon [s0, t0, s1, t1, …] (two directions) or an interval [t0, t1] (one). */
  domain: Float64Array;
}

export interface SubdivisionOptions {
  /** Relative tolerance of "on the line" (default ON_LINE_RTOL = 1e-10). */
  relTol?: number;
  /** Splits leaving a part smaller than this fraction of the domain are not made (default 1e-12). */
  minPieceFraction?: number;
  /** Stop with an error beyond this many cells (default 2,000,000). */
  maxRegions?: number;
  /** Progress over the program's steps. */
  onProgress?: (done: number, total: number) => void;
}

/** One linear region: a convex cell with one activation pattern, on which the logits are affine. */
export interface LinearRegion {
  /** Polygon (2-D) or interval (1-D) in slice coordinates. */
  cell: Float64Array;
  /** Area (2-D) or length (1-D) in slice coordinates. */
  measure: number;
  /** Activation pattern, one array per piecewise-linear layer (see `PointEvaluation.pattern`). */
  pattern: Uint8Array[];
  /** Logits on the cell: C×K column-major (`logits[k·C + c]`: k = 0 offset, 1 ∂/∂s, 2 ∂/∂t). */
  logits: Float64Array;
}

export interface Subdivision {
  dim: 1 | 2;
  regions: LinearRegion[];
  domainMeasure: number;
  /** Number of cells after each piecewise-linear layer (the count of the network truncated there). */
  perLayer: number[];
  /** Splits not made because one part was below minPieceFraction of the domain. */
  suppressedSplits: number;
  relTol: number;
  minPieceFraction: number;
}

/**
 * A cell during the subdivision. Fields are held by slot (one per tensor of the program). Of the cells split off one
 * parent, the first (the reference) holds its fields; the others hold only `ref` and the difference of their fields
 * from the reference's (`delta`; right after the split it is non-zero only on the units whose side differs), so the
 * affine steps after a split cost O(changed units × outputs) per cell (the linear part of the step applied to Δ)
 * instead of a dense product; a field is formed (ref + Δ) only when a piecewise-linear step or the end reads it.
 */
interface Cell {
  cell: Float64Array;
  measure: number;
  fields: (Float64Array | undefined)[];
  pattern: Uint8Array[];
  ref?: Cell;
  delta?: (Float64Array | undefined)[];
}

interface Piece {
  cell: Float64Array;
  measure: number;
  code: Uint8Array;
}

const zeroCache = new Map<number, Float64Array>();
/** A shared all-zero array of the length of `a` (never written). */
function zerosLike(a: Float64Array): Float64Array {
  let z = zeroCache.get(a.length);
  if (!z) zeroCache.set(a.length, (z = new Float64Array(a.length)));
  return z;
}

/** The default cap on cells (`maxRegions`). */
export const DEFAULT_MAX_REGIONS = 2_000_000;

/** The geometry of a slice with one or two directions. */
export function geometryOf(dim: number): CellGeometry {
  if (dim === 2) return POLYGONS;
  if (dim === 1) return INTERVALS;
  throw new GeolensError('BAD_ARGUMENT', `a slice has one direction (a segment) or two (a plane), got ${dim}.`);
}

interface SplitContext {
  geom: CellGeometry;
  relTol: number;
  minPiece: number;
  vals: Float64Array;
  suppressed: number;
}

/**
 * Split every piece by the affine function (a0, a1, a2) (the same on every piece), setting `code[slot]` to 1 on its
 * positive side, 0 on its negative side (rectifier units).
 */
function splitByUnit(ctx: SplitContext, pieces: Piece[], a0: number, a1: number, a2: number, slot: number): Piece[] {
  const out: Piece[] = [];
  const { geom, vals } = ctx;
  for (const p of pieces) {
    const side = geom.side(p.cell, a0, a1, a2, vals, ctx.relTol);
    if (side !== 0) {
      p.code[slot] = side === 1 ? 1 : 0;
      out.push(p);
      continue;
    }
    const [neg, pos] = geom.split(p.cell, vals);
    const mNeg = neg ? geom.measure(neg) : 0;
    const mPos = pos ? geom.measure(pos) : 0;
    if (mNeg < ctx.minPiece || mPos < ctx.minPiece) {
      ctx.suppressed++;
      p.code[slot] = mPos >= mNeg ? 1 : 0;
      out.push(p);
      continue;
    }
    const negCode = p.code.slice();
    negCode[slot] = 0;
    p.code[slot] = 1;
    out.push({ cell: pos!, measure: mPos, code: p.code }, { cell: neg!, measure: mNeg, code: negCode });
  }
  return out;
}

/** The value of field `t` of a cell (formed from its reference and Δ on first use). */
function value(c: Cell, t: number): Float64Array {
  const v = c.fields[t];
  if (v) return v;
  const base = c.ref!.fields[t]!;
  const d = c.delta![t];
  if (!d) return base;
  const out = new Float64Array(base.length);
  for (let j = 0; j < out.length; j++) out[j] = base[j]! + d[j]!;
  c.fields[t] = out;
  return out;
}

/** All live fields of a cell, formed (for the reference piece of its children). */
function liveFields(c: Cell): (Float64Array | undefined)[] {
  if (!c.ref) return c.fields.slice();
  return c.ref.fields.map((f, t) => (f ? value(c, t) : undefined));
}

function rectifierCells(ctx: SplitContext, K: number, s: RectifierStep, inSlot: number, outSlot: number, c: Cell): Cell[] {
  const z = value(c, inSlot);
  const n = s.units;
  const code = new Uint8Array(n);
  const crossing: number[] = [];
  const { geom, vals } = ctx;
  const cell = c.cell;
  for (let u = 0; u < n; u++) {
    const side = geom.side(cell, z[u]!, z[n + u]!, K > 2 ? z[2 * n + u]! : 0, vals, ctx.relTol);
    if (side === 0) crossing.push(u);
    else code[u] = side === 1 ? 1 : 0;
  }
  let pieces: Piece[] = [{ cell, measure: c.measure, code }];
  for (const u of crossing) pieces = splitByUnit(ctx, pieces, z[u]!, z[n + u]!, K > 2 ? z[2 * n + u]! : 0, u);
  const refBits = pieces[0]!.code;
  const fields = liveFields(c);
  const y = new Float64Array(K * n);
  for (let k = 0; k < K; k++) {
    const o = k * n;
    for (let i = 0; i < n; i++) y[o + i] = refBits[i] ? z[o + i]! : s.slope ? s.slope[i]! * z[o + i]! : 0;
  }
  fields[outSlot] = y;
  const ref: Cell = { cell: pieces[0]!.cell, measure: pieces[0]!.measure, fields, pattern: [...c.pattern, refBits] };
  const out: Cell[] = [ref];
  for (let q = 1; q < pieces.length; q++) {
    const p = pieces[q]!;
    const bits = p.code;
    // Δ of the rectifier output: non-zero only on the units whose side differs from the reference piece's
    const d = new Float64Array(K * n);
    for (const u of crossing) {
      if (bits[u] === refBits[u]) continue;
      const sl = s.slope ? s.slope[u]! : 0;
      for (let k = 0; k < K; k++) {
        const zu = z[k * n + u]!;
        d[k * n + u] = bits[u] ? zu - sl * zu : sl * zu - zu;
      }
    }
    const delta: (Float64Array | undefined)[] = [];
    delta[outSlot] = d;
    out.push({ cell: p.cell, measure: p.measure, fields: [], pattern: [...c.pattern, bits], ref, delta });
  }
  return out;
}

function maxPoolCells(ctx: SplitContext, K: number, s: MaxPoolStep, inSlot: number, outSlot: number, c: Cell): Cell[] {
  const z = value(c, inSlot);
  const nIn = z.length / K;
  const { outputs: O, window: m, index } = s;
  const { geom, vals } = ctx;
  const first = new Uint8Array(O);
  for (let o = 0; o < O; o++) {
    let k = 0;
    while (index[o * m + k]! < 0) k++;
    first[o] = k;
  }
  let pieces: Piece[] = [{ cell: c.cell, measure: c.measure, code: first }];
  const coef = new Float64Array(3 * m);
  for (let o = 0; o < O; o++) {
    const valid = (k: number): boolean => index[o * m + k]! >= 0;
    const next: Piece[] = [];
    for (const p of pieces) {
      for (let k = 0; k < m; k++) {
        const j = index[o * m + k]!;
        if (j < 0) continue;
        coef[3 * k] = z[j]!;
        coef[3 * k + 1] = z[nIn + j]!;
        coef[3 * k + 2] = K > 2 ? z[2 * nIn + j]! : 0;
      }
      const cells = upperEnvelope(geom, p.cell, coef, m, valid, ctx.minPiece, ctx.relTol);
      if (cells.length === 1) {
        p.code[o] = cells[0]!.k;
        next.push(p);
        continue;
      }
      cells.forEach((e, q) => {
        const code = q === 0 ? p.code : p.code.slice();
        code[o] = e.k;
        next.push({ cell: e.cell, measure: e.measure, code });
      });
    }
    pieces = next;
  }
  const live = liveFields(c);
  return pieces.map((p) => {
    const y = new Float64Array(K * O);
    for (let k = 0; k < K; k++) for (let o = 0; o < O; o++) y[k * O + o] = z[k * nIn + index[o * m + p.code[o]!]!]!;
    const fields = live.slice();
    fields[outSlot] = y;
    return { cell: p.cell, measure: p.measure, fields, pattern: [...c.pattern, p.code] };
  });
}

/**
 * The exact linear regions of `program` on `slice`. Cost: for each cell of each piecewise-linear layer, one affine
 * evaluation per unit at the cell's vertices, and a split per unit whose line crosses it; the affine steps after a
 * split cost O(changed units × outputs) per new cell. Errors: BAD_ARGUMENT for a slice that does not fit the
 * program's input or a count above `maxRegions` (shrink the slice or raise the cap).
 */
export function subdivide(program: PwlProgram, slice: SliceGeometry, options: SubdivisionOptions = {}): Subdivision {
  const dim = slice.directions.length;
  const geom = geometryOf(dim);
  const K = 1 + dim;
  const n0 = program.inputSize;
  if (slice.origin.length !== n0 || slice.directions.some((d) => d.length !== n0)) {
    throw new GeolensError('BAD_ARGUMENT', `the slice's origin and directions must have ${n0} values (the model's input size), got ${slice.origin.length} and ${slice.directions.map((d) => d.length).join(', ')}.`);
  }
  const relTol = options.relTol ?? ON_LINE_RTOL;
  const minPieceFraction = options.minPieceFraction ?? 1e-12;
  const maxRegions = options.maxRegions ?? DEFAULT_MAX_REGIONS;
  const domainMeasure = geom.measure(slice.domain);
  if (!(domainMeasure > 0)) throw new GeolensError('BAD_ARGUMENT', `the slice's domain is empty (${dim === 2 ? 'area' : 'length'} ${domainMeasure}); give a polygon with positive area (counter-clockwise) or an interval t0 < t1.`);
  // one slot per tensor
  const slots = new Map<string, number>([[program.input, 0]]);
  const slot = (t: string): number => {
    let i = slots.get(t);
    if (i === undefined) slots.set(t, (i = slots.size));
    return i;
  };
  const stepSlots = program.steps.map((s) => ({ ins: (s.kind === 'affine' ? s.inputs : [s.input]).map(slot), out: slot(s.output) }));
  const lastUse = program.steps.map((_, i) => [...program.lastUse].filter(([, j]) => j === i).map(([t]) => slot(t)));
  const x = new Float64Array(K * n0);
  x.set(slice.origin, 0);
  slice.directions.forEach((d, k) => x.set(d, (k + 1) * n0));
  const fields0: (Float64Array | undefined)[] = [];
  fields0[0] = x;
  let cells: Cell[] = [{ cell: slice.domain, measure: domainMeasure, fields: fields0, pattern: [] }];
  const ctx: SplitContext = { geom, relTol, minPiece: minPieceFraction * domainMeasure, vals: new Float64Array(4096), suppressed: 0 };
  const perLayer: number[] = [];
  const total = program.steps.length;
  program.steps.forEach((s, i) => {
    const { ins, out } = stepSlots[i]!;
    if (s.kind === 'affine') {
      for (const c of cells) {
        if (!c.ref) {
          c.fields[out] = s.apply(ins.map((t) => c.fields[t]!), K);
          continue;
        }
        // a cell held as its reference + Δ: the step's linear part maps Δ (inputs without Δ are the reference's)
        const delta = c.delta!;
        if (!ins.some((t) => delta[t] !== undefined)) continue;
        delta[out] = s.apply(ins.map((t) => delta[t] ?? zerosLike(c.ref!.fields[t]!)), K, true);
      }
    } else {
      const next: Cell[] = [];
      for (const c of cells) {
        if (c.cell.length > ctx.vals.length) ctx.vals = new Float64Array(c.cell.length);
        const parts = s.kind === 'rectifier' ? rectifierCells(ctx, K, s, ins[0]!, out, c) : maxPoolCells(ctx, K, s, ins[0]!, out, c);
        for (const p of parts) next.push(p);
        if (next.length > maxRegions) {
          throw new GeolensError('BAD_ARGUMENT', `the slice has more than ${maxRegions} linear regions after ${s.op} '${s.node}'; shrink the slice (--extent) or raise the cap (--max-regions).`, { maxRegions, node: s.node });
        }
      }
      cells = next;
      perLayer.push(cells.length);
    }
    for (const c of cells) {
      for (const t of lastUse[i]!) {
        c.fields[t] = undefined;
        if (c.delta) c.delta[t] = undefined;
      }
    }
    options.onProgress?.(i + 1, total);
  });
  const C = program.numClasses;
  const lo = slot(program.logits);
  const regions: LinearRegion[] = cells.map((c) => {
    const f = value(c, lo);
    // fields are column-major over the tensor (f[k·C + c]); logits keep that layout
    return { cell: c.cell, measure: c.measure, pattern: c.pattern, logits: f.length === K * C ? f : f.slice(0, K * C) };
  });
  return { dim: dim as 1 | 2, regions, domainMeasure, perLayer, suppressedSplits: ctx.suppressed, relTol, minPieceFraction };
}

/** The value of the affine logits of a region at slice coordinates `p` (length C). */
export function logitsAt(r: Pick<LinearRegion, 'logits'>, C: number, p: readonly number[]): Float64Array {
  const out = new Float64Array(C);
  const K = r.logits.length / C;
  for (let c = 0; c < C; c++) {
    let v = r.logits[c]!;
    for (let k = 1; k < K; k++) v += r.logits[k * C + c]! * p[k - 1]!;
    out[c] = v;
  }
  return out;
}

/** The input point of a slice at coordinates `p`. */
export function slicePoint(slice: Pick<SliceGeometry, 'origin' | 'directions'>, p: readonly number[]): Float64Array {
  const x = Float64Array.from(slice.origin);
  slice.directions.forEach((d, k) => {
    const a = p[k]!;
    for (let i = 0; i < x.length; i++) x[i]! += a * d[i]!;
  });
  return x;
}

/**
 * A compact string key of an activation pattern: rectifier layers as hex digits of their bits (unit 0 the high bit of
 * the first digit), MaxPool layers as the window position of each output (one hex digit, or two for windows above
 * 16); layers separated by '.'. Equal patterns have equal keys.
 */
export function patternKey(program: Pick<PwlProgram, 'layers'>, pattern: readonly Uint8Array[]): string {
  const parts: string[] = [];
  pattern.forEach((a, l) => {
    const layer = program.layers[l]!;
    let s = '';
    if (layer.op === 'MaxPool') {
      const wide = layer.hyperplanes / layer.width > 120; // window > 16
      for (const v of a) s += wide ? v.toString(16).padStart(2, '0') : v.toString(16);
    } else {
      for (let i = 0; i < a.length; i += 4) {
        const d = ((a[i] ?? 0) << 3) | ((a[i + 1] ?? 0) << 2) | ((a[i + 2] ?? 0) << 1) | (a[i + 3] ?? 0);
        s += d.toString(16);
      }
    }
    parts.push(s);
  });
  return parts.join('.');
}
