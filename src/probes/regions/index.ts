/**
 * Exact linear regions probe (Lei, Luo, Yau & Gu, "Geometric Understanding of Deep Learning", arXiv 1805.10451):
 * the regions a piecewise-linear classifier cuts a segment or a plane of its input space into, the decision boundary,
 * Lei et al.'s and Serra et al.'s bounds, region density near the data, and manifold complexity.
 */
export { pwlProgram, forwardPoint, PWL_OPS, type PwlProgram, type PwlStep, type PwlLayer, type PointEvaluation } from './pwl.js';
export { subdivide, logitsAt, slicePoint, patternKey, geometryOf, DEFAULT_MAX_REGIONS, type SliceGeometry, type SubdivisionOptions, type LinearRegion, type Subdivision } from './compute.js';
export { rectangle, polygonArea, polygonCentroid, signedArea, splitPolygon, clipPolygon, clipLine, pointInPolygon, inradius, POLYGONS, INTERVALS, ON_LINE_RTOL, type CellGeometry } from './polygon.js';
export { binomial, arrangementRegions, leiBound, serraBound, hyperplaneProduct, regionBounds, checkAgainstBounds, tightestBound, bigIntJson, convexCurveBound, type BoundLayer } from './bounds.js';
export { classCells, boundarySegments, boundaryPoints, stitchBoundary, type ClassCell, type BoundarySegment, type BoundaryPoint, type BoundaryPolyline } from './boundary.js';
export { regionDensity, cellSamples, type ProjectedPoint, type RegionDensity, type DensityPart } from './density.js';
export { manifoldPatchCount, manifoldCurveCount, polylinePieces, type ManifoldMeshOptions, type ManifoldCount, type PolylinePieces } from './manifold.js';
export { runRegions, runRegionsOverTraining, buildSlice, projectData, medianNearestNeighbour, defaultSlicePoints, type RegionsRunOptions, type RegionsSliceSpec, type RegionsCheckpoints } from './run.js';
export { REGIONS_SCHEMA_VERSION, REGIONS_RESULT, REGIONS_OVER_TRAINING_RESULT } from './schema.js';
export type * from './types.js';
