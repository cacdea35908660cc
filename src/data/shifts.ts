/**
 * Dataset shifts: pure dataset transforms, e.g. for comparing DIM spectra across datasets (METHODS.md §2, dataset comparison): one model
 * evaluated on its base data and on shifted versions of it. Each returns a new Dataset (labels, class names and
 * sample shape kept; the input is not modified); randomness comes from an explicit seed.
 *
 *  - `rotated:<deg>`  images ([H, W] or [C, H, W]) rotated counter-clockwise (as displayed) about the image centre
 *                     by bilinear interpolation, zero fill outside; 2-D points ([2]) rotated about the origin.
 *  - `inverted`       every value v → (lo + hi) − v, with [lo, hi] the dataset's value range (1 − v for [0, 1] images).
 *  - `noise:<sigma>`  v + σ·N(0, 1); for images clipped back to the dataset's value range [lo, hi].
 *  - `uniform`        the samples replaced by independent U(lo, hi) values (a "dataset" of pure noise images with the
 *                     base's shape, size and value range; the labels are kept but mean nothing).
 */
import { GeolensError } from '../errors.js';
import type { Dataset } from './types.js';
import { Rng } from '../util/random.js';

export type DatasetTransform =
  | { kind: 'rotated'; degrees: number }
  | { kind: 'inverted' }
  | { kind: 'noise'; sigma: number }
  | { kind: 'uniform' };

/** The transform spellings `parseDatasetTransform` accepts, for help texts and errors. */
export const DATASET_TRANSFORM_SPECS = ['rotated:<deg>', 'inverted', 'noise:<sigma>', 'uniform'] as const;

/**
 * Parse `rotated:<deg>`, `inverted`, `noise:<sigma>` or `uniform`. Returns null when `spec` is not a transform
 * (e.g. a dataset spec); throws a BAD_ARGUMENT error when it is one with a bad parameter.
 */
export function parseDatasetTransform(spec: string): DatasetTransform | null {
  const s = spec.trim();
  if (s === 'inverted') return { kind: 'inverted' };
  if (s === 'uniform') return { kind: 'uniform' };
  const m = /^(rotated|noise):(.*)$/.exec(s);
  if (!m) return null;
  const v = Number(m[2]);
  if (m[2]!.trim() === '' || !Number.isFinite(v)) {
    throw new GeolensError('BAD_ARGUMENT', `dataset transform '${spec}': ${m[1]}:<${m[1] === 'rotated' ? 'degrees' : 'sigma'}> needs a number, got '${m[2]}'`);
  }
  if (m[1] === 'rotated') return { kind: 'rotated', degrees: v };
  if (!(v >= 0)) throw new GeolensError('BAD_ARGUMENT', `dataset transform '${spec}': sigma must be ≥ 0`);
  return { kind: 'noise', sigma: v };
}

/** Canonical name of a transform, e.g. `rotated:90`. */
export function transformName(t: DatasetTransform): string {
  return t.kind === 'rotated' ? `rotated:${t.degrees}` : t.kind === 'noise' ? `noise:${t.sigma}` : t.kind;
}

function derived(ds: Dataset, data: Float32Array, suffix: string): Dataset {
  const out: Dataset = {
    name: `${ds.name}-${suffix}`,
    x: { data, shape: [...ds.x.shape] },
    y: ds.y.slice(),
    numClasses: ds.numClasses,
    sampleShape: [...ds.sampleShape],
  };
  if (ds.classNames) out.classNames = [...ds.classNames];
  out.source = `${ds.source ?? ds.name} (${suffix})`;
  if (ds.notes) out.notes = [...ds.notes];
  return out;
}

/** [lo, hi] of all values of a dataset ([0, 0] when empty). */
export function valueRange(ds: Dataset): [number, number] {
  const x = ds.x.data;
  if (x.length === 0) return [0, 0];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

const isImage = (ds: Dataset): boolean => ds.sampleShape.length === 2 || ds.sampleShape.length === 3;

/**
 * Rotate every sample by `degrees` counter-clockwise: images ([H, W] or [C, H, W]) about the centre of the image
 * ((H − 1)/2, (W − 1)/2), each output pixel bilinearly interpolated from the rotated-back position (zero outside the
 * image); 2-D points ([2]) about the origin. Multiples of 90° on square images move pixels exactly.
 */
export function rotateDataset(ds: Dataset, degrees: number): Dataset {
  if (!Number.isFinite(degrees)) throw new GeolensError('BAD_ARGUMENT', `rotateDataset: degrees must be finite, got ${degrees}`);
  const th = (degrees * Math.PI) / 180;
  // exact values at multiples of 90° so that such rotations are pixel permutations
  const quarter = degrees / 90;
  const exact = Number.isInteger(quarter);
  const q = ((quarter % 4) + 4) % 4;
  const cos = exact ? [1, 0, -1, 0][q]! : Math.cos(th);
  const sin = exact ? [0, 1, 0, -1][q]! : Math.sin(th);
  const src = ds.x.data;
  const out = new Float32Array(src.length);
  const n = ds.y.length;
  if (ds.sampleShape.length === 1 && ds.sampleShape[0] === 2) {
    for (let i = 0; i < n; i++) {
      const x = src[2 * i]!;
      const y = src[2 * i + 1]!;
      out[2 * i] = cos * x - sin * y;
      out[2 * i + 1] = sin * x + cos * y;
    }
    return derived(ds, out, `rotated${degrees}`);
  }
  if (!isImage(ds)) {
    throw new GeolensError('BAD_SHAPE', `rotateDataset: ${ds.name} has samples of shape [${ds.sampleShape.join(', ')}]; rotation needs images ([H, W] or [C, H, W]) or 2-D points ([2])`);
  }
  const ss = ds.sampleShape;
  const H = ss[ss.length - 2]!;
  const W = ss[ss.length - 1]!;
  const planes = n * (ss.length === 3 ? ss[0]! : 1);
  const cy = (H - 1) / 2;
  const cx = (W - 1) / 2;
  // For each output pixel, its source position (the output rotated back by −θ), in (row, column) coordinates with
  // the y axis pointing up: x = c − cx, y = cy − r.
  const taps: { idx: Int32Array; w: Float64Array } = { idx: new Int32Array(H * W * 4), w: new Float64Array(H * W * 4) };
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const x = c - cx;
      const y = cy - r;
      const xs = cos * x + sin * y;
      const ys = -sin * x + cos * y;
      const cs = xs + cx;
      const rs = cy - ys;
      const r0 = Math.floor(rs + 1e-9);
      const c0 = Math.floor(cs + 1e-9);
      const fr = Math.max(0, rs - r0);
      const fc = Math.max(0, cs - c0);
      const o = (r * W + c) * 4;
      const corners: [number, number, number][] = [
        [r0, c0, (1 - fr) * (1 - fc)],
        [r0, c0 + 1, (1 - fr) * fc],
        [r0 + 1, c0, fr * (1 - fc)],
        [r0 + 1, c0 + 1, fr * fc],
      ];
      corners.forEach(([rr, cc, w], k) => {
        const inside = rr >= 0 && rr < H && cc >= 0 && cc < W && w > 1e-12;
        taps.idx[o + k] = inside ? rr * W + cc : -1;
        taps.w[o + k] = inside ? w : 0;
      });
    }
  }
  const P = H * W;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * P;
    for (let j = 0; j < P; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) {
        const i = taps.idx[j * 4 + k]!;
        if (i >= 0) s += taps.w[j * 4 + k]! * src[base + i]!;
      }
      out[base + j] = s;
    }
  }
  return derived(ds, out, `rotated${degrees}`);
}

/** Reflect every value in the dataset's value range: v → (lo + hi) − v (1 − v for images scaled to [0, 1]). */
export function invertDataset(ds: Dataset): Dataset {
  const [lo, hi] = valueRange(ds);
  const src = ds.x.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = lo + hi - src[i]!;
  return derived(ds, out, 'inverted');
}

/** Add N(0, σ²) noise to every value (seeded); images are clipped back to the dataset's value range. */
export function addGaussianNoise(ds: Dataset, sigma: number, seed = 0): Dataset {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new GeolensError('BAD_ARGUMENT', `addGaussianNoise: sigma must be a finite number ≥ 0, got ${sigma}`);
  const [lo, hi] = valueRange(ds);
  const clip = isImage(ds);
  const rng = new Rng(seed);
  const src = ds.x.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]! + sigma * rng.normal();
    out[i] = clip ? Math.min(hi, Math.max(lo, v)) : v;
  }
  return derived(ds, out, `noise${sigma}`);
}

/** Replace every value by U(lo, hi) noise (seeded), [lo, hi] the dataset's value range: pure-noise samples. */
export function uniformNoiseDataset(ds: Dataset, seed = 0): Dataset {
  const [lo, hi] = valueRange(ds);
  const out = new Rng(seed).fillUniform(new Float32Array(ds.x.data.length), lo, hi);
  return derived(ds, out, 'uniform');
}

/** Apply a parsed transform (`seed` drives the random ones). */
export function applyDatasetTransform(ds: Dataset, t: DatasetTransform, seed = 0): Dataset {
  switch (t.kind) {
    case 'rotated':
      return rotateDataset(ds, t.degrees);
    case 'inverted':
      return invertDataset(ds);
    case 'noise':
      return addGaussianNoise(ds, t.sigma, seed);
    case 'uniform':
      return uniformNoiseDataset(ds, seed);
  }
}
