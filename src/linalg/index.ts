/** Small dense float64 linear algebra for the probes (row-major Float64Array matrices, no Node-only APIs). */
export { matmul, transpose, gramOfColumns, gramOfRows, matvec, dot, norm2, identity, trace, maxAbsDiff } from './dense.js';
export { symmetricEigen, eigenvector, type SymmetricEigen } from './eigen.js';
export { pinvSymmetric, checkRtol, DEFAULT_RANK_RTOL, type SymmetricPinv } from './pinv.js';
export { psdSqrt } from './psd.js';
export {
  pearson,
  linearFit,
  studentTCdf,
  studentTQuantile,
  regularizedIncompleteBeta,
  logGamma,
  type LinearFit,
} from './fit.js';
