import { GeolensError } from '../errors.js';
import { gatherRows } from '../tensor.js';
import { Rng } from '../util/random.js';
import { classCounts, type Dataset } from './types.js';

/** A copy of the samples `idx` (in that order) of a dataset. */
export function selectSamples(ds: Dataset, idx: ArrayLike<number>, name = ds.name): Dataset {
  const n = ds.y.length;
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!;
    if (!Number.isInteger(j) || j < 0 || j >= n) {
      throw new GeolensError('BAD_ARGUMENT', `selectSamples: index ${j} is outside 0..${n - 1} of ${ds.name}`);
    }
    y[i] = ds.y[j]!;
  }
  const out: Dataset = {
    name,
    x: gatherRows(ds.x, idx),
    y,
    numClasses: ds.numClasses,
    sampleShape: [...ds.sampleShape],
  };
  if (ds.classNames) out.classNames = [...ds.classNames];
  if (ds.source !== undefined) out.source = ds.source;
  if (ds.notes) out.notes = [...ds.notes];
  return out;
}

/** Indices of the samples of each class, in dataset order. */
export function indicesByClass(ds: Dataset): Int32Array[] {
  const counts = classCounts(ds.y, ds.numClasses);
  const out = counts.map((c) => new Int32Array(c));
  const fill = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < ds.y.length; i++) {
    const c = ds.y[i]!;
    if (c < 0 || c >= ds.numClasses) {
      throw new GeolensError('BAD_ARGUMENT', `${ds.name}: label ${c} of sample ${i} is outside 0..${ds.numClasses - 1}`);
    }
    out[c]![fill[c]!++] = i;
  }
  return out;
}

export interface SplitOptions {
  /** Size of the test part: a fraction in (0, 1), or a whole number of samples in [1, n-1]. */
  test: number;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /**
   * Keep the class proportions in both parts (default true): each class contributes its share of the test size,
   * rounded by largest remainder so the total is exact.
   */
  stratified?: boolean;
}

/** Split `total` into integer parts proportional to `weights` (largest remainder; ties to the lower index). */
function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (sum > 0 ? (total * w) / sum : 0));
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    if (parts[i]! < weights[i]!) {
      parts[i]! += 1;
      left--;
    }
  }
  return parts;
}

/**
 * Seeded train/test split. Both parts keep the original sample order. With the same dataset and options the split is
 * identical on every run and platform.
 */
export function splitDataset(ds: Dataset, options: SplitOptions): { train: Dataset; test: Dataset } {
  const n = ds.y.length;
  const t = options.test;
  let nTest: number;
  if (Number.isFinite(t) && t > 0 && t < 1) nTest = Math.round(t * n);
  else if (Number.isInteger(t) && t >= 1) nTest = t;
  else {
    throw new GeolensError('BAD_ARGUMENT', `splitDataset: test must be a fraction in (0, 1) or a sample count ≥ 1, got ${t}`);
  }
  if (nTest < 1 || nTest > n - 1) {
    throw new GeolensError(
      'BAD_ARGUMENT',
      `splitDataset: test=${t} leaves ${nTest} of ${n} samples for testing; both parts need at least one sample`,
    );
  }
  const rng = new Rng(options.seed ?? 0);
  const isTest = new Uint8Array(n);
  if (options.stratified ?? true) {
    const byClass = indicesByClass(ds);
    const quota = apportion(nTest, byClass.map((c) => c.length));
    byClass.forEach((members, c) => {
      const perm = rng.permutation(members.length);
      for (let i = 0; i < quota[c]!; i++) isTest[members[perm[i]!]!] = 1;
    });
  } else {
    const perm = rng.permutation(n);
    for (let i = 0; i < nTest; i++) isTest[perm[i]!] = 1;
  }
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (let i = 0; i < n; i++) (isTest[i] ? testIdx : trainIdx).push(i);
  return { train: selectSamples(ds, trainIdx, `${ds.name}-train`), test: selectSamples(ds, testIdx, `${ds.name}-test`) };
}

/**
 * A seeded random subset with exactly `perClass` samples of every class (kept in dataset order), e.g. the
 * 100 images per class of the law-of-data-separation set-up. Throws if some class has fewer samples.
 */
export function subsetPerClass(ds: Dataset, perClass: number, seed = 0): Dataset {
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new GeolensError('BAD_ARGUMENT', `subsetPerClass: perClass must be a positive integer, got ${perClass}`);
  }
  const byClass = indicesByClass(ds);
  byClass.forEach((members, c) => {
    if (members.length < perClass) {
      const label = ds.classNames?.[c] !== undefined ? `class ${c} (${ds.classNames[c]})` : `class ${c}`;
      throw new GeolensError(
        'BAD_ARGUMENT',
        `subsetPerClass: ${ds.name} has only ${members.length} samples of ${label}, fewer than the ${perClass} asked for`,
      );
    }
  });
  const rng = new Rng(seed);
  const chosen: number[] = [];
  for (const members of byClass) {
    const perm = rng.permutation(members.length);
    for (let i = 0; i < perClass; i++) chosen.push(members[perm[i]!]!);
  }
  chosen.sort((a, b) => a - b);
  return selectSamples(ds, chosen, `${ds.name}-${perClass}pc`);
}

export interface MinibatchOptions {
  /** Drop the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

/**
 * One epoch of minibatches: a fresh permutation of 0..n-1 drawn from `rng`, cut into batches of `batchSize`
 * (the last one shorter unless `dropLast`). Call once per epoch with the same `rng` for a reproducible sequence.
 */
export function minibatchOrder(n: number, batchSize: number, rng: Rng, options: MinibatchOptions = {}): Int32Array[] {
  if (!Number.isInteger(n) || n < 0) throw new GeolensError('BAD_ARGUMENT', `minibatchOrder: n must be an integer ≥ 0, got ${n}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new GeolensError('BAD_ARGUMENT', `minibatchOrder: batchSize must be a positive integer, got ${batchSize}`);
  }
  const perm = rng.permutation(n);
  const batches: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (end - start < batchSize && options.dropLast) break;
    batches.push(perm.subarray(start, end));
  }
  return batches;
}

/**
 * Concatenate datasets with the same sample shape (e.g. the five CIFAR-10 training batches). `numClasses` is the
 * largest of the parts'; class names are kept when all parts agree.
 */
export function concatDatasets(parts: Dataset[], name = parts[0]?.name ?? 'dataset'): Dataset {
  if (parts.length === 0) throw new GeolensError('BAD_ARGUMENT', 'concatDatasets: no datasets given');
  const first = parts[0]!;
  if (parts.length === 1) return { ...first, name };
  const shape = first.sampleShape.join(',');
  for (const p of parts) {
    if (p.sampleShape.join(',') !== shape) {
      throw new GeolensError(
        'BAD_SHAPE',
        `concatDatasets: ${p.source ?? p.name} has sample shape [${p.sampleShape.join(', ')}], ${first.source ?? first.name} has [${first.sampleShape.join(', ')}]`,
      );
    }
  }
  const total = parts.reduce((s, p) => s + p.y.length, 0);
  const x = new Float32Array(parts.reduce((s, p) => s + p.x.data.length, 0));
  const y = new Int32Array(total);
  let xo = 0;
  let yo = 0;
  for (const p of parts) {
    x.set(p.x.data, xo);
    y.set(p.y, yo);
    xo += p.x.data.length;
    yo += p.y.length;
  }
  const out: Dataset = {
    name,
    x: { data: x, shape: [total, ...first.sampleShape] },
    y,
    numClasses: Math.max(...parts.map((p) => p.numClasses)),
    sampleShape: [...first.sampleShape],
    source: parts.map((p) => p.source ?? p.name).join(' + '),
  };
  const names = first.classNames;
  if (names && parts.every((p) => p.classNames?.join('\u0000') === names.join('\u0000')) && names.length === out.numClasses) {
    out.classNames = [...names];
  }
  return out;
}
