/** Magnitude probe (Leinster; Andreeva, Limbeck, Rieck & Sarkar 2023): magnitude function, magnitude dimension. */
export {
  similarityMatrix,
  choleskyInPlace,
  choleskySolve,
  invertLowerInPlace,
  conjugateGradient,
  blockJacobi,
  brentRoot,
  magnitudeScales,
  magnitudeDimensionProfile,
  magnitudeDimension,
  distinctRows,
  type ConjugateGradientOptions,
  type ConjugateGradientResult,
} from './compute.js';
export { euclideanDistances, meanAbsoluteDistances, cholesky, symmetricMatvec, symmetricMatvec32 } from './dense.js';
export { npyToPoints, parsePointCloudCsv } from './points.js';
export { MagnitudeSolverState, regularizationLadder, MAX_REGULARIZATION, PRECONDITIONER_BLOCK, REGULARIZER_STATEMENT, type MagnitudeSolverOptions } from './solve.js';
export { runMagnitude, trajectoryPoints, trajectoryLosses, representationLayer, type MagnitudeSource, type MagnitudeRunOptions, type MagnitudeRun, type Trajectory } from './run.js';
export { MAGNITUDE_RESULT, MAGNITUDE_SCHEMA_VERSION, magnitudeResultSchema } from './schema.js';
export type { MagnitudeResult, MagnitudeSolve, MagnitudeSolver, MagnitudeGrid, MagnitudeDistance, MagnitudeCloud, MagnitudeCloudKind, ConvergenceScale } from './types.js';
