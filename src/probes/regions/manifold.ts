/**
 * Manifold complexity in practice (Lei et al., arXiv 1805.10451 §3.2; METHODS.md §5): into how many linear pieces do a
 * network's regions cut a data manifold? A curved patch is not an affine slice, so it is meshed: the latent square
 * [−a, a]² of a sheet z ↦ F(z) is cut into r×r squares, each into two triangles, and every triangle F(A)F(B)F(C) (a
 * piecewise-linear interpolation of the sheet, exact at the mesh vertices) is an affine slice whose regions are
 * enumerated exactly (`subdivide`). Pieces of neighbouring triangles with the same activation pattern that share a
 * stretch of their common edge are one piece (the pattern's region is convex, so it meets the shared edge in one
 * interval); the connected pieces are counted with union–find. A curve (a latent segment) is meshed into r segments
 * and consecutive intervals with the same pattern merge.
 *
 * `pieces` counts connected pieces on the meshed manifold (a region the manifold leaves and re-enters counts twice);
 * `patterns` counts the distinct regions it meets. Refining the mesh converges to the counts on the smooth sheet.
 */
import { GeolensError } from '../../errors.js';
import { logitsAt, patternKey, subdivide, type SubdivisionOptions } from './compute.js';
import type { PwlProgram } from './pwl.js';
import type { ManifoldCount } from './types.js';

export interface ManifoldMeshOptions {
  /** Half-width a of the latent square [−a, a]² (or segment [−a, a]); default 2 (±2 standard deviations of z). */
  latentExtent?: number;
  /** Mesh cells per side r (default 24 for a patch, 256 for a curve). */
  resolution?: number;
  subdivision?: Omit<SubdivisionOptions, 'onProgress'>;
  onProgress?: (done: number, total: number) => void;
}

export type { ManifoldCount } from './types.js';

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    const p = this.parent;
    while (p[i] !== i) {
      p[i] = p[p[i]!]!;
      i = p[i]!;
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[ra] = rb;
  }
}

/** Which edges of the unit triangle (0: A→B on β = 0, 1: B→C on α + β = 1, 2: C→A on α = 0) a polygon runs along. */
function triangleEdges(p: Float64Array, eps: number): boolean[] {
  const n = p.length >> 1;
  const on = [false, false, false];
  const test = [(a: number, b: number) => Math.abs(b), (a: number, b: number) => Math.abs(a + b - 1), (a: number) => Math.abs(a)];
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const [a0, b0, a1, b1] = [p[2 * i]!, p[2 * i + 1]!, p[2 * j]!, p[2 * j + 1]!];
    if (Math.hypot(a1 - a0, b1 - b0) <= eps) continue;
    for (let e = 0; e < 3; e++) if (test[e]!(a0, b0) <= eps && test[e]!(a1, b1) <= eps) on[e] = true;
  }
  return on;
}

function sub(a: Float64Array, b: Float64Array): Float64Array {
  return Float64Array.from(a, (v, i) => v - b[i]!);
}

/** Linear pieces of `program` on the meshed latent square [−a, a]² of a 2-D sheet `F` (see the module comment). */
export function manifoldPatchCount(program: PwlProgram, F: (z: [number, number]) => Float64Array, o: ManifoldMeshOptions = {}): ManifoldCount {
  const a = o.latentExtent ?? 2;
  const r = o.resolution ?? 24;
  if (!(a > 0) || !Number.isInteger(r) || r < 1) throw new GeolensError('BAD_ARGUMENT', `manifold patch: latent extent must be > 0 and resolution an integer ≥ 1, got ${a} and ${r}.`);
  const vid = (i: number, j: number): number => i * (r + 1) + j;
  const X: Float64Array[] = [];
  for (let i = 0; i <= r; i++) for (let j = 0; j <= r; j++) X.push(F([-a + (2 * a * i) / r, -a + (2 * a * j) / r]));
  const domain = Float64Array.of(0, 0, 1, 0, 0, 1);
  const ids: string[] = [];
  const edgeTouch = new Map<string, number[]>(); // `${meshEdge}|${pattern}` → piece ids
  const tris: [number, number, number][] = [];
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      tris.push([vid(i, j), vid(i + 1, j), vid(i + 1, j + 1)], [vid(i, j), vid(i + 1, j + 1), vid(i, j + 1)]);
    }
  }
  tris.forEach(([A, B, C], ti) => {
    const s = subdivide(program, { origin: X[A]!, directions: [sub(X[B]!, X[A]!), sub(X[C]!, X[A]!)], domain }, o.subdivision ?? {});
    const edges = [[A, B], [B, C], [C, A]].map(([p, q]) => (p! < q! ? `${p}-${q}` : `${q}-${p}`));
    for (const reg of s.regions) {
      const id = ids.length;
      const key = patternKey(program, reg.pattern);
      ids.push(key);
      triangleEdges(reg.cell, 1e-9).forEach((on, e) => {
        if (!on) return;
        const k = `${edges[e]}|${key}`;
        const l = edgeTouch.get(k);
        if (l) l.push(id);
        else edgeTouch.set(k, [id]);
      });
    }
    o.onProgress?.(ti + 1, tris.length);
  });
  const uf = new UnionFind(ids.length);
  for (const l of edgeTouch.values()) for (let k = 1; k < l.length; k++) uf.union(l[0]!, l[k]!);
  const roots = new Set<number>();
  for (let i = 0; i < ids.length; i++) roots.add(uf.find(i));
  return { shape: 'patch', latentExtent: a, resolution: r, meshCells: tris.length, pieces: roots.size, patterns: new Set(ids).size, cellPieces: ids.length };
}

/** Linear pieces of `program` along the latent segment z = (τ, 0), τ ∈ [−a, a], of a sheet `F` (r segments). */
export function manifoldCurveCount(program: PwlProgram, F: (z: [number, number]) => Float64Array, o: ManifoldMeshOptions = {}): ManifoldCount {
  const a = o.latentExtent ?? 2;
  const r = o.resolution ?? 256;
  if (!(a > 0) || !Number.isInteger(r) || r < 1) throw new GeolensError('BAD_ARGUMENT', `manifold curve: latent extent must be > 0 and resolution an integer ≥ 1, got ${a} and ${r}.`);
  const X: Float64Array[] = [];
  for (let i = 0; i <= r; i++) X.push(F([-a + (2 * a * i) / r, 0]));
  const p = polylinePieces(program, X, { closed: false, ...(o.subdivision ? { subdivision: o.subdivision } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  return { shape: 'curve', latentExtent: a, resolution: r, meshCells: r, pieces: p.pieces, patterns: p.patterns, cellPieces: p.cellPieces };
}

/** Connected linear pieces of a network on a polyline (see `polylinePieces`). */
export interface PolylinePieces {
  /** Connected pieces: maximal runs of consecutive intervals with one activation pattern (joined across the closing vertex of a closed polyline). */
  pieces: number;
  /** Distinct activation patterns (regions of the network) the polyline meets. */
  patterns: number;
  /** Intervals counted inside the segments before merging across their vertices. */
  cellPieces: number;
  /**
   * Changes of the predicted class (argmax of the logits) along the polyline, counted between the ends of consecutive
   * intervals: exact for two classes (on an interval the logit difference is affine, so it changes sign at most once);
   * with more classes a change inside an interval and back is not seen.
   */
  classChanges: number;
}

/**
 * The linear pieces of `program` on the polyline through `vertices` (flattened inputs; `closed`: the last vertex joins
 * the first): every segment is a 1-D affine slice whose regions are enumerated exactly (`subdivide`); consecutive
 * intervals with the same activation pattern are one piece. Exact for the polyline (a curve meshed into segments
 * converges to the curve's count as the mesh is refined). Errors: BAD_ARGUMENT for fewer than two vertices.
 */
export function polylinePieces(program: PwlProgram, vertices: readonly Float64Array[], o: { closed?: boolean; subdivision?: Omit<SubdivisionOptions, 'onProgress'>; onProgress?: (done: number, total: number) => void } = {}): PolylinePieces {
  if (vertices.length < 2) throw new GeolensError('BAD_ARGUMENT', `a polyline needs at least two vertices, got ${vertices.length}.`);
  const closed = o.closed === true;
  const segs = closed ? vertices.length : vertices.length - 1;
  const keys: string[] = [];
  const classes: number[] = [];
  const C = program.numClasses;
  const argmax = (l: Float64Array): number => {
    let b = 0;
    for (let c = 1; c < C; c++) if (l[c]! > l[b]!) b = c;
    return b;
  };
  let cellPieces = 0;
  for (let i = 0; i < segs; i++) {
    const A = vertices[i]!;
    const B = vertices[(i + 1) % vertices.length]!;
    const s = subdivide(program, { origin: A, directions: [sub(B, A)], domain: Float64Array.of(0, 1) }, o.subdivision ?? {});
    const regs = [...s.regions].sort((p, q) => p.cell[0]! - q.cell[0]!);
    cellPieces += regs.length;
    for (const reg of regs) {
      const k = patternKey(program, reg.pattern);
      if (keys[keys.length - 1] !== k) keys.push(k);
      for (const t of [reg.cell[0]!, reg.cell[1]!]) {
        const c = argmax(logitsAt(reg, C, [t]));
        if (classes[classes.length - 1] !== c) classes.push(c);
      }
    }
    o.onProgress?.(i + 1, segs);
  }
  const classChanges = classes.length - 1 + (closed && classes.length > 1 && classes[0] !== classes[classes.length - 1] ? 1 : 0);
  const pieces = closed && keys.length > 1 && keys[0] === keys[keys.length - 1] ? keys.length - 1 : keys.length;
  return { pieces, patterns: new Set(keys).size, cellPieces, classChanges };
}
