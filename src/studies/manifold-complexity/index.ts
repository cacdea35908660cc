/** The manifold-complexity study: a fixed architecture cannot encode every manifold (Lei et al., arXiv 1805.10451). */
export { runManifoldComplexity, alternatingCircleData, alternatingClass, circlePlane, circlePoint, accuracyCeiling, MANIFOLD_SWEEP_DEFAULTS, type ManifoldComplexityOptions } from './run.js';
export { MANIFOLD_COMPLEXITY_SCHEMA_VERSION, MANIFOLD_COMPLEXITY_RESULT } from './schema.js';
export type * from './types.js';
