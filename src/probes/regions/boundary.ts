/**
 * The decision boundary of a piecewise-linear classifier on a slice, exactly: inside each linear region the logits
 * are affine, so the predicted class (argmax) is constant on convex class cells cut by tie lines f_a = f_b. The
 * boundary is the set of points where the two largest logits tie: in each region, for each pair (a, b), the tie line
 * clipped to the region and to the half-planes f_a ≥ f_c of every other class c. Segments of neighbouring regions
 * meet end to end and are stitched into polylines per class pair.
 *
 * A region whose vertices all share one argmax holds no boundary (the set where a class is the argmax is convex), so
 * only regions the boundary crosses are clipped.
 */
import { logitsAt, type LinearRegion } from './compute.js';
import { clipLine, INTERVALS, ON_LINE_RTOL, POLYGONS, upperEnvelope, type CellGeometry } from './polygon.js';

/** A class cell: the part of a region where one class has the largest logit. */
export interface ClassCell {
  cell: Float64Array;
  predicted: number;
  measure: number;
}

function argmax(v: Float64Array): number {
  let b = 0;
  for (let c = 1; c < v.length; c++) if (v[c]! > v[b]!) b = c;
  return b;
}

/** The coefficients (a0, a1, a2) of f_a − f_b on a region (a2 = 0 on a segment). */
function diff(r: LinearRegion, C: number, a: number, b: number): [number, number, number] {
  const K = r.logits.length / C;
  const L = r.logits;
  return [L[a]! - L[b]!, K > 1 ? L[C + a]! - L[C + b]! : 0, K > 2 ? L[2 * C + a]! - L[2 * C + b]! : 0];
}

/** Argmax of the logits at each vertex of a region's cell. */
function vertexClasses(r: LinearRegion, C: number, geom: CellGeometry): number[] {
  const n = geom.vertices(r.cell);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(argmax(logitsAt(r, C, geom.dim === 2 ? [r.cell[2 * i]!, r.cell[2 * i + 1]!] : [r.cell[i]!])));
  return out;
}

/**
 * The class cells of one region: the upper envelope of its C affine logits, exactly (ties keep the lower class, as
 * argmax does; one convex cell per class present). Parts smaller than `minPiece` are not split off.
 */
export function classCells(r: LinearRegion, C: number, geom: CellGeometry, minPiece = 0, relTol = ON_LINE_RTOL): ClassCell[] {
  const vc = vertexClasses(r, C, geom);
  if (vc.every((c) => c === vc[0])) return [{ cell: r.cell, predicted: vc[0]!, measure: r.measure }];
  const K = r.logits.length / C;
  const coef = new Float64Array(3 * C);
  for (let c = 0; c < C; c++) {
    coef[3 * c] = r.logits[c]!;
    coef[3 * c + 1] = K > 1 ? r.logits[C + c]! : 0;
    coef[3 * c + 2] = K > 2 ? r.logits[2 * C + c]! : 0;
  }
  return upperEnvelope(geom, r.cell, coef, C, () => true, minPiece, relTol).map((e) => ({ cell: e.cell, predicted: e.k, measure: e.measure }));
}

/** A piece of the decision boundary inside one region of a 2-D slice: where classes a < b tie and lead. */
export interface BoundarySegment {
  /** [s0, t0, s1, t1]. */
  points: Float64Array;
  classes: [number, number];
  region: number;
}

/** The decision boundary inside each region of a 2-D slice, as segments; segments not longer than `minLength` are dropped. */
export function boundarySegments(regions: readonly LinearRegion[], C: number, minLength = 0): BoundarySegment[] {
  const out: BoundarySegment[] = [];
  regions.forEach((r, ri) => {
    const vc = vertexClasses(r, C, POLYGONS);
    if (vc.every((c) => c === vc[0])) return;
    for (let a = 0; a < C; a++) {
      for (let b = a + 1; b < C; b++) {
        const [d0, d1, d2] = diff(r, C, a, b);
        const seg = clipLine(r.cell, d0, d1, d2, minLength);
        if (!seg) continue;
        // keep the part where a (= b) is at least every other class: f_a − f_c ≥ 0 is affine along the segment
        let lo = 0;
        let hi = 1;
        for (let c = 0; c < C && hi > lo; c++) {
          if (c === a || c === b) continue;
          const [e0, e1, e2] = diff(r, C, a, c);
          const h0 = e0 + e1 * seg[0]! + e2 * seg[1]!;
          const h1 = e0 + e1 * seg[2]! + e2 * seg[3]!;
          const tol = ON_LINE_RTOL * (Math.abs(e0) + Math.abs(e1 * seg[0]!) + Math.abs(e2 * seg[1]!) + Math.abs(e1 * seg[2]!) + Math.abs(e2 * seg[3]!));
          if (h0 < -tol && h1 < -tol) hi = lo;
          else if (h0 < -tol) lo = Math.max(lo, h0 / (h0 - h1));
          else if (h1 < -tol) hi = Math.min(hi, h0 / (h0 - h1));
        }
        const len = Math.hypot(seg[2]! - seg[0]!, seg[3]! - seg[1]!) * (hi - lo);
        if (!(hi > lo) || len <= minLength) continue;
        const p = (u: number, k: number): number => seg[k]! + u * (seg[k + 2]! - seg[k]!);
        out.push({ points: Float64Array.of(p(lo, 0), p(lo, 1), p(hi, 0), p(hi, 1)), classes: [a, b], region: ri });
      }
    }
  });
  return out;
}

/** A point of the decision boundary on a segment: the predicted class changes from `from` to `to` at t. */
export interface BoundaryPoint {
  t: number;
  from: number;
  to: number;
}

/** The decision boundary on a segment: the points where the predicted class changes, in order of t. */
export function boundaryPoints(regions: readonly LinearRegion[], C: number): BoundaryPoint[] {
  const cells = regions.flatMap((r) => classCells(r, C, INTERVALS));
  cells.sort((x, y) => x.cell[0]! - y.cell[0]!);
  const out: BoundaryPoint[] = [];
  for (let i = 1; i < cells.length; i++) {
    const [a, b] = [cells[i - 1]!.predicted, cells[i]!.predicted];
    if (a !== b) out.push({ t: cells[i]!.cell[0]!, from: a, to: b });
  }
  return out;
}

/** A decision-boundary polyline between classes a < b. */
export interface BoundaryPolyline {
  classes: [number, number];
  /** Vertices [s, t] in order. */
  points: [number, number][];
  length: number;
}

/**
 * Stitch boundary segments into polylines, per class pair: end points closer than `snap` are one vertex; chains run
 * between vertices that do not have exactly two segments (ends, junctions), and closed loops are returned closed.
 */
export function stitchBoundary(segments: readonly BoundarySegment[], snap: number): BoundaryPolyline[] {
  const byPair = new Map<string, BoundarySegment[]>();
  for (const s of segments) {
    const k = `${s.classes[0]},${s.classes[1]}`;
    let l = byPair.get(k);
    if (!l) byPair.set(k, (l = []));
    l.push(s);
  }
  const out: BoundaryPolyline[] = [];
  for (const segs of byPair.values()) {
    // vertices by snapping: a hash grid of cell `snap`, each point joins an existing vertex within `snap`
    const vx: number[] = [];
    const vy: number[] = [];
    const grid = new Map<string, number[]>();
    const vertex = (x: number, y: number): number => {
      const gx = Math.floor(x / snap);
      const gy = Math.floor(y / snap);
      for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          for (const v of grid.get(`${gx + dx},${gy + dy}`) ?? []) if (Math.hypot(vx[v]! - x, vy[v]! - y) <= snap) return v;
        }
      }
      const id = vx.length;
      vx.push(x);
      vy.push(y);
      const key = `${gx},${gy}`;
      const l = grid.get(key);
      if (l) l.push(id);
      else grid.set(key, [id]);
      return id;
    };
    const adj = new Map<number, { to: number; edge: number }[]>();
    const edges: [number, number][] = [];
    for (const s of segs) {
      const a = vertex(s.points[0]!, s.points[1]!);
      const b = vertex(s.points[2]!, s.points[3]!);
      if (a === b) continue;
      const e = edges.length;
      edges.push([a, b]);
      for (const [p, q] of [[a, b], [b, a]] as const) {
        let l = adj.get(p);
        if (!l) adj.set(p, (l = []));
        l.push({ to: q, edge: e });
      }
    }
    const used = new Uint8Array(edges.length);
    const walk = (start: number, first: { to: number; edge: number }): number[] => {
      const path = [start];
      let cur = start;
      let step: { to: number; edge: number } | undefined = first;
      while (step) {
        used[step.edge] = 1;
        cur = step.to;
        path.push(cur);
        const nbrs: { to: number; edge: number }[] = adj.get(cur)!;
        if (nbrs.length !== 2) break;
        step = nbrs.find((x) => !used[x.edge]);
      }
      return path;
    };
    const lines: number[][] = [];
    for (const [v, nbrs] of adj) if (nbrs.length !== 2) for (const e of nbrs) if (!used[e.edge]) lines.push(walk(v, e));
    for (const [v, nbrs] of adj) for (const e of nbrs) if (!used[e.edge]) lines.push(walk(v, e));
    const classes = segs[0]!.classes;
    for (const l of lines) {
      const points = l.map((v) => [vx[v]!, vy[v]!] as [number, number]);
      let length = 0;
      for (let i = 1; i < points.length; i++) length += Math.hypot(points[i]![0] - points[i - 1]![0], points[i]![1] - points[i - 1]![1]);
      out.push({ classes: [classes[0], classes[1]], points, length });
    }
  }
  return out;
}
