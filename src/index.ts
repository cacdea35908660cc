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
export { inferShapes, broadcastShapes, type ShapeEnv, type TensorInfo } from './onnx/shapes.js';
export { importClassifier, selectLayers, parseLayerSpec, exportWeights, type ImportedModel, type ImportOptions, type GradientOps, type Layer, type LayerSpec } from './onnx/import.js';

// Reverse-mode autodiff and input-Jacobians
export { addGradients, type GradOptions } from './autodiff/grad.js';
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

// Probes: the math, one library call per probe, result schemas (validated on read)
export { parseResult, resultKind, type ResultKind } from './probes/result.js';
export * from './probes/separation/index.js';
export * from './probes/dim/index.js';
export * from './probes/ot/index.js';

// Plots
export { lineChart, boxChart, pathChart } from './report/svg.js';
export { encodePng, imageGridPng } from './report/png.js';
export { separationLawChart, separationOverTrainingChart } from './report/separation.js';
export { dimSpectrumChart, dimDistancesChart, dimFoliationChart, dimWalksPng } from './report/dim.js';
export { otConvergenceChart, otCellsChart, otGeneratedPng } from './report/ot.js';
