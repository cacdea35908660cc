import { GeolensError } from '../errors.js';
import type { Dataset } from './types.js';

/** The CIFAR-10 class names, in label order. */
export const CIFAR10_CLASSES = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];

const PIXELS = 3 * 32 * 32;

export interface CifarOptions {
  /** Name used in error messages and `source` (the file path when loading from disk). */
  name?: string;
  /** 'cifar10' (default): 1 label byte per record; 'cifar100': 2 label bytes (coarse, fine). */
  variant?: 'cifar10' | 'cifar100';
  /** For CIFAR-100: which label to use (default 'fine', 100 classes; 'coarse' has 20). */
  label?: 'fine' | 'coarse';
  /** Class names (length = number of classes); CIFAR-10 names are filled in by default. */
  classNames?: string[];
}

/**
 * Parse the CIFAR binary format: records of label byte(s) then 3072 pixel bytes (1024 red, 1024 green, 1024 blue,
 * each 32×32 row-major). Images become float32 in [0, 1] with sample shape [3, 32, 32]. A file whose length is not
 * a whole number of records, or a label out of range, is a `BAD_FILE` error naming the file.
 */
export function parseCifarBinary(bytes: Uint8Array, options: CifarOptions = {}): Dataset {
  const name = options.name ?? '<cifar data>';
  const variant = options.variant ?? 'cifar10';
  const labelBytes = variant === 'cifar100' ? 2 : 1;
  const labelOffset = variant === 'cifar100' && (options.label ?? 'fine') === 'fine' ? 1 : 0;
  const numClasses = variant === 'cifar10' ? 10 : options.label === 'coarse' ? 20 : 100;
  const record = labelBytes + PIXELS;
  if (bytes.length === 0) throw new GeolensError('BAD_FILE', `${name}: empty file, expected ${record}-byte CIFAR records`);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new GeolensError('BAD_FILE', `${name}: this is gzip data; extract the CIFAR binary archive (tar -xzf) and load the .bin files`);
  }
  if (bytes.length % record !== 0) {
    const whole = Math.floor(bytes.length / record);
    const other = variant === 'cifar10' ? PIXELS + 2 : PIXELS + 1;
    const hint = bytes.length % other === 0 ? ` (it is a whole number of ${other}-byte records: try the ${variant === 'cifar10' ? 'cifar100' : 'cifar10'} variant)` : '';
    throw new GeolensError(
      'BAD_FILE',
      `${name}: truncated or not ${variant} binary: ${bytes.length} bytes is ${whole} whole ${record}-byte records plus ${bytes.length % record} bytes${hint}`,
    );
  }
  const n = bytes.length / record;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * record;
    const label = bytes[off + labelOffset]!;
    if (label >= numClasses) {
      throw new GeolensError('BAD_FILE', `${name}: record ${i} has label ${label}, outside 0..${numClasses - 1} for ${variant}; wrong variant or corrupt file`);
    }
    y[i] = label;
    const src = off + labelBytes;
    const dst = i * PIXELS;
    for (let j = 0; j < PIXELS; j++) x[dst + j] = bytes[src + j]! / 255;
  }
  const ds: Dataset = {
    name: variant === 'cifar10' ? 'cifar10' : `cifar100-${options.label ?? 'fine'}`,
    x: { data: x, shape: [n, 3, 32, 32] },
    y,
    numClasses,
    sampleShape: [3, 32, 32],
    source: name,
  };
  const names = options.classNames ?? (variant === 'cifar10' ? CIFAR10_CLASSES : undefined);
  if (names) {
    if (names.length !== numClasses) {
      throw new GeolensError('BAD_ARGUMENT', `${name}: ${names.length} class names given for ${numClasses} classes`);
    }
    ds.classNames = [...names];
  }
  return ds;
}

/** Encode a dataset of [3, 32, 32] images in [0, 1] as CIFAR binary records (the inverse of {@link parseCifarBinary}). */
export function encodeCifarBinary(ds: Dataset, variant: 'cifar10' | 'cifar100' = 'cifar10', coarse?: Int32Array): Uint8Array {
  const labelBytes = variant === 'cifar100' ? 2 : 1;
  const record = labelBytes + PIXELS;
  const n = ds.y.length;
  const out = new Uint8Array(n * record);
  for (let i = 0; i < n; i++) {
    const off = i * record;
    if (variant === 'cifar100') {
      out[off] = coarse?.[i] ?? 0;
      out[off + 1] = ds.y[i]!;
    } else out[off] = ds.y[i]!;
    for (let j = 0; j < PIXELS; j++) {
      out[off + labelBytes + j] = Math.max(0, Math.min(255, Math.round(ds.x.data[i * PIXELS + j]! * 255)));
    }
  }
  return out;
}
