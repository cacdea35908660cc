/** Node.js adapters: onnxruntime-node engine, dataset files, model files, run directories. */
export { createNodeEngine, defaultEngine } from './engine/node.js';
export { loadDataset, type LoadOptions } from './data/node.js';
export { loadModelFile, importModelFile } from './onnx/node.js';
export { writeFileAtomic, readSafetensorsFile, writeSafetensorsFile } from './models/node.js';
export { RunDir, openRun, type RunConfig, type RunStatus } from './train/node.js';
export { openTarget, probeData, resultsDir, writeResult, type ProbeDataOptions } from './measure/node.js';
export { readResult } from './probes/node.js';
export { openAutoencoderRun, autoencoderRunData, saveOtCheckpoint, loadOtCheckpoint, type AutoencoderRun } from './probes/ot/node.js';
