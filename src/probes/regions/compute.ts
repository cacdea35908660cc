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
 * Split a cell by the zero lines of the rectifier units in `crossing` (those that cross its parent), recursively: the
 * units that no longer cross a piece get their bit there and are not tested again below it, so a piece is tested only
 * against the lines that cross its ancestors (a binary space partition), not against every line of the layer.
 * Appends the pieces to `out`, the first piece first.
 */
function splitByUnits(ctx: SplitContext, cell: Float64Array, measure: number, code: Uint8Array, crossing: readonly number[], z: Float64Array, n: number, K: number, out: Piece[]): void {
  const { geom, vals } = ctx;
  const still: number[] = [];
  for (const u of crossing) {
    const side = geom.side(cell, z[u]!, z[n + u]!, K > 2 ? z[2 * n + u]! : 0, vals, ctx.relTol);
    if (side === 0) still.push(u);
    else code[u] = side === 1 ? 1 : 0;
  }
  if (!still.length) {
    out.push({ cell, measure, code });
    return;
  }
  const u = still[0]!;
  const rest = still.slice(1);
  geom.side(cell, z[u]!, z[n + u]!, K > 2 ? z[2 * n + u]! : 0, vals, ctx.relTol);
  const [neg, pos] = geom.split(cell, vals);
  const mNeg = neg ? geom.measure(neg) : 0;
  const mPos = pos ? geom.measure(pos) : 0;
  if (mNeg < ctx.minPiece || mPos < ctx.minPiece) {
    ctx.suppressed++;
    code[u] = mPos >= mNeg ? 1 : 0;
    splitByUnits(ctx, cell, measure, code, rest, z, n, K, out);
    return;
  }
  const negCode = code.slice();
  negCode[u] = 0;
  code[u] = 1;
  splitByUnits(ctx, pos!, mPos, code, rest, z, n, K, out);
  splitByUnits(ctx, neg!, mNeg, negCode, rest, z, n, K, out);
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
  const pieces: Piece[] = [];
  splitByUnits(ctx, cell, c.measure, code, crossing, z, n, K, pieces);
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

/**
 * Split a cell by the MaxPool outputs in `open` (those whose window has no single maximum on its parent), recursively
 * as `splitByUnits` does: an output whose window element is the largest at every vertex of the piece (so everywhere in
 * it) is settled there for all its sub-pieces; the first output still open is split into its envelope cells.
 */
function splitByPools(ctx: SplitContext, K: number, s: MaxPoolStep, z: Float64Array, nIn: number, cell: Float64Array, measure: number, code: Uint8Array, open: readonly number[], out: Piece[]): void {
  const { geom } = ctx;
  const { window: m, index } = s;
  const nv = geom.vertices(cell);
  const still: number[] = [];
  for (const o of open) {
    // the element largest at every vertex (ties to the first), if one is; elements equal to it as affine functions on
    // the cell (e.g. several ReLU-dead elements, all 0) are the same function, not a tie
    let winner = -1;
    let best = -1;
    let ok = true;
    const dim2 = geom.dim === 2;
    for (let v = 0; v < nv && ok; v++) {
      const sv = dim2 ? cell[2 * v]! : cell[v]!;
      const tv = dim2 ? cell[2 * v + 1]! : 0;
      let arg = -1;
      let jt = -1;
      let top = -Infinity;
      let topScale = 0;
      let second = -Infinity;
      let secondScale = 0;
      for (let k = 0; k < m; k++) {
        const j = index[o * m + k]!;
        if (j < 0) continue;
        const a = z[j]!;
        const b = z[nIn + j]! * sv;
        const c = K > 2 ? z[2 * nIn + j]! * tv : 0;
        const val = a + b + c;
        const scale = Math.abs(a) + Math.abs(b) + Math.abs(c);
        if (jt >= 0 && z[j] === z[jt] && z[nIn + j] === z[nIn + jt] && (K < 3 || z[2 * nIn + j] === z[2 * nIn + jt])) continue;
        if (val > top) {
          second = top;
          secondScale = topScale;
          top = val;
          topScale = scale;
          arg = k;
          jt = j;
        } else if (val > second) {
          second = val;
          secondScale = scale;
        }
      }
      // a near tie at a vertex: leave the output to the exact envelope
      if (second > -Infinity && top - second <= ctx.relTol * (topScale + secondScale)) ok = false;
      else if (best === -1) best = arg;
      else if (arg !== best) ok = false;
    }
    winner = ok ? best : -1;
    if (winner >= 0) code[o] = winner;
    else still.push(o);
  }
  if (!still.length) {
    out.push({ cell, measure, code });
    return;
  }
  const o = still[0]!;
  const rest = still.slice(1);
  const coef = new Float64Array(3 * m);
  for (let k = 0; k < m; k++) {
    const j = index[o * m + k]!;
    if (j < 0) continue;
    coef[3 * k] = z[j]!;
    coef[3 * k + 1] = z[nIn + j]!;
    coef[3 * k + 2] = K > 2 ? z[2 * nIn + j]! : 0;
  }
  const cells = upperEnvelope(geom, cell, coef, m, (k) => index[o * m + k]! >= 0, ctx.minPiece, ctx.relTol);
  cells.forEach((e, q) => {
    const sub = q === cells.length - 1 ? code : code.slice();
    sub[o] = e.k;
    splitByPools(ctx, K, s, z, nIn, e.cell, e.cell === cell ? measure : e.measure, sub, rest, out);
  });
}

function maxPoolCells(ctx: SplitContext, K: number, s: MaxPoolStep, inSlot: number, outSlot: number, c: Cell): Cell[] {
  const z = value(c, inSlot);
  const nIn = z.length / K;
  const { outputs: O, window: m, index } = s;
  const first = new Uint8Array(O);
  for (let o = 0; o < O; o++) {
    let k = 0;
    while (index[o * m + k]! < 0) k++;
    first[o] = k;
  }
  const pieces: Piece[] = [];
  const all = Array.from({ length: O }, (_, o) => o);
  splitByPools(ctx, K, s, z, nIn, c.cell, c.measure, first, all, pieces);
  const fields = liveFields(c);
  const refCode = pieces[0]!.code;
  const y = new Float64Array(K * O);
  for (let k = 0; k < K; k++) for (let o = 0; o < O; o++) y[k * O + o] = z[k * nIn + index[o * m + refCode[o]!]!]!;
  fields[outSlot] = y;
  const ref: Cell = { cell: pieces[0]!.cell, measure: pieces[0]!.measure, fields, pattern: [...c.pattern, refCode] };
  const out: Cell[] = [ref];
  for (let q = 1; q < pieces.length; q++) {
    const p = pieces[q]!;
    // Δ of the pooled output: non-zero only where the window's maximum moved
    const d = new Float64Array(K * O);
    for (let o = 0; o < O; o++) {
      if (p.code[o] === refCode[o]) continue;
      const jp = index[o * m + p.code[o]!]!;
      const jr = index[o * m + refCode[o]!]!;
      for (let k = 0; k < K; k++) d[k * O + o] = z[k * nIn + jp]! - z[k * nIn + jr]!;
    }
    const delta: (Float64Array | undefined)[] = [];
    delta[outSlot] = d;
    out.push({ cell: p.cell, measure: p.measure, fields: [], pattern: [...c.pattern, p.code], ref, delta });
  }
  return out;
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
