/**
 * Running the exact linear-regions probe on a model (Lei, Luo, Yau & Gu, arXiv 1805.10451; METHODS.md §5): the slice
 * (a plane through three data points, the input plane of a 2-D model, an explicit plane, or a segment between two
 * points), its exact regions (`subdivide`), the decision boundary, the architecture's bounds (every count checked
 * against them), region density near and far from the data, the linear pieces of a `manifold` class sheet, and a
 * check of the float64 affine maps against onnxruntime — for one model (`runRegions`) or every checkpoint of a run on
 * the same slice (`runRegionsOverTraining`).
 */
import type { Dataset } from '../../data/types.js';
import { manifoldSheets, syntheticOptionsOf } from '../../data/synthetic.js';
import type { Engine } from '../../engine/engine.js';
import { GeolensError } from '../../errors.js';
import type { ProbeProgress } from '../../measure/progress.js';
import type { ImportedModel } from '../../onnx/import.js';
import { DataType } from '../../onnx/proto.js';
import { Rng } from '../../util/random.js';
import { VERSION } from '../../version.js';
import { boundaryPoints, boundarySegments, classCells, stitchBoundary } from './boundary.js';
import { checkAgainstBounds, regionBounds, tightestBound } from './bounds.js';
import { logitsAt, patternKey, slicePoint, subdivide, type LinearRegion, type SliceGeometry, type Subdivision } from './compute.js';
import { regionDensity, type ProjectedPoint } from './density.js';
import { manifoldCurveCount, manifoldPatchCount } from './manifold.js';
import { INTERVALS as INTV, ON_LINE_RTOL, polygonCentroid, POLYGONS as POLY, rectangle } from './polygon.js';
import { pwlProgram, type PwlProgram } from './pwl.js';
import { REGIONS_SCHEMA_VERSION } from './schema.js';
import type {
  BoundaryFeatureCollection,
  ManifoldComplexityJson,
  RegionDensityJson,
  RegionFeature,
  RegionsCheck,
  RegionsDatasetMeta,
  RegionsEpoch,
  RegionsLayerCount,
  RegionsOverTrainingResult,
  RegionsResult,
  SegmentInterval,
  SliceMeta,
} from './types.js';

/** Which slice to enumerate. */
export type RegionsSliceSpec =
  /** The input space itself (models with 2-D inputs only). */
  | { kind: 'input-plane' }
  /** The plane through three data points (dataset indices). */
  | { kind: 'points'; points: [number, number, number] }
  /** x = origin + s·u + t·v (u, v as given: areas are in these coordinates). */
  | { kind: 'explicit'; origin: ArrayLike<number>; directions: [ArrayLike<number>, ArrayLike<number>] }
  /** The line through two data points, coordinate t = distance from the first along the unit direction. */
  | { kind: 'segment'; points: [number, number] };

export interface RegionsRunOptions {
  /** Default: the input plane for 2-D inputs, else the plane through the first point of each of three classes. */
  slice?: RegionsSliceSpec;
  /** [s0, s1, t0, t1] (plane) or [t0, t1] (segment) in slice coordinates; default from `margin`. */
  extent?: number[];
  /**
   * Default extent: the bounding box of the anchors (input plane: of the data) widened on each side by this fraction of
   * its larger side (default 0.5 for planes through points, 0.1 for the input plane, 0 for segments).
   */
  margin?: number;
  /** Density radius in input units; default the median nearest-neighbour distance of the data; null: no density. */
  radius?: number | null;
  /** Linear pieces of a `manifold` class sheet (needs the embedded manifold dataset); null/undefined: none. */
  manifold?: { class?: number; shape?: 'patch' | 'curve' | 'both'; latentExtent?: number; resolution?: number } | null;
  /** Write the polygons, patterns and affine maps (default true). */
  geometry?: boolean;
  /** Points checked against onnxruntime (default 256; 0: no check). */
  checkPoints?: number;
  maxRegions?: number;
  relTol?: number;
  minPieceFraction?: number;
  seed?: number;
  source?: string;
  sourceKind?: 'run' | 'onnx';
  datasetSpec?: string;
}

const sig = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(12)) : v);

const METHOD =
  'exact enumeration (Lei et al. 2018, arXiv 1805.10451): on the slice x = x0 + s·u + t·v every pre-activation is affine in (s, t) on each cell; layer by layer in float64, each cell is split by the zero line of every rectifier unit crossing it (MaxPool: by the lines where two window elements tie), so each final cell has one activation pattern and affine logits';

function datasetMeta(data: Dataset, o: RegionsRunOptions): RegionsDatasetMeta {
  return { spec: o.datasetSpec ?? data.name, name: data.name, n: data.y.length, numClasses: data.numClasses, sampleShape: data.sampleShape };
}

function sampleAt(data: Dataset, i: number): Float64Array {
  const d = data.x.data.length / data.y.length;
  if (!Number.isInteger(i) || i < 0 || i >= data.y.length) throw new GeolensError('BAD_ARGUMENT', `regions: point ${i} is outside 0..${data.y.length - 1} of ${data.name}; give dataset indices.`);
  return Float64Array.from(data.x.data.subarray(i * d, (i + 1) * d));
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** The first sample of each of the three lowest classes present (topped up with the first samples when fewer). */
export function defaultSlicePoints(data: Dataset): [number, number, number] {
  const seen = new Map<number, number>();
  for (let i = 0; i < data.y.length; i++) if (!seen.has(data.y[i]!)) seen.set(data.y[i]!, i);
  const idx = [...seen.entries()].sort((a, b) => a[0] - b[0]).slice(0, 3).map(([, i]) => i);
  for (let i = 0; idx.length < 3 && i < data.y.length; i++) if (!idx.includes(i)) idx.push(i);
  if (idx.length < 3) throw new GeolensError('BAD_ARGUMENT', `regions: ${data.name} has fewer than three samples; a plane needs three points.`);
  return idx as [number, number, number];
}

/** The slice's geometry and its description. */
export function buildSlice(program: PwlProgram, data: Dataset, o: RegionsRunOptions = {}): { slice: SliceGeometry; meta: SliceMeta } {
  const d = program.inputSize;
  const spec: RegionsSliceSpec = o.slice ?? (d === 2 ? { kind: 'input-plane' } : { kind: 'points', points: defaultSlicePoints(data) });
  const checkExtent = (n: number): number[] | undefined => {
    if (!o.extent) return undefined;
    if (o.extent.length !== n || o.extent.some((v) => !Number.isFinite(v)) || o.extent[1]! <= o.extent[0]! || (n === 4 && o.extent[3]! <= o.extent[2]!)) {
      throw new GeolensError('BAD_ARGUMENT', `regions: the extent must be ${n === 4 ? 's0,s1,t0,t1 with s0 < s1 and t0 < t1' : 't0,t1 with t0 < t1'}, got ${o.extent.join(',')}.`);
    }
    return o.extent;
  };
  const box = (coords: number[][], margin: number): number[] => {
    const lo = [Infinity, Infinity];
    const hi = [-Infinity, -Infinity];
    for (const c of coords) for (let k = 0; k < 2; k++) [lo[k], hi[k]] = [Math.min(lo[k]!, c[k]!), Math.max(hi[k]!, c[k]!)];
    const side = Math.max(hi[0]! - lo[0]!, hi[1]! - lo[1]!, 1e-9);
    return [lo[0]! - margin * side, hi[0]! + margin * side, lo[1]! - margin * side, hi[1]! + margin * side];
  };
  if (spec.kind === 'segment') {
    const [i, j] = spec.points;
    const a = sampleAt(data, i);
    const b = sampleAt(data, j);
    const u = Float64Array.from(b, (v, k) => v - a[k]!);
    const len = Math.sqrt(dot(u, u));
    if (!(len > 0)) throw new GeolensError('BAD_ARGUMENT', `regions: points ${i} and ${j} coincide; a segment needs two different points.`);
    u.forEach((v, k) => (u[k] = v / len));
    const m = o.margin ?? 0;
    const extent = checkExtent(2) ?? [-m * len, len * (1 + m)];
    return {
      slice: { origin: a, directions: [u], domain: Float64Array.of(extent[0]!, extent[1]!) },
      meta: {
        kind: 'segment',
        how: 'points',
        points: [i, j],
        origin: Array.from(a, sig),
        directions: [Array.from(u, sig)],
        coordinates: `t: distance from point ${i} towards point ${j} in input units (point ${j} at t = ${sig(len)})`,
        extent: extent.map(sig),
        measure: extent[1]! - extent[0]!,
        anchors: [
          { index: i, label: data.y[i]!, coords: [0] },
          { index: j, label: data.y[j]!, coords: [sig(len)] },
        ],
      },
    };
  }
  let origin: Float64Array;
  let u: Float64Array;
  let v: Float64Array;
  let anchors: SliceMeta['anchors'] = [];
  let coordinates: string;
  let defaultExtent: () => number[];
  if (spec.kind === 'input-plane') {
    if (d !== 2) throw new GeolensError('BAD_ARGUMENT', `regions: the input plane is a slice only for models with 2-D inputs; this one takes ${d} values. Slice through three data points instead (--slice points:i,j,k).`);
    origin = new Float64Array(2);
    u = Float64Array.of(1, 0);
    v = Float64Array.of(0, 1);
    coordinates = 's, t: the two input features';
    defaultExtent = () => {
      const pts: number[][] = [];
      for (let i = 0; i < data.y.length; i++) pts.push([data.x.data[2 * i]!, data.x.data[2 * i + 1]!]);
      return box(pts, o.margin ?? 0.1);
    };
  } else if (spec.kind === 'points') {
    const [i, j, k] = spec.points;
    const [a, b, c] = [sampleAt(data, i), sampleAt(data, j), sampleAt(data, k)];
    origin = Float64Array.from(a, (x, q) => (x + b[q]! + c[q]!) / 3);
    u = Float64Array.from(b, (x, q) => x - a[q]!);
    const nu = Math.sqrt(dot(u, u));
    v = Float64Array.from(c, (x, q) => x - a[q]!);
    if (!(nu > 0)) throw new GeolensError('BAD_ARGUMENT', `regions: points ${i} and ${j} coincide; a plane needs three points not on one line.`);
    u.forEach((x, q) => (u[q] = x / nu));
    const proj = dot(v, u);
    v.forEach((x, q) => (v[q] = x - proj * u[q]!));
    const nv = Math.sqrt(dot(v, v));
    if (!(nv > 1e-9 * nu)) throw new GeolensError('BAD_ARGUMENT', `regions: points ${i}, ${j}, ${k} lie on one line; choose three points that span a plane.`);
    v.forEach((x, q) => (v[q] = x / nv));
    anchors = [i, j, k].map((idx, q) => {
      const x = [a, b, c][q]!;
      const rel = Float64Array.from(x, (val, p) => val - origin[p]!);
      return { index: idx, label: data.y[idx]!, coords: [sig(dot(rel, u)), sig(dot(rel, v))] };
    });
    coordinates = `s, t: orthonormal coordinates in input units; origin at the centroid of points ${i}, ${j}, ${k}, s along ${i}→${j}`;
    defaultExtent = () => box(anchors.map((x) => x.coords), o.margin ?? 0.5);
  } else {
    origin = Float64Array.from(spec.origin);
    u = Float64Array.from(spec.directions[0]);
    v = Float64Array.from(spec.directions[1]);
    coordinates = 's, t: coefficients of the two given directions (areas in these units)';
    defaultExtent = () => [-1, 1, -1, 1];
  }
  const extent = checkExtent(4) ?? defaultExtent();
  const domain = rectangle(extent[0]!, extent[1]!, extent[2]!, extent[3]!);
  return {
    slice: { origin, directions: [u, v], domain },
    meta: {
      kind: 'plane',
      how: spec.kind,
      points: spec.kind === 'points' ? [...spec.points] : null,
      origin: Array.from(origin, sig),
      directions: [Array.from(u, sig), Array.from(v, sig)],
      coordinates,
      extent: extent.map(sig),
      measure: (extent[1]! - extent[0]!) * (extent[3]! - extent[2]!),
      anchors,
    },
  };
}

/**
 * The data seen from a slice: coordinates of each point's orthogonal projection onto the slice's affine span and its
 * distance to it (exact for orthonormal directions; for explicit non-orthonormal ones, the least-squares coordinates).
 */
export function projectData(data: Dataset, slice: SliceGeometry): (ProjectedPoint & { label: number })[] {
  const n = data.y.length;
  const d = slice.origin.length;
  const dirs = slice.directions;
  const m = dirs.length;
  // Gram matrix of the directions (1×1 or 2×2) for least-squares coordinates
  const G = dirs.map((a) => dirs.map((b) => dot(a, b)));
  const det = m === 1 ? G[0]![0]! : G[0]![0]! * G[1]![1]! - G[0]![1]! * G[1]![0]!;
  const out: (ProjectedPoint & { label: number })[] = [];
  const rel = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < d; q++) rel[q] = data.x.data[i * d + q]! - slice.origin[q]!;
    const r = dirs.map((a) => dot(rel, a));
    const coords = m === 1 ? [r[0]! / det] : [(G[1]![1]! * r[0]! - G[0]![1]! * r[1]!) / det, (G[0]![0]! * r[1]! - G[1]![0]! * r[0]!) / det];
    let off2 = dot(rel, rel);
    // |rel − Σ c_k dir_k|² = |rel|² − Σ c_k r_k for the least-squares c
    for (let k = 0; k < m; k++) off2 -= coords[k]! * r[k]!;
    out.push({ coords, offset: Math.sqrt(Math.max(0, off2)), label: data.y[i]! });
  }
  return out;
}

/** Median distance from up to 200 seeded data points to their nearest other data point (input units). */
export function medianNearestNeighbour(data: Dataset, seed = 0): number {
  const n = data.y.length;
  const d = data.x.data.length / n;
  if (n < 2) return NaN;
  const picks = n <= 200 ? Array.from({ length: n }, (_, i) => i) : Array.from(new Rng(seed).permutation(n).subarray(0, 200));
  const x = data.x.data;
  const dists: number[] = [];
  for (const i of picks) {
    let best = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let q = 0; q < d && s < best; q++) s += (x[i * d + q]! - x[j * d + q]!) ** 2;
      if (s < best) best = s;
    }
    dists.push(Math.sqrt(best));
  }
  dists.sort((a, b) => a - b);
  const h = dists.length >> 1;
  return dists.length % 2 ? dists[h]! : (dists[h - 1]! + dists[h]!) / 2;
}

const DENSITY_DEFINITION =
  'fractional count of regions per unit area (length) of the slice within input distance r of a data point (near) and elsewhere (far): Σ_R area(R ∩ S)/area(R) / area(S), area(R ∩ S) from 16 stratified samples per fan triangle of each region';

function densityJson(sub: Subdivision, points: ProjectedPoint[], radius: number, rule: string): RegionDensityJson {
  const dd = regionDensity(sub.regions, sub.dim, points, radius);
  const part = (p: typeof dd.near): RegionDensityJson['near'] => ({ measure: sig(p.measure), regions: sig(p.regions), density: p.density === null ? null : sig(p.density) });
  return { radius: sig(radius), radiusRule: rule, pointsReaching: dd.pointsReaching, near: part(dd.near), far: part(dd.far), ratio: dd.ratio === null ? null : sig(dd.ratio), definition: DENSITY_DEFINITION };
}

function affineRows(r: LinearRegion, C: number): number[][] {
  const K = r.logits.length / C;
  return Array.from({ length: C }, (_, c) => Array.from({ length: K }, (_, k) => sig(r.logits[k * C + c]!)));
}

const ring = (p: Float64Array): [number, number][] => {
  const out: [number, number][] = [];
  for (let i = 0; i < p.length; i += 2) out.push([sig(p[i]!), sig(p[i + 1]!)]);
  out.push(out[0]!);
  return out;
};

/** Per-layer counts, each checked against the bounds of the network truncated after that layer. */
function layerCounts(program: PwlProgram, sub: Subdivision, n0: number): RegionsLayerCount[] {
  return program.layers.map((l, i) => {
    const b = regionBounds(program.layers.slice(0, i + 1), n0, program.numClasses, program.chain);
    checkAgainstBounds(sub.perLayer[i]!, b, `the network truncated after ${l.op} '${l.node}'`);
    const t = tightestBound(b);
    return { node: l.node, op: l.op, regions: sub.perLayer[i]!, bound: t.bound, boundName: t.name };
  });
}

function median(v: number[]): number {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Compare the regions' affine logits with onnxruntime's forward pass at up to `k` region interior points. */
async function checkAgainstEngine(engine: Engine, model: ImportedModel, slice: SliceGeometry, sub: Subdivision, k: number, seed: number): Promise<RegionsCheck> {
  const C = model.numClasses;
  const regs = sub.regions;
  const picks = regs.length <= k ? regs.map((_, i) => i) : Array.from(new Rng(seed + 17).permutation(regs.length).subarray(0, k));
  const d = slice.origin.length;
  const x = new Float32Array(picks.length * d);
  const mine: Float64Array[] = [];
  picks.forEach((ri, q) => {
    const r = regs[ri]!;
    const p = sub.dim === 2 ? polygonCentroid(r.cell) : [(r.cell[0]! + r.cell[1]!) / 2];
    x.set(slicePoint(slice, p), q * d);
    mine.push(logitsAt(r, C, p));
  });
  const sess = await engine.load(model.graph);
  const shape = [picks.length, ...(model.input.shape.slice(1) as number[])];
  const data = model.input.elemType === DataType.DOUBLE ? Float64Array.from(x) : x;
  const out = await sess.runBatched({ [model.input.name]: { data, shape } }, [model.input.name], 512, [model.logits]);
  const ort = out[model.logits]!.data as Float32Array;
  let maxErr = 0;
  let agree = 0;
  mine.forEach((m, q) => {
    let a = 0;
    let b = 0;
    for (let c = 0; c < C; c++) {
      const o = ort[q * C + c]!;
      maxErr = Math.max(maxErr, Math.abs(m[c]! - o) / (1 + Math.abs(o)));
      if (m[c]! > m[a]!) a = c;
      if (o > ort[q * C + b]!) b = c;
    }
    if (a === b) agree++;
  });
  if (maxErr > 1e-3) {
    throw new Error(`geolens bug: the regions' float64 affine logits differ from onnxruntime's by ${maxErr.toExponential(2)} (relative) at a region interior point; the model's ops were misread. Please report it with the model.`);
  }
  return { points: picks.length, maxRelativeLogitError: sig(maxErr), argmaxAgreement: picks.length ? agree / picks.length : 1 };
}

function manifoldComplexity(program: PwlProgram, data: Dataset, o: NonNullable<RegionsRunOptions['manifold']>, sub: RegionsRunOptions, onProgress?: ProbeProgress): ManifoldComplexityJson[] {
  const parsed = syntheticOptionsOf(data.source);
  if (!parsed || parsed.name !== 'manifold') {
    throw new GeolensError('BAD_ARGUMENT', `regions: manifold complexity measures a class sheet of the embedded 'manifold' dataset; ${data.name} (${data.source ?? 'no source'}) is not one (use --dataset manifold, without transforms).`);
  }
  const { sheets } = manifoldSheets(parsed.options);
  if (sheets.ambientDim !== program.inputSize) throw new GeolensError('BAD_SHAPE', `regions: the manifold sheets live in R^${sheets.ambientDim} but the model takes ${program.inputSize} values.`);
  const c = o.class ?? 0;
  if (!Number.isInteger(c) || c < 0 || c >= sheets.classes) throw new GeolensError('BAD_ARGUMENT', `regions: manifold class ${c} is outside 0..${sheets.classes - 1}.`);
  const shapes: ('patch' | 'curve')[] = o.shape === 'both' || o.shape === undefined ? ['patch', 'curve'] : [o.shape];
  if (sheets.intrinsicDim < 2 && shapes.includes('patch')) {
    if (o.shape === 'patch') throw new GeolensError('BAD_ARGUMENT', `regions: the manifold's sheets are curves (intrinsicDim 1); measure --manifold-shape curve.`);
    shapes.splice(shapes.indexOf('patch'), 1);
  }
  const z = new Float64Array(sheets.intrinsicDim);
  const F = (p: [number, number]): Float64Array => {
    z.fill(0);
    z[0] = p[0];
    if (z.length > 1) z[1] = p[1];
    return sheets.at(c, z);
  };
  const subdivision = { ...(sub.maxRegions !== undefined ? { maxRegions: sub.maxRegions } : {}), ...(sub.relTol !== undefined ? { relTol: sub.relTol } : {}), ...(sub.minPieceFraction !== undefined ? { minPieceFraction: sub.minPieceFraction } : {}) };
  return shapes.map((shape) => {
    const opts = { subdivision, ...(o.latentExtent !== undefined ? { latentExtent: o.latentExtent } : {}), ...(o.resolution !== undefined ? { resolution: o.resolution } : {}), onProgress: (d: number, t: number) => onProgress?.(`manifold ${shape}`, d, t) };
    const m = shape === 'patch' ? manifoldPatchCount(program, F, opts) : manifoldCurveCount(program, F, opts);
    const ambient = regionBounds(program.layers, program.inputSize, program.numClasses, program.chain);
    checkAgainstBounds(m.patterns, ambient, `the ${shape} of manifold class ${c}`);
    return {
      class: c,
      ...m,
      boundsAmbient: ambient,
      boundsFlat: regionBounds(program.layers, shape === 'patch' ? 2 : 1, program.numClasses, program.chain),
      definition:
        shape === 'patch'
          ? `the latent square [−a, a]² of class ${c}'s sheet meshed into ${m.resolution}×${m.resolution}×2 triangles (the sheet interpolated linearly between mesh vertices); exact regions in each triangle; pieces with the same activation pattern sharing a stretch of a mesh edge merged (union–find); 'pieces' = connected linear pieces, 'patterns' = distinct regions met`
          : `the latent segment z = (τ, 0), τ ∈ [−a, a] of class ${c}'s sheet meshed into ${m.resolution} segments; exact breakpoints on each; consecutive intervals with the same pattern merged`,
    };
  });
}

/** Everything one slice gives (shared by runRegions and runRegionsOverTraining). */
function analyse(program: PwlProgram, slice: SliceGeometry, o: RegionsRunOptions, onProgress?: ProbeProgress) {
  const sub = subdivide(program, slice, {
    ...(o.maxRegions !== undefined ? { maxRegions: o.maxRegions } : {}),
    ...(o.relTol !== undefined ? { relTol: o.relTol } : {}),
    ...(o.minPieceFraction !== undefined ? { minPieceFraction: o.minPieceFraction } : {}),
    ...(onProgress ? { onProgress: (d: number, t: number) => onProgress('layers', d, t) } : {}),
  });
  const n0 = sub.dim;
  const C = program.numClasses;
  const bounds = regionBounds(program.layers, n0, C, program.chain);
  checkAgainstBounds(sub.regions.length, bounds, 'the slice');
  const perLayer = layerCounts(program, sub, n0);
  const classMeasures = new Array<number>(C).fill(0);
  const minPiece = sub.minPieceFraction * sub.domainMeasure;
  const cells = sub.regions.map((r) => classCells(r, C, sub.dim === 2 ? POLY : INTV, minPiece, sub.relTol));
  for (const cs of cells) for (const c of cs) classMeasures[c.predicted]! += c.measure;
  const ext = slice.domain;
  const diag = sub.dim === 2 ? Math.hypot(ext[4]! - ext[0]!, ext[5]! - ext[1]!) : ext[1]! - ext[0]!;
  const snap = 1e-9 * diag;
  let polylines: ReturnType<typeof stitchBoundary> = [];
  let points: ReturnType<typeof boundaryPoints> = [];
  if (sub.dim === 2) polylines = stitchBoundary(boundarySegments(sub.regions, C, snap), snap);
  else points = boundaryPoints(sub.regions, C);
  const boundaryLength = sub.dim === 2 ? polylines.reduce((s, p) => s + p.length, 0) : points.length;
  return { sub, bounds, perLayer, classMeasures, cells, polylines, points, boundaryLength, snap };
}

function checkData(program: PwlProgram, data: Dataset): void {
  if (data.y.length === 0) throw new GeolensError('BAD_ARGUMENT', `regions: ${data.name} has no samples; the slice is built from data points.`);
  const have = data.x.data.length / data.y.length;
  if (have !== program.inputSize) throw new GeolensError('BAD_SHAPE', `regions: ${data.name} has samples of shape [${data.sampleShape.join(', ')}] but the model takes [${program.inputShape.join(', ')}].`);
}

function resolveRadius(data: Dataset, o: RegionsRunOptions): { radius: number; rule: string } | null {
  if (o.radius === null) return null;
  if (o.radius !== undefined) {
    if (!(o.radius > 0)) throw new GeolensError('BAD_ARGUMENT', `regions: the density radius must be > 0, got ${o.radius}.`);
    return { radius: o.radius, rule: 'given' };
  }
  const r = medianNearestNeighbour(data, o.seed ?? 0);
  return Number.isFinite(r) && r > 0 ? { radius: r, rule: `median nearest-neighbour distance of ${Math.min(200, data.y.length)} data points (input units)` } : null;
}

/** The model's description in a result. */
function modelMeta(program: PwlProgram): RegionsResult['model'] {
  return { inputDim: program.inputSize, numClasses: program.numClasses, layers: program.layers.map((l) => ({ node: l.node, op: l.op, width: l.width, hyperplanes: l.hyperplanes })), chain: program.chain };
}

/**
 * The exact linear regions of one model on a slice of its input space, with the decision boundary, the bounds, the
 * density near/far from `data`, and (option `manifold`) the pieces of a manifold sheet. Progress stages: 'layers',
 * 'manifold patch' / 'manifold curve'. Errors: UNSUPPORTED_OP for a network that is not piecewise linear (naming the
 * ops), BAD_ARGUMENT for a bad slice or a count above `maxRegions`, BAD_SHAPE when the data do not fit the model.
 */
export async function runRegions(engine: Engine, model: ImportedModel, data: Dataset, options: RegionsRunOptions = {}, onProgress?: ProbeProgress): Promise<RegionsResult> {
  const t0 = Date.now();
  const program = pwlProgram(model);
  checkData(program, data);
  const { slice, meta } = buildSlice(program, data, options);
  const a = analyse(program, slice, options, onProgress);
  const { sub } = a;
  const C = program.numClasses;
  const geometry = options.geometry !== false;
  const warnings: string[] = [];
  if (sub.suppressedSplits) warnings.push(`${sub.suppressedSplits} split${sub.suppressedSplits > 1 ? 's' : ''} left a part below ${sub.minPieceFraction} of the slice and ${sub.suppressedSplits > 1 ? 'were' : 'was'} not made (slivers are not counted)`);
  const projected = projectData(data, slice);
  const rad = resolveRadius(data, options);
  const density = rad ? densityJson(sub, projected, rad.radius, rad.rule) : null;
  const reach = rad ? rad.radius : Infinity;
  const nearby = projected.filter((p) => p.offset < reach);
  const stride = Math.max(1, Math.ceil(nearby.length / 2000));
  const nearbyPoints = nearby.filter((_, i) => i % stride === 0).map((p) => ({ coords: p.coords.map(sig), label: p.label, offset: sig(p.offset) }));
  let regions: RegionsResult['regions'] = null;
  let boundary: BoundaryFeatureCollection | null = null;
  let intervals: SegmentInterval[] | null = null;
  let bPoints: RegionsResult['boundaryPoints'] = null;
  if (sub.dim === 2) {
    if (geometry) {
      const features: RegionFeature[] = sub.regions.map((r, i) => {
        const cs = a.cells[i]!;
        const best = cs.reduce((x, y) => (y.measure > x.measure ? y : x));
        const classes = [...new Set(cs.map((c) => c.predicted))].sort((x, y) => x - y);
        const f: RegionFeature = {
          type: 'Feature',
          geometry: { type: 'Polygon', coordinates: [ring(r.cell)] },
          properties: { id: i, pattern: patternKey(program, r.pattern), area: sig(r.measure), predicted: best.predicted, classes, affine: affineRows(r, C) },
        };
        if (classes.length > 1) f.properties.parts = cs.map((c) => ({ predicted: c.predicted, coordinates: ring(c.cell) }));
        return f;
      });
      regions = { type: 'FeatureCollection', features };
      boundary = {
        type: 'FeatureCollection',
        features: a.polylines.map((p) => ({ type: 'Feature', geometry: { type: 'LineString', coordinates: p.points.map(([x, y]) => [sig(x), sig(y)]) }, properties: { classes: p.classes, length: sig(p.length) } })),
      };
    }
  } else {
    const order = sub.regions.map((r, i) => ({ r, i })).sort((x, y) => x.r.cell[0]! - y.r.cell[0]!);
    intervals = order.map(({ r, i }) => {
      const cs = a.cells[i]!;
      const best = cs.reduce((x, y) => (y.measure > x.measure ? y : x));
      return { t0: sig(r.cell[0]!), t1: sig(r.cell[1]!), pattern: geometry ? patternKey(program, r.pattern) : '', predicted: best.predicted, classes: [...new Set(cs.map((c) => c.predicted))].sort((x, y) => x - y), affine: geometry ? affineRows(r, C) : [] };
    });
    bPoints = a.points.map((p) => ({ t: sig(p.t), from: p.from, to: p.to }));
  }
  const manifold = options.manifold ? manifoldComplexity(program, data, options.manifold, options, onProgress) : null;
  const k = options.checkPoints ?? 256;
  const check = k > 0 ? await checkAgainstEngine(engine, model, slice, sub, k, options.seed ?? 0) : null;
  return {
    schemaVersion: REGIONS_SCHEMA_VERSION,
    probe: 'regions',
    geolensVersion: VERSION,
    source: options.source ?? model.source,
    sourceKind: options.sourceKind ?? 'onnx',
    dataset: datasetMeta(data, options),
    model: modelMeta(program),
    method: METHOD,
    slice: meta,
    tolerances: { onLineRelTol: sub.relTol ?? ON_LINE_RTOL, minPieceFraction: sub.minPieceFraction, suppressedSplits: sub.suppressedSplits, boundarySnap: sig(a.snap) },
    count: sub.regions.length,
    perLayer: a.perLayer,
    bounds: a.bounds,
    classMeasures: a.classMeasures.map(sig),
    regionMeasure: { min: sig(Math.min(...sub.regions.map((r) => r.measure))), median: sig(median(sub.regions.map((r) => r.measure))), max: sig(Math.max(...sub.regions.map((r) => r.measure))) },
    regions,
    boundary,
    boundaryLength: sig(a.boundaryLength),
    intervals,
    boundaryPoints: bPoints,
    nearbyPoints,
    density,
    manifold,
    check,
    seconds: (Date.now() - t0) / 1000,
    warnings,
  };
}

/** The checkpoints of a run, as `runRegionsOverTraining` reads them. */
export interface RegionsCheckpoints {
  /** Epochs to measure, ascending. */
  epochs: number[];
  modelAt(epoch: number): Promise<ImportedModel>;
}

/**
 * The exact regions on the same slice (built from `data` once, with the first checkpoint's program) at every given
 * checkpoint: counts per layer, boundary length, class areas, density near/far from the data and a check of the affine
 * logits against onnxruntime at (up to 64) region interior points. Progress stage:
 * 'checkpoints'. Errors: as runRegions; BAD_FILE when there are no checkpoints, BAD_MODEL when they differ in
 * architecture.
 */
export async function runRegionsOverTraining(
  engine: Engine,
  checkpoints: RegionsCheckpoints,
  data: Dataset,
  options: RegionsRunOptions = {},
  onProgress?: ProbeProgress,
): Promise<RegionsOverTrainingResult> {
  if (checkpoints.epochs.length === 0) throw new GeolensError('BAD_FILE', 'regions over training: the run has no checkpoints (weights/epoch-*.safetensors).');
  const epochs: RegionsEpoch[] = [];
  const warnings: string[] = [];
  let first: { program: PwlProgram; slice: SliceGeometry; meta: SliceMeta; source: string } | undefined;
  let projected: ProjectedPoint[] = [];
  let rad: { radius: number; rule: string } | null = null;
  // a lighter onnxruntime check per checkpoint than runRegions' (64 points by default)
  const k = Math.min(options.checkPoints ?? 64, 64);
  for (const [i, epoch] of checkpoints.epochs.entries()) {
    onProgress?.('checkpoints', i, checkpoints.epochs.length, `epoch ${epoch}`);
    const t0 = Date.now();
    const model = await checkpoints.modelAt(epoch);
    const program = pwlProgram(model);
    if (!first) {
      checkData(program, data);
      const s = buildSlice(program, data, options);
      first = { program, ...s, source: options.source ?? model.source };
      projected = projectData(data, s.slice);
      rad = resolveRadius(data, options);
    } else {
      const a = first.program.layers.map((l) => `${l.op}:${l.width}`).join(',');
      const b = program.layers.map((l) => `${l.op}:${l.width}`).join(',');
      if (a !== b) throw new GeolensError('BAD_MODEL', `checkpoint ${epoch} has piecewise-linear layers [${b}] but checkpoint ${checkpoints.epochs[0]} has [${a}]; the run's checkpoints do not share one architecture.`);
    }
    const a = analyse(program, first.slice, options);
    if (a.sub.suppressedSplits) warnings.push(`epoch ${epoch}: ${a.sub.suppressedSplits} sliver split(s) not made`);
    epochs.push({
      epoch,
      count: a.sub.regions.length,
      perLayer: a.sub.perLayer,
      boundaryLength: sig(a.boundaryLength),
      classMeasures: a.classMeasures.map(sig),
      density: rad ? densityJson(a.sub, projected, rad.radius, rad.rule) : null,
      check: k > 0 ? await checkAgainstEngine(engine, model, first.slice, a.sub, k, options.seed ?? 0) : null,
      seconds: (Date.now() - t0) / 1000,
    });
  }
  onProgress?.('checkpoints', checkpoints.epochs.length, checkpoints.epochs.length);
  const f = first!;
  return {
    schemaVersion: REGIONS_SCHEMA_VERSION,
    probe: 'regions-over-training',
    geolensVersion: VERSION,
    source: f.source,
    dataset: datasetMeta(data, options),
    model: modelMeta(f.program),
    slice: f.meta,
    bounds: regionBounds(f.program.layers, f.meta.kind === 'plane' ? 2 : 1, f.program.numClasses, f.program.chain),
    epochs,
    warnings,
  };
}
