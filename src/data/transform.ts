import { GeolensError } from '../errors.js';
import { sampleSize, type Dataset } from './types.js';

/** Per-feature mean and standard deviation (length = features per sample). */
export interface FeatureStats {
  mean: Float32Array;
  std: Float32Array;
}

function withX(ds: Dataset, data: Float32Array, sampleShape = ds.sampleShape, suffix?: string): Dataset {
  const out: Dataset = {
    name: ds.name,
    x: { data, shape: [ds.y.length, ...sampleShape] },
    y: ds.y.slice(),
    numClasses: ds.numClasses,
    sampleShape: [...sampleShape],
  };
  if (ds.classNames) out.classNames = [...ds.classNames];
  if (ds.source !== undefined) out.source = suffix ? `${ds.source} ${suffix}` : ds.source;
  if (ds.notes) out.notes = [...ds.notes];
  return out;
}

/**
 * Mean and population standard deviation of every feature over the samples (computed in float64). Features whose
 * standard deviation is below `minStd` (default 1e-8, e.g. MNIST's always-black border pixels) get std 1, so
 * standardizing leaves them centred instead of dividing by zero.
 */
export function featureStats(ds: Dataset, minStd = 1e-8): FeatureStats {
  const n = ds.y.length;
  const p = sampleSize(ds);
  if (n === 0) throw new GeolensError('BAD_ARGUMENT', `featureStats: ${ds.name} has no samples`);
  const mean = new Float64Array(p);
  const m2 = new Float64Array(p);
  const x = ds.x.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j]! += x[i * p + j]!;
  for (let j = 0; j < p; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const dv = x[i * p + j]! - mean[j]!;
      m2[j]! += dv * dv;
    }
  }
  const std = new Float32Array(p);
  for (let j = 0; j < p; j++) {
    const s = Math.sqrt(m2[j]! / n);
    std[j] = s < minStd ? 1 : s;
  }
  return { mean: Float32Array.from(mean), std };
}

/**
 * Per-feature z-scoring. Without `stats` they are computed from `ds` ({@link featureStats}); pass the training
 * set's stats to standardize a test set the same way.
 */
export function standardize(ds: Dataset, stats?: FeatureStats): { dataset: Dataset; stats: FeatureStats } {
  const s = stats ?? featureStats(ds);
  return { dataset: normalize(ds, s.mean, s.std), stats: s };
}

/**
 * (x − mean) / std. `mean` and `std` are each a number (all features, e.g. 0.5 and 0.5 as in torchvision's
 * `Normalize((0.5,), (0.5,))`), one value per channel for `[c, H, W]` samples, or one value per feature.
 */
export function normalize(ds: Dataset, mean: number | ArrayLike<number>, std: number | ArrayLike<number>): Dataset {
  const p = sampleSize(ds);
  const n = ds.y.length;
  const expand = (v: number | ArrayLike<number>, what: string): Float64Array => {
    const out = new Float64Array(p);
    if (typeof v === 'number') return out.fill(v);
    if (v.length === 1) return out.fill(v[0]!);
    if (v.length === p) {
      for (let j = 0; j < p; j++) out[j] = v[j]!;
      return out;
    }
    if (ds.sampleShape.length === 3 && v.length === ds.sampleShape[0]) {
      const plane = p / v.length;
      for (let j = 0; j < p; j++) out[j] = v[Math.floor(j / plane)]!;
      return out;
    }
    throw new GeolensError(
      'BAD_ARGUMENT',
      `normalize: ${what} has ${v.length} values; ${ds.name} (sample shape [${ds.sampleShape.join(', ')}]) needs 1` +
        (ds.sampleShape.length === 3 ? `, ${ds.sampleShape[0]} (one per channel)` : '') + ` or ${p} (one per feature)`,
    );
  };
  const mu = expand(mean, 'mean');
  const sd = expand(std, 'std');
  for (let j = 0; j < p; j++) {
    if (!(Number.isFinite(sd[j]!) && sd[j]! > 0) || !Number.isFinite(mu[j]!)) {
      throw new GeolensError('BAD_ARGUMENT', `normalize: std must be finite and > 0 and mean finite; feature ${j} has mean ${mu[j]}, std ${sd[j]}`);
    }
  }
  const x = ds.x.data;
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) out[i * p + j] = (x[i * p + j]! - mu[j]!) / sd[j]!;
  return withX(ds, out, ds.sampleShape, '(normalized)');
}

export type ResizeMethod = 'area' | 'bilinear';

export interface ResizeOptions {
  /**
   * 'bilinear' (default): triangle filter; with `antialias` (default true) its support widens with the shrink factor
   * exactly as in Pillow's `Image.resize(..., BILINEAR)` and torchvision's `Resize` on PIL images (and
   * `F.interpolate(..., antialias=True)`), the usual way MNIST is shrunk to 10×10; without it, plain two-tap
   * bilinear with half-pixel centres (`F.interpolate(..., align_corners=False)`).
   * 'area': each output pixel is the exact area-weighted mean of the input pixels it covers (OpenCV INTER_AREA,
   * `F.adaptive_avg_pool2d` for integer factors).
   * Values are computed in float64 and not rounded to bytes (Pillow rounds 8-bit images to integers).
   */
  method?: ResizeMethod;
  antialias?: boolean;
}

/** 1-D resampling weights: for each output index, the first input index and the weights (summing to 1). */
interface Taps {
  start: Int32Array;
  weights: Float64Array[];
}

function resampleTaps(inSize: number, outSize: number, method: ResizeMethod, antialias: boolean): Taps {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize);
  const weights: Float64Array[] = [];
  for (let o = 0; o < outSize; o++) {
    let lo: number;
    let w: number[] = [];
    if (method === 'area') {
      const a = o * scale;
      const b = (o + 1) * scale;
      lo = Math.floor(a);
      const hi = Math.min(inSize, Math.ceil(b));
      for (let i = lo; i < hi; i++) w.push(Math.max(0, Math.min(b, i + 1) - Math.max(a, i)));
    } else if (antialias) {
      // Pillow's precompute_coeffs with the bilinear (triangle) filter, support 1.
      const filterScale = Math.max(scale, 1);
      const support = filterScale;
      const centre = (o + 0.5) * scale;
      lo = Math.max(0, Math.trunc(centre - support + 0.5));
      const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
      for (let i = lo; i < hi; i++) w.push(Math.max(0, 1 - Math.abs((i - centre + 0.5) / filterScale)));
    } else {
      const src = Math.max(0, (o + 0.5) * scale - 0.5);
      lo = Math.min(Math.floor(src), inSize - 1);
      const frac = src - lo;
      w = lo + 1 < inSize ? [1 - frac, frac] : [1];
    }
    const total = w.reduce((s, v) => s + v, 0);
    start[o] = lo;
    weights.push(Float64Array.from(w, (v) => (total > 0 ? v / total : 0)));
  }
  return { start, weights };
}

/**
 * Resize every image of a dataset to `height`×`width`. Samples must be `[H, W]` or `[C, H, W]`; the result keeps
 * the layout. The resampling is separable (rows, then columns); see {@link ResizeOptions} for the methods.
 */
export function resizeImages(ds: Dataset, height: number, width: number, options: ResizeOptions = {}): Dataset {
  const method = options.method ?? 'bilinear';
  if (method !== 'area' && method !== 'bilinear') {
    throw new GeolensError('BAD_ARGUMENT', `resizeImages: method must be 'area' or 'bilinear', got '${String(method)}'`);
  }
  for (const [what, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new GeolensError('BAD_ARGUMENT', `resizeImages: ${what} must be a positive integer, got ${v}`);
  }
  const ss = ds.sampleShape;
  if (ss.length !== 2 && ss.length !== 3) {
    throw new GeolensError(
      'BAD_SHAPE',
      `resizeImages: ${ds.name} has sample shape [${ss.join(', ')}]; images must be [H, W] or [C, H, W]`,
    );
  }
  const c = ss.length === 3 ? ss[0]! : 1;
  const H = ss[ss.length - 2]!;
  const W = ss[ss.length - 1]!;
  const n = ds.y.length;
  const antialias = options.antialias ?? true;
  const rows = resampleTaps(H, height, method, antialias);
  const cols = resampleTaps(W, width, method, antialias);
  const planes = n * c;
  const src = ds.x.data;
  const out = new Float32Array(planes * height * width);
  const tmp = new Float64Array(H * width); // columns resampled first: H × width
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * H * W;
    for (let r = 0; r < H; r++) {
      for (let o = 0; o < width; o++) {
        const s0 = cols.start[o]!;
        const wts = cols.weights[o]!;
        let acc = 0;
        for (let t = 0; t < wts.length; t++) acc += wts[t]! * src[base + r * W + s0 + t]!;
        tmp[r * width + o] = acc;
      }
    }
    const obase = pl * height * width;
    for (let o = 0; o < height; o++) {
      const s0 = rows.start[o]!;
      const wts = rows.weights[o]!;
      for (let q = 0; q < width; q++) {
        let acc = 0;
        for (let t = 0; t < wts.length; t++) acc += wts[t]! * tmp[(s0 + t) * width + q]!;
        out[obase + o * width + q] = acc;
      }
    }
  }
  const shape = ss.length === 3 ? [c, height, width] : [height, width];
  return withX(ds, out, shape, `(resized to ${height}x${width}, ${method}${method === 'bilinear' && antialias ? ', antialiased' : ''})`);
}

/** Image layouts: channels first ([C, H, W] per sample, geolens' own) or channels last ([H, W, C], Keras/TensorFlow). */
export type ImageLayout = 'nchw' | 'nhwc';

/**
 * Transpose image samples to `layout`: 'nhwc' turns channels-first samples [C, H, W] (or [H, W], one channel) into
 * channels-last [H, W, C]; 'nchw' turns channels-last samples [H, W, C] into channels-first [C, H, W]. The dataset
 * gets a note saying what was done. Throws BAD_ARGUMENT for samples that are not images (rank 1).
 */
export function toLayout(ds: Dataset, layout: ImageLayout): Dataset {
  const s = ds.sampleShape;
  if (s.length !== 2 && s.length !== 3) {
    throw new GeolensError('BAD_ARGUMENT', `${ds.name}: layout=${layout} transposes image samples ([C, H, W] or [H, W, C]); these have shape [${s.join(', ')}]. Reshape flat samples to images before saving them (e.g. x.reshape(n, 28, 28, 1)).`);
  }
  const n = ds.y.length;
  const src = ds.x.data;
  const out = new Float32Array(src.length);
  let shape: number[];
  if (layout === 'nhwc') {
    const [c, h, w] = s.length === 2 ? [1, s[0]!, s[1]!] : (s as [number, number, number]);
    shape = [h, w, c];
    const p = c * h * w;
    for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[i * p + (y * w + x) * c + k] = src[i * p + (k * h + y) * w + x]!;
  } else {
    if (s.length !== 3) throw new GeolensError('BAD_ARGUMENT', `${ds.name}: layout=nchw transposes channels-last samples [H, W, C]; these have shape [${s.join(', ')}], which are channels-first already.`);
    const [h, w, c] = s as [number, number, number];
    shape = [c, h, w];
    const p = c * h * w;
    for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[i * p + (k * h + y) * w + x] = src[i * p + (y * w + x) * c + k]!;
  }
  const res = withX(ds, out, shape);
  res.notes = [...(ds.notes ?? []), `layout=${layout}: samples transposed from [${s.join(', ')}] (${layout === 'nhwc' ? 'channels first' : 'channels last'}) to [${shape.join(', ')}] (${layout === 'nhwc' ? 'channels last' : 'channels first'})`];
  return res;
}
