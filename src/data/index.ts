/**
 * Datasets: the Dataset type, synthetic generators (the embedded default is `curvedManifoldMixture`), pure parsers
 * for MNIST IDX, CIFAR binary, NPY/NPZ and CSV, seeded splits and minibatches, and image/feature transforms.
 * Browser-safe: file loading (`loadDataset`) lives in `./node.js`.
 */
export * from './types.js';
export * from './synthetic.js';
export * from './split.js';
export * from './transform.js';
export { isGzip, gunzipChecked, maybeGunzip, DEFAULT_MAX_BYTES } from './gzip.js';
export { crc32 } from '../util/crc32.js';
export { parseIdx, encodeIdx, idxToDataset, type IdxArray, type IdxType, type IdxDatasetOptions } from './idx.js';
export { parseCifarBinary, encodeCifarBinary, CIFAR10_CLASSES, type CifarOptions } from './cifar.js';
export { parseNpy, encodeNpy, npyToFloat32, npyToLabels, type NpyArray, type NpyData, type NpyDtype } from './npy.js';
export { parseNpz, npzToDataset, arraysToDataset, NPZ_KEY_PAIRS, type ArraysToDatasetOptions } from './npz.js';
export { parseCsv, encodeCsv, sniffDelimiter, LABEL_COLUMN_NAMES, type CsvOptions } from './csv.js';
export { labelsToClasses, type LabelClasses, type LabelValue } from './labels.js';
export { unpickleObjectArray, type PickleValue } from './pickle.js';
export * from './shifts.js';
