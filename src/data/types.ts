import { GeolensError, type GeolensErrorCode } from '../errors.js';
import type { Tensor } from '../tensor.js';

/**
 * A labelled classification dataset held in memory.
 *
 * `x` is float32 with shape `[n, ...sampleShape]` (row-major); `y[i]` is the class of sample `i`, an integer in
 * `0..numClasses-1`. Images are `[channels, height, width]` per sample, scaled to [0, 1] by the loaders.
 */
export interface Dataset {
  /** Short human-readable name, e.g. `mnist-t10k` or `manifold`. */
  name: string;
  /** Samples, shape `[n, ...sampleShape]`. */
  x: Tensor<Float32Array>;
  /** Labels `0..numClasses-1`, length `n`. */
  y: Int32Array;
  numClasses: number;
  /** Shape of one sample, e.g. `[2]`, `[1, 28, 28]`, `[3, 32, 32]`. */
  sampleShape: number[];
  /** Optional names of the classes, length `numClasses`. */
  classNames?: string[];
  /** Where the data came from: a file path, or the generator and its options. */
  source?: string;
  /**
   * What loading did to the data beyond reading it, in words: labels mapped to classes (the mapping is `classNames`),
   * a column dropped, samples transposed or reshaped. Printed by the commands and recorded in runs and results.
   */
  notes?: string[];
}

/** Number of samples in a dataset. */
export function datasetSize(ds: Dataset): number {
  return ds.y.length;
}

/** Number of features per sample (the product of `sampleShape`). */
export function sampleSize(ds: Pick<Dataset, 'sampleShape'>): number {
  let p = 1;
  for (const s of ds.sampleShape) p *= s;
  return p;
}

/** Count of samples in each class (length `numClasses`). */
export function classCounts(y: Int32Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < y.length; i++) {
    const c = y[i]!;
    if (c >= 0 && c < numClasses) counts[c]! += 1;
  }
  return counts;
}

export interface ValidateOptions {
  /** Error code to throw: `BAD_FILE` when the dataset came from a file, `BAD_ARGUMENT` (default) otherwise. */
  code?: GeolensErrorCode;
  /** Check that every value of `x` is finite (default true; O(n·p)). */
  checkFinite?: boolean;
}

/**
 * Check that a dataset is internally consistent and return it unchanged:
 * `x` is a Float32Array whose length matches `x.shape`; `x.shape = [n, ...sampleShape]`; `y` is an Int32Array of
 * length `n` with labels in `0..numClasses-1`; `classNames` (if any) has `numClasses` entries; every value is finite.
 * Throws a {@link GeolensError} naming the dataset (its `source`, else its `name`) and the first problem found.
 */
export function validateDataset(ds: Dataset, options: ValidateOptions = {}): Dataset {
  const code = options.code ?? 'BAD_ARGUMENT';
  const who = ds.source ?? ds.name ?? '<dataset>';
  const bad = (msg: string): never => {
    throw new GeolensError(code, `${who}: ${msg}`);
  };
  if (!ds || typeof ds !== 'object') bad('not a dataset object');
  if (!(ds.x?.data instanceof Float32Array)) bad('x.data must be a Float32Array');
  if (!(ds.y instanceof Int32Array)) bad('y must be an Int32Array of class indices');
  if (!Array.isArray(ds.x.shape) || ds.x.shape.length < 1) bad('x.shape must be [n, ...sampleShape]');
  for (const s of [...ds.x.shape, ...ds.sampleShape]) {
    if (!Number.isInteger(s) || s < 0) bad(`shapes must hold non-negative integers, got x.shape [${ds.x.shape}] and sampleShape [${ds.sampleShape}]`);
  }
  const n = ds.x.shape[0]!;
  const rest = ds.x.shape.slice(1);
  if (rest.length !== ds.sampleShape.length || rest.some((s, i) => s !== ds.sampleShape[i])) {
    bad(`x.shape [${ds.x.shape.join(', ')}] does not match [n, ...sampleShape] with sampleShape [${ds.sampleShape.join(', ')}]`);
  }
  const p = sampleSize(ds);
  if (ds.x.data.length !== n * p) {
    bad(`x has ${ds.x.data.length} values but x.shape [${ds.x.shape.join(', ')}] needs ${n * p}`);
  }
  if (ds.y.length !== n) bad(`x has ${n} samples but y has ${ds.y.length} labels`);
  if (!Number.isInteger(ds.numClasses) || ds.numClasses < 1) bad(`numClasses must be a positive integer, got ${ds.numClasses}`);
  for (let i = 0; i < n; i++) {
    const c = ds.y[i]!;
    if (c < 0 || c >= ds.numClasses) bad(`label ${c} of sample ${i} is outside 0..${ds.numClasses - 1}`);
  }
  if (ds.classNames !== undefined && ds.classNames.length !== ds.numClasses) {
    bad(`classNames has ${ds.classNames.length} entries but numClasses is ${ds.numClasses}`);
  }
  if (options.checkFinite !== false) {
    const d = ds.x.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!)) {
        const s = p > 0 ? Math.floor(i / p) : 0;
        bad(`x holds a non-finite value (${d[i]}) in sample ${s}, feature ${i - s * p}`);
      }
    }
  }
  return ds;
}
