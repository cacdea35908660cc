/**
 * Density of linear regions near the data and away from it, on a slice.
 *
 * The near set N_r is the part of the slice within input-space distance r of some data point: a data point at
 * distance h from the slice's plane (or line) and projecting to p covers the disk (interval) of radius √(r² − h²)
 * around p. The density of a set S is the fractional count of regions per unit area (length),
 *   ρ(S) = Σ_R area(R ∩ S)/area(R) / area(S),
 * so every region counts once in total (ρ(N_r)·area(N_r) + ρ(far)·area(far) = number of regions) and a region half
 * inside N_r counts one half there. area(R ∩ S) is estimated by a fixed stratified sample of each region (16 points
 * per fan triangle of a polygon, at the centroids of its 4×4 sub-triangles; 16 points per interval), deterministic.
 */
import type { LinearRegion } from './compute.js';

/** A data point seen from a slice: its projection (coordinates) and its distance to the slice's affine span. */
export interface ProjectedPoint {
  coords: number[];
  /** Distance from the point to the plane (line) of the slice, in input units. */
  offset: number;
}

export interface DensityPart {
  /** Area (2-D) or length (1-D) of the part of the slice, in slice units. */
  measure: number;
  /** Fractional count of regions in it. */
  regions: number;
  /** Regions per unit area (length); null when the part is empty. */
  density: number | null;
}

export interface RegionDensity {
  radius: number;
  /** Data points that reach the slice (offset < radius). */
  pointsReaching: number;
  near: DensityPart;
  far: DensityPart;
  /** near.density / far.density; null when either is null or far.density is 0. */
  ratio: number | null;
}

/** Sample points of a cell with weights (fractions of its measure) summing to 1. */
export function cellSamples(cell: Float64Array, dim: 1 | 2): { pts: number[][]; w: number[] } {
  const L = 4;
  if (dim === 1) {
    const [a, b] = [cell[0]!, cell[1]!];
    const pts: number[][] = [];
    for (let i = 0; i < 16; i++) pts.push([a + ((i + 0.5) / 16) * (b - a)]);
    return { pts, w: new Array<number>(16).fill(1 / 16) };
  }
  const n = cell.length >> 1;
  const pts: number[][] = [];
  const w: number[] = [];
  const areas: number[] = [];
  let total = 0;
  for (let k = 1; k + 1 < n; k++) {
    const ax = cell[0]!, ay = cell[1]!;
    const bx = cell[2 * k]!, by = cell[2 * k + 1]!;
    const cx = cell[2 * k + 2]!, cy = cell[2 * k + 3]!;
    const area = Math.abs((bx - ax) * (cy - ay) - (cx - ax) * (by - ay)) / 2;
    areas.push(area);
    total += area;
  }
  for (let k = 1; k + 1 < n; k++) {
    const ax = cell[0]!, ay = cell[1]!;
    const bx = cell[2 * k]!, by = cell[2 * k + 1]!;
    const cx = cell[2 * k + 2]!, cy = cell[2 * k + 3]!;
    const share = total > 0 ? areas[k - 1]! / total : 1 / (n - 2);
    // centroids of the L² sub-triangles of a regular subdivision, in barycentric coordinates (u, v) of (b − a, c − a)
    const bary: [number, number][] = [];
    for (let i = 0; i < L; i++) {
      for (let j = 0; i + j < L; j++) {
        bary.push([(i + 1 / 3) / L, (j + 1 / 3) / L]);
        if (i + j < L - 1) bary.push([(i + 2 / 3) / L, (j + 2 / 3) / L]);
      }
    }
    for (const [u, v] of bary) {
      pts.push([ax + u * (bx - ax) + v * (cx - ax), ay + u * (by - ay) + v * (cy - ay)]);
      w.push(share / bary.length);
    }
  }
  return { pts, w };
}

/** Region density near the data (within input distance `radius`) and away from it (see the module comment). */
export function regionDensity(regions: readonly Pick<LinearRegion, 'cell' | 'measure'>[], dim: 1 | 2, points: readonly ProjectedPoint[], radius: number): RegionDensity {
  // the points that reach the slice, with their radius on it, in a hash grid of cell `radius` (numeric keys)
  const cx: number[] = [];
  const cy: number[] = [];
  const r2: number[] = [];
  for (const p of points) {
    if (p.offset < radius) {
      cx.push(p.coords[0]!);
      cy.push(dim === 2 ? p.coords[1]! : 0);
      r2.push(radius * radius - p.offset * p.offset);
    }
  }
  const B = 1 << 21;
  const cellOf = (v: number): number => Math.floor(v / radius) + B / 2;
  const key = (gx: number, gy: number): number => gx * B + gy;
  const grid = new Map<number, number[]>();
  for (let i = 0; i < cx.length; i++) {
    const k = key(cellOf(cx[i]!), dim === 2 ? cellOf(cy[i]!) : 0);
    const l = grid.get(k);
    if (l) l.push(i);
    else grid.set(k, [i]);
  }
  let nearMeasure = 0;
  let nearCount = 0;
  let total = 0;
  const cand: number[] = [];
  for (const r of regions) {
    total += r.measure;
    if (!cx.length) continue;
    // the points whose grid cells touch the region's bounding box (widened by one cell)
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < r.cell.length; i += dim) {
      x0 = Math.min(x0, r.cell[i]!);
      x1 = Math.max(x1, r.cell[i]!);
      if (dim === 2) {
        y0 = Math.min(y0, r.cell[i + 1]!);
        y1 = Math.max(y1, r.cell[i + 1]!);
      }
    }
    cand.length = 0;
    const [gx0, gx1] = [cellOf(x0) - 1, cellOf(x1) + 1];
    const [gy0, gy1] = dim === 2 ? [cellOf(y0) - 1, cellOf(y1) + 1] : [0, 0];
    if ((gx1 - gx0 + 1) * (gy1 - gy0 + 1) > grid.size) {
      for (const l of grid.values()) for (const i of l) cand.push(i);
    } else {
      for (let gx = gx0; gx <= gx1; gx++) for (let gy = gy0; gy <= gy1; gy++) for (const i of grid.get(key(gx, gy)) ?? []) cand.push(i);
    }
    if (!cand.length) continue;
    const { pts, w } = cellSamples(r.cell, dim);
    let frac = 0;
    pts.forEach((q, k) => {
      for (const i of cand) {
        const dx = q[0]! - cx[i]!;
        const dy = dim === 2 ? q[1]! - cy[i]! : 0;
        if (dx * dx + dy * dy <= r2[i]!) {
          frac += w[k]!;
          break;
        }
      }
    });
    nearMeasure += frac * r.measure;
    nearCount += frac;
  }
  const farMeasure = total - nearMeasure;
  const farCount = regions.length - nearCount;
  const part = (measure: number, count: number): DensityPart => ({ measure, regions: count, density: measure > 0 ? count / measure : null });
  const n = part(nearMeasure, nearCount);
  const f = part(farMeasure, farCount);
  return { radius, pointsReaching: cx.length, near: n, far: f, ratio: n.density !== null && f.density ? n.density / f.density : null };
}
