/** Node.js adapters: onnxruntime-node engine, dataset files, model files, run directories. */
export { createNodeEngine, defaultEngine } from './engine/node.js';
export { loadDataset, type LoadOptions } from './data/node.js';
export { loadModelFile, importModelFile } from './onnx/node.js';
export { writeFileAtomic, readSafetensorsFile, writeSafetensorsFile } from './models/node.js';
export { RunDir, openRun, type RunConfig, type RunStatus } from './train/node.js';
export { trainRun, makeRunConfig, type RunSettings, type TrainRunOptions, type TrainRunResult } from './train/run-training.js';
export { openTarget, probeData, resultsDir, writeResult, type ProbeDataOptions } from './measure/node.js';
export { readResult } from './probes/node.js';
export { readTrajectory, readPointCloud, openMagnitudeSource, POINT_CLOUD_FILE, type MagnitudeSourceOptions, type OpenedMagnitudeSource } from './probes/magnitude/node.js';
export { analysisData } from './studies/node.js';
export { compareFolders, comparisonData, openCompared } from './studies/compare.node.js';
export { writeAnalysis, writeReport, writeCompare, readReportInput, reportPaths, compareLabels, linkedomDocument, ANALYSIS_FILE, REPORT_FILE } from './report/node.js';
export { openAutoencoderRun, autoencoderRunData, saveOtCheckpoint, loadOtCheckpoint, type AutoencoderRun } from './probes/ot/node.js';
