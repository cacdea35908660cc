/**
 * geolens — the geometry and topology of deep classifiers, on onnxruntime.
 *
 * The public API, following the street of DESIGN.md: data → model graph → engine → probe → result.
 * Browser-safe modules are re-exported here; Node-only adapters (file I/O, onnxruntime-node) come from
 * `geolens/node` (`src/node.ts`).
 */
export { GeolensError, type GeolensErrorCode } from './errors.js';
export { tensor, zeros, numel, type Tensor, type FloatArray, type FloatDType } from './tensor.js';
export { Rng } from './util/random.js';

// ONNX graphs: codec, builder, shape inference, import of external classifiers
export { decodeModel, encodeModel, DataType, type ModelProto, type GraphProto, type NodeProto, type TensorProto, type Dim } from './onnx/proto.js';
export { GraphBuilder, DEFAULT_OPSET } from './onnx/builder.js';
export { inferShapes, broadcastShapes, type ShapeEnv, type TensorInfo } from './onnx/shapes.js';
export { importClassifier, selectLayers, parseLayerSpec, exportWeights, type ImportedModel, type Layer, type LayerSpec } from './onnx/import.js';

// Reverse-mode autodiff and input-Jacobians
export { addGradients, type GradOptions } from './autodiff/grad.js';
export { RULES as GRADIENT_RULES } from './autodiff/rules/index.js';
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

// Linear algebra and probes
export * from './linalg/index.js';
export * from './probes/separation/index.js';
export * from './probes/dim/index.js';
export * from './probes/regions/index.js';

// Plots
export { lineChart, boxChart, pathChart } from './report/svg.js';
export { encodePng, imageGridPng } from './report/png.js';
