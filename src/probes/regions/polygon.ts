/**
 * Float64 geometry of the cells of an exact linear-region subdivision: convex polygons in a 2-D slice (s, t) and
 * intervals on a 1-D segment (t). Pure functions on flat Float64Arrays.
 *
 * - A polygon is `[s0, t0, s1, t1, …]`, convex, counter-clockwise, without repeated closing vertex.
 * - An interval is `[t0, t1]` with t0 < t1.
 *
 * Tolerances (the same everywhere): an affine function a0 + a1·s + a2·t counts as zero at a vertex when
 * |value| ≤ `relTol`·(|a0| + |a1·s| + |a2·t|) — a bound relative to the size of the terms that make the value, so it
 * scales with the weights and the slice (default ON_LINE_RTOL = 1e-10, about 10⁶ units of float64 rounding). Vertices
 * on the line go to both sides, so splitting never opens gaps: the pieces of a cell tile it exactly.
 *
 * Own code, not a package: each operation is a dozen lines (Sutherland–Hodgman against one line, the shoelace area),
 * must run in float64 under exactly this tolerance rule, and sits in the innermost loop of the subdivision; the npm
 * polygon-clipping packages (polygon-clipping, martinez-polygon-clipping) solve boolean operations on general
 * polygons with their own snapping rules, which is more than a convex split needs and not the tolerance stated here.
 */

/** Relative tolerance of "on the line" (see the module comment). */
export const ON_LINE_RTOL = 1e-10;

/** Which side of a line a cell lies on: +1 all ≥ 0, −1 all ≤ 0 (0 everywhere counts as −1), 0 crossed. */
export type Side = -1 | 0 | 1;

/** The geometry of one kind of cell: 2-D convex polygons or 1-D intervals. */
export interface CellGeometry {
  /** 1 (segment) or 2 (plane slice). */
  readonly dim: 1 | 2;
  /**
   * Values of a0 + a1·s (+ a2·t) at the vertices, snapped to 0 when within the tolerance; returns the side of the
   * cell (−1 also when the function is 0 at every vertex, i.e. identically 0 on the cell).
   */
  side(cell: Float64Array, a0: number, a1: number, a2: number, vals: Float64Array, relTol?: number): Side;
  /** The two parts of a cell crossed by a line, from the snapped vertex values of `side` (neg: ≤ 0, pos: ≥ 0). */
  split(cell: Float64Array, vals: Float64Array): [Float64Array | null, Float64Array | null];
  /** Area (2-D) or length (1-D). */
  measure(cell: Float64Array): number;
  /** A point strictly inside the cell: its centroid. */
  interior(cell: Float64Array): number[];
  /** Number of vertices. */
  vertices(cell: Float64Array): number;
}

// ------------------------------------------------------------------------------------------------ 2-D polygons

/** The axis-aligned rectangle [s0, s1] × [t0, t1] as a counter-clockwise polygon. */
export function rectangle(s0: number, s1: number, t0: number, t1: number): Float64Array {
  return Float64Array.of(s0, t0, s1, t0, s1, t1, s0, t1);
}

/** Signed area by the shoelace formula (positive for counter-clockwise). */
export function signedArea(p: Float64Array): number {
  const n = p.length >> 1;
  let a = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) a += p[2 * j]! * p[2 * i + 1]! - p[2 * i]! * p[2 * j + 1]!;
  return a / 2;
}

/** Area of a polygon (absolute value of the shoelace sum). */
export function polygonArea(p: Float64Array): number {
  return Math.abs(signedArea(p));
}

/** Area centroid of a polygon (the vertex mean when its area is 0). */
export function polygonCentroid(p: Float64Array): [number, number] {
  const n = p.length >> 1;
  // relative to the first vertex, for accuracy on small polygons far from the origin
  const ox = p[0]!;
  const oy = p[1]!;
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xj = p[2 * j]! - ox;
    const yj = p[2 * j + 1]! - oy;
    const xi = p[2 * i]! - ox;
    const yi = p[2 * i + 1]! - oy;
    const c = xj * yi - xi * yj;
    a += c;
    cx += (xj + xi) * c;
    cy += (yj + yi) * c;
  }
  if (a === 0) {
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      sx += p[2 * i]!;
      sy += p[2 * i + 1]!;
    }
    return [sx / n, sy / n];
  }
  return [ox + cx / (3 * a), oy + cy / (3 * a)];
}

function polygonSide(p: Float64Array, a0: number, a1: number, a2: number, vals: Float64Array, relTol = ON_LINE_RTOL): Side {
  const n = p.length >> 1;
  let pos = false;
  let neg = false;
  const b0 = Math.abs(a0);
  for (let i = 0; i < n; i++) {
    const s = a1 * p[2 * i]!;
    const t = a2 * p[2 * i + 1]!;
    let v = a0 + s + t;
    if (Math.abs(v) <= relTol * (b0 + Math.abs(s) + Math.abs(t))) v = 0;
    else if (v > 0) pos = true;
    else neg = true;
    vals[i] = v;
  }
  return pos && neg ? 0 : pos ? 1 : -1;
}

/**
 * Split a convex polygon by the line through the zeros of its snapped vertex values (Sutherland–Hodgman against one
 * line, both sides at once). Vertices with value 0 go to both parts; a part with fewer than 3 vertices is null.
 */
export function splitPolygon(p: Float64Array, vals: Float64Array): [Float64Array | null, Float64Array | null] {
  const n = p.length >> 1;
  const neg = new Float64Array(2 * n + 4);
  const pos = new Float64Array(2 * n + 4);
  let nn = 0;
  let np = 0;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const vi = vals[i]!;
    const vj = vals[j]!;
    const xi = p[2 * i]!;
    const yi = p[2 * i + 1]!;
    if (vi >= 0) {
      pos[np++] = xi;
      pos[np++] = yi;
    }
    if (vi <= 0) {
      neg[nn++] = xi;
      neg[nn++] = yi;
    }
    if ((vi > 0 && vj < 0) || (vi < 0 && vj > 0)) {
      const r = vi / (vi - vj);
      const x = xi + r * (p[2 * j]! - xi);
      const y = yi + r * (p[2 * j + 1]! - yi);
      pos[np++] = x;
      pos[np++] = y;
      neg[nn++] = x;
      neg[nn++] = y;
    }
  }
  return [nn >= 6 ? neg.subarray(0, nn) : null, np >= 6 ? pos.subarray(0, np) : null];
}

/** The part of a convex polygon where a0 + a1·s + a2·t ≥ 0 (null when empty or degenerate). */
export function clipPolygon(p: Float64Array, a0: number, a1: number, a2: number, relTol = ON_LINE_RTOL): Float64Array | null {
  const vals = new Float64Array(p.length >> 1);
  const side = polygonSide(p, a0, a1, a2, vals, relTol);
  if (side === 1) return p;
  if (side === -1) return vals.every((v) => v === 0) ? p : null;
  return splitPolygon(p, vals)[1];
}

/** Whether (s, t) lies in the closed convex counter-clockwise polygon, with slack `eps` (in area units of an edge). */
export function pointInPolygon(p: Float64Array, s: number, t: number, eps = 0): boolean {
  const n = p.length >> 1;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const ex = p[2 * j]! - p[2 * i]!;
    const ey = p[2 * j + 1]! - p[2 * i + 1]!;
    const cross = ex * (t - p[2 * i + 1]!) - ey * (s - p[2 * i]!);
    if (cross < -eps * Math.hypot(ex, ey)) return false;
  }
  return true;
}

/**
 * Radius of the largest disk inside a convex polygon (its Chebyshev centre problem: maximise r subject to
 * nᵢ·c + r ≤ bᵢ over the unit edge normals). The optimum of this 3-variable linear program sits where three
 * constraints are tight, so for the small polygons of a subdivision every triple of edges is tried (O(m³); m is
 * rarely above 12). Returns 0 for a degenerate polygon.
 */
export function inradius(p: Float64Array): number {
  const n = p.length >> 1;
  const nx: number[] = [];
  const ny: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const ex = p[2 * j]! - p[2 * i]!;
    const ey = p[2 * j + 1]! - p[2 * i + 1]!;
    const len = Math.hypot(ex, ey);
    if (len === 0) continue;
    // outward normal of a counter-clockwise polygon: (ey, −ex)/len; constraint n·c + r ≤ n·v_i
    const ux = ey / len;
    const uy = -ex / len;
    nx.push(ux);
    ny.push(uy);
    b.push(ux * p[2 * i]! + uy * p[2 * i + 1]!);
  }
  const m = b.length;
  let best = 0;
  const feasible = (cx: number, cy: number, r: number): boolean => {
    for (let k = 0; k < m; k++) if (nx[k]! * cx + ny[k]! * cy + r > b[k]! + 1e-12 * (Math.abs(b[k]!) + Math.abs(r) + 1)) return false;
    return true;
  };
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      for (let k = j + 1; k < m; k++) {
        // solve [nx ny 1] [cx cy r]ᵀ = b for rows i, j, k (Cramer)
        const A = [nx[i]!, ny[i]!, 1, nx[j]!, ny[j]!, 1, nx[k]!, ny[k]!, 1];
        const det = A[0]! * (A[4]! * A[8]! - A[5]! * A[7]!) - A[1]! * (A[3]! * A[8]! - A[5]! * A[6]!) + A[2]! * (A[3]! * A[7]! - A[4]! * A[6]!);
        if (Math.abs(det) < 1e-14) continue;
        const bi = b[i]!;
        const bj = b[j]!;
        const bk = b[k]!;
        const cx = (bi * (A[4]! * A[8]! - A[5]! * A[7]!) - A[1]! * (bj * A[8]! - A[5]! * bk) + A[2]! * (bj * A[7]! - A[4]! * bk)) / det;
        const cy = (A[0]! * (bj * A[8]! - A[5]! * bk) - bi * (A[3]! * A[8]! - A[5]! * A[6]!) + A[2]! * (A[3]! * bk - bj * A[6]!)) / det;
        const r = (A[0]! * (A[4]! * bk - bj * A[7]!) - A[1]! * (A[3]! * bk - bj * A[6]!) + bi * (A[3]! * A[7]! - A[4]! * A[6]!)) / det;
        if (r > best && feasible(cx, cy, r)) best = r;
      }
    }
  }
  return best;
}

/**
 * The part of the line {a0 + a1·s + a2·t = 0} inside a convex polygon, as its two end points [s0, t0, s1, t1], or
 * null when the line misses it or touches it in one point only (length ≤ `minLength`).
 */
export function clipLine(p: Float64Array, a0: number, a1: number, a2: number, minLength = 0): Float64Array | null {
  const nrm = Math.hypot(a1, a2);
  if (nrm === 0) return null;
  // the line as q0 + λ·d: q0 the point of the line nearest the polygon's first vertex, d a unit direction
  const d1 = -a2 / nrm;
  const d2 = a1 / nrm;
  const vx = p[0]!;
  const vy = p[1]!;
  const off = (a0 + a1 * vx + a2 * vy) / nrm;
  const q1 = vx - (off * a1) / nrm;
  const q2 = vy - (off * a2) / nrm;
  let lo = -Infinity;
  let hi = Infinity;
  const n = p.length >> 1;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const ex = p[2 * j]! - p[2 * i]!;
    const ey = p[2 * j + 1]! - p[2 * i + 1]!;
    // inside: cross(e, q − v_i) ≥ 0, affine in λ: c0 + λ c1
    const c0 = ex * (q2 - p[2 * i + 1]!) - ey * (q1 - p[2 * i]!);
    const c1 = ex * d2 - ey * d1;
    if (Math.abs(c1) < 1e-300) {
      if (c0 < -1e-12 * Math.hypot(ex, ey) * (Math.abs(q1) + Math.abs(q2) + 1)) return null;
      continue;
    }
    const r = -c0 / c1;
    if (c1 > 0) lo = Math.max(lo, r);
    else hi = Math.min(hi, r);
  }
  if (!(hi - lo > minLength)) return null;
  return Float64Array.of(q1 + lo * d1, q2 + lo * d2, q1 + hi * d1, q2 + hi * d2);
}

/** Convex polygons (2-D slices). */
export const POLYGONS: CellGeometry = {
  dim: 2,
  side: polygonSide,
  split: splitPolygon,
  measure: polygonArea,
  interior: (p) => polygonCentroid(p),
  vertices: (p) => p.length >> 1,
};

// ------------------------------------------------------------------------------------------------ 1-D intervals

function intervalSide(c: Float64Array, a0: number, a1: number, _a2: number, vals: Float64Array, relTol = ON_LINE_RTOL): Side {
  let pos = false;
  let neg = false;
  const b0 = Math.abs(a0);
  for (let i = 0; i < 2; i++) {
    const s = a1 * c[i]!;
    let v = a0 + s;
    if (Math.abs(v) <= relTol * (b0 + Math.abs(s))) v = 0;
    else if (v > 0) pos = true;
    else neg = true;
    vals[i] = v;
  }
  return pos && neg ? 0 : pos ? 1 : -1;
}

function splitInterval(c: Float64Array, vals: Float64Array): [Float64Array | null, Float64Array | null] {
  const [a, b] = [c[0]!, c[1]!];
  const [va, vb] = [vals[0]!, vals[1]!];
  const m = a + (va / (va - vb)) * (b - a);
  const left = Float64Array.of(a, m);
  const right = Float64Array.of(m, b);
  return va < 0 ? [left, right] : [right, left];
}

/** Intervals (1-D segments). */
export const INTERVALS: CellGeometry = {
  dim: 1,
  side: intervalSide,
  split: splitInterval,
  measure: (c) => c[1]! - c[0]!,
  interior: (c) => [(c[0]! + c[1]!) / 2],
  vertices: () => 2,
};

// ------------------------------------------------------------------------------------------------ upper envelope

/** One cell of an upper envelope: where function `k` is the largest. */
export interface EnvelopeCell {
  cell: Float64Array;
  measure: number;
  k: number;
}

/**
 * The cells of a convex cell where each of m affine functions f_k = c[3k] + c[3k+1]·s + c[3k+2]·t is the largest
 * (ties go to the lowest k, as argmax does). Each candidate's cell is the cell clipped by the half-planes f_k ≥ f_j,
 * so every cell is convex and no cell of one k is cut in two (a sequential envelope would cut the cell of a later
 * winner by the tie lines of earlier ones). Functions with `valid[k]` false take no part. Sliver rule: a clip whose
 * smaller part measures less than `minPiece` keeps the larger side whole, the same on both sides of a tie line.
 */
export function upperEnvelope(geom: CellGeometry, cell: Float64Array, c: ArrayLike<number>, m: number, valid: (k: number) => boolean, minPiece: number, relTol = ON_LINE_RTOL): EnvelopeCell[] {
  const vals = new Float64Array(Math.max(8, cell.length + 8));
  const out: EnvelopeCell[] = [];
  const measure0 = geom.measure(cell);
  for (let k = 0; k < m; k++) {
    if (!valid(k)) continue;
    let p: Float64Array | null = cell;
    let mp = measure0;
    for (let j = 0; j < m && p; j++) {
      if (j === k || !valid(j)) continue;
      const v = p.length + 8 > vals.length ? new Float64Array(p.length + 8) : vals;
      const side = geom.side(p, c[3 * k]! - c[3 * j]!, c[3 * k + 1]! - c[3 * j + 1]!, c[3 * k + 2]! - c[3 * j + 2]!, v, relTol);
      if (side === 1) continue;
      if (side === -1) {
        // f_k ≡ f_j on the cell: the lower index wins the tie
        let zero = true;
        for (let i = 0; i < geom.vertices(p); i++) if (v[i] !== 0) zero = false;
        if (!(zero && j > k)) p = null;
        continue;
      }
      const [neg, pos] = geom.split(p, v);
      const mNeg = neg ? geom.measure(neg) : 0;
      const mPos = pos ? geom.measure(pos) : 0;
      if (mPos < minPiece || mNeg < minPiece) {
        if (mPos < mNeg) p = null;
        continue;
      }
      p = pos;
      mp = mPos;
    }
    if (p) out.push({ cell: p, measure: p === cell ? measure0 : mp, k });
  }
  return out;
}
