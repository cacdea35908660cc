/**
 * Metric topology of classifiers (Wu, Huang, Li, Liu 2025, arXiv 2501.11265): probabilistic distances between
 * networks (correctness and disagreement readings) with Hoeffding intervals, equivalence classes, classical MDS of the
 * quotient, metric checks and the parameter distance of the same pairs.
 */
export {
  predictionsFromLogits,
  distanceCount,
  classifierDistance,
  distanceMatrix,
  hoeffdingHalfWidth,
  hoeffdingInterval,
  singleLinkageClasses,
  classDiameter,
  classicalMds,
  quotientMds,
  metricChecks,
  parameterDistanceMatrix,
  matrixCorrelation,
  CHECK_TOLERANCE,
  TOPOLOGY_DEFINITIONS,
  type ClassifierPredictions,
  type ClassifierOutcome,
  type Classes,
  type MdsEmbedding,
  type MetricChecks,
} from './compute.js';
export { runTopology, parameterVectors, TOPOLOGY_DEFAULT_CONFIDENCE, TOPOLOGY_DEFAULT_TIE_EPSILON, type TopologyModel, type TopologyRunOptions } from './run.js';
export { TOPOLOGY_RESULT, TOPOLOGY_SCHEMA_VERSION, topologyResultSchema } from './schema.js';
export type { TopologyReading, TopologyModelInfo, TopologyChecks, TopologyDistances, TopologyClass, TopologyResult } from './types.js';
