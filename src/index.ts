/**
 * geolens — the geometry and topology of deep classifiers, on onnxruntime.
 *
 * The public API, following the street of DESIGN.md: data → model graph → engine → probe → result.
 * Browser-safe modules are re-exported here; Node-only adapters (file I/O, onnxruntime-node) come from
 * `geolens/node` (`src/node.ts`).
 */
export { GeolensError, type GeolensErrorCode } from './errors.js';
export { VERSION } from './version.js';
export { tensor, zeros, numel, type Tensor, type FloatArray, type FloatDType } from './tensor.js';
export { Rng } from './util/random.js';

// ONNX graphs: codec, builder, shape inference, import of external classifiers
export { decodeModel, encodeModel, DataType, type ModelProto, type GraphProto, type NodeProto, type TensorProto, type Dim } from './onnx/proto.js';
export { GraphBuilder, DEFAULT_OPSET } from './onnx/builder.js';
export { OP, type OpType } from './onnx/ops.js';
export { inferShapes, broadcastShapes, type ShapeEnv, type TensorInfo } from './onnx/shapes.js';
export { importClassifier, selectLayers, parseLayerSpec, exportWeights, weightExport, modulePath, type ImportedModel, type ImportOptions, type GradientOps, type Layer, type LayerSpec, type UnsupportedOp, type UnsupportedKind, type WeightExport } from './onnx/import.js';
export { upgradeBuilder, upgradeNodes, IMPORT_BASE_OPSET } from './onnx/upgrade.js';

// Reverse-mode autodiff and input-Jacobians
export { addGradients, GRADIENT_OPSET, type GradOptions } from './autodiff/grad.js';
export { RULES as GRADIENT_RULES, NON_DIFFERENTIABLE_OPS } from './autodiff/rules/index.js';
export { buildInputJacobian, JACOBIAN_OUTPUTS, type InputJacobianOptions, type JacobianOutput } from './autodiff/jacobian.js';

// Engine (inject an onnxruntime module: onnxruntime-node or onnxruntime-web)
export { Engine, CompiledGraph, type EngineOptions, type OrtModule, type RunTensor, type ProgressFn } from './engine/engine.js';

// Data
export * from './data/index.js';

// Models and training
export * from './models/index.js';
export { encodeSafetensors, decodeSafetensors, type DecodedSafetensors } from './models/safetensors.js';
export { Trainer, buildTrainStep, buildEvalGraph, softmaxCrossEntropy, type TrainerOptions, type TrainerState } from './train/trainer.js';
export { trainLoop, type EpochMetrics, type LoopOptions } from './train/loop.js';
export { OPTIMIZERS, type OptimizerName, type OptimizerOptions } from './train/optimizers.js';
export { lrAt, parseSchedule, type LrSchedule } from './train/schedule.js';
export { TrajectoryRecorder, stackTrajectory, unstackTrajectory } from './train/trajectory.js';

// Linear algebra
export * from './linalg/index.js';

// Running probes on a model: the measure room (features, Jacobians, targets, progress)
export { modelInput, layerFeatures } from './measure/features.js';
export { inputJacobian, inputJacobianOutputs, type InputJacobianResult, type InputJacobianRunOptions } from './measure/jacobians.js';
export { chooseLayers, importDefinition, type ProbeTarget, type RunTarget } from './measure/target.js';
export { stageProgress, type ProbeProgress } from './measure/progress.js';
export { modelSupport, probeBlockers, requireSupport, PROBE_NEEDS, CAPABILITY_TEXT, type Capability, type ModelSupport } from './measure/support.js';
export { fitDataToModel } from './measure/data-fit.js';
export { locateNonFinite } from './measure/nonfinite.js';

// Probes: the math, one library call per probe, result schemas (validated on read)
export { parseResult, resultKind, type ResultKind } from './probes/result.js';
export * from './probes/separation/index.js';
export * from './probes/dim/index.js';
export * from './probes/topology/index.js';
export * from './probes/magnitude/index.js';
export * from './probes/regions/index.js';
export * from './probes/ot/index.js';

// Studies: every probe on one model (analysis.json), the probe registry of an analysis
export { analyze, accuracyOf, describeModel, parseProbeList, type AnalyzeOptions } from './studies/analyze.js';
export { ANALYSIS_PROBES } from './studies/probes/index.js';
export { ANALYSIS_RESULT, ANALYSIS_SCHEMA_VERSION, analysisResultSchema } from './studies/schema.js';
export type { Analysis, AnalysisData, AnalysisEvent, AnalysisProbe, AnalysisProbeRecord, AnalysisProgress, AnalysisResult, ImageGrid, ProbeOutput, ProbeOptions, ProbeOptionSpec } from './studies/types.js';
export { parseProbeOptions, checkProbeOptions, probeOptionsHelp, describeOption } from './studies/options.js';
export { compareClassifiers, comparable, pairParameterDistances, type ComparedNetwork, type ComparisonData, type TopologyComparison } from './studies/compare.js';
// Manifold complexity in practice (Lei et al.): a fixed architecture's linear pieces on Σ_k vs the pieces it needs
export * from './studies/manifold-complexity/index.js';

// Plots (Observable Plot, into an injected DOM document: the page's in a browser, linkedom via geolens/node in Node)
export * from './report/charts/index.js';
export { encodePng, imageGridPng, PNG_GRID_GAP } from './report/png.js';
export { separationLawChart, separationOverTrainingChart } from './report/separation.js';
export { dimSpectrumChart, dimDistancesChart, dimDistanceHeatmap, dimFoliationChart, dimWalksPng, dimWalksStripChart } from './report/dim.js';

// The HTML report: one section per probe (registry), the page, comparisons
export { SECTIONS } from './report/sections/index.js';
export { defineSection, requiredResult, optionalResult, type ReportSection, type SectionContext, type SectionView, type CompareRun, type ResultFile } from './report/sections/types.js';
export { renderReport, buildReport, renderCompare, renderSections, type ReportInput, type RenderedSection, type CompareInput, type CompareOptions } from './report/report.js';
export { placeLabels, joinNames, coincidentGroups, type PixelPoint, type PlacedLabel } from './report/charts/labels.js';
export { otConvergenceChart, otEnergyChart, otLatentChart, otClassesChart, otGeneratedPng } from './report/ot.js';
export { manifoldPiecesChart, manifoldFitChart } from './report/manifold-complexity.js';
