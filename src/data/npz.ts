import { unzipSync } from 'fflate';
import { GeolensError } from '../errors.js';
import { DEFAULT_MAX_BYTES } from './gzip.js';
import { npyToFloat32, npyToLabels, parseNpy, type NpyArray } from './npy.js';
import type { Dataset } from './types.js';

/** Deflate cannot expand data by more than about 1032:1; a larger declared ratio means a corrupt archive. */
const MAX_DEFLATE_RATIO = 1100;

/**
 * Parse a `.npz` archive (zip of `.npy` members, stored or deflated, as written by `np.savez` and
 * `np.savez_compressed`). Returns the arrays by name (member name without `.npy`). Corrupt archives, members whose
 * declared size is implausible or above `maxBytes`, and malformed members are `BAD_FILE` errors naming the file.
 */
export function parseNpz(bytes: Uint8Array, options: { name?: string; maxBytes?: number } = {}): Record<string, NpyArray> {
  const name = options.name ?? '<npz data>';
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    if (bytes[0] === 0x93 && bytes[1] === 0x4e) {
      throw new GeolensError('BAD_FILE', `${name}: this is a single .npy array, not an .npz archive; load it with npy:`);
    }
    throw new GeolensError('BAD_FILE', `${name}: not an .npz file (missing the zip magic 'PK')`);
  }
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (f) => {
        if (f.compression !== 0 && f.compression !== 8) {
          throw new GeolensError('BAD_FILE', `${name}: member '${f.name}' uses zip compression method ${f.compression}; only stored and deflated members are supported`);
        }
        if (f.originalSize > maxBytes) {
          throw new GeolensError('BAD_FILE', `${name}: member '${f.name}' declares ${f.originalSize} bytes, above the ${maxBytes}-byte limit`);
        }
        if (f.compression === 8 ? f.originalSize > f.size * MAX_DEFLATE_RATIO + 1024 : f.originalSize !== f.size) {
          throw new GeolensError('BAD_FILE', `${name}: member '${f.name}' declares an impossible size (${f.size} → ${f.originalSize} bytes); the archive is corrupt`);
        }
        if (f.size > bytes.length) {
          throw new GeolensError('BAD_FILE', `${name}: member '${f.name}' declares ${f.size} bytes but the archive holds ${bytes.length}; the file is truncated`);
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof GeolensError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new GeolensError('BAD_FILE', `${name}: corrupt or truncated .npz (zip) archive (${msg})`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [member, data] of Object.entries(members)) {
    if (member.endsWith('/')) continue;
    const key = member.endsWith('.npy') ? member.slice(0, -4) : member;
    out[key] = parseNpy(data, { name: `${name}[${key}]` });
  }
  return out;
}

/** Key pairs tried, in order, when no keys are given. */
export const NPZ_KEY_PAIRS: [string, string][] = [
  ['x', 'y'],
  ['X', 'Y'],
  ['images', 'labels'],
];

export interface ArraysToDatasetOptions {
  /** Dataset name (default 'npz'). */
  name?: string;
  /** For error messages and `source`. */
  xName?: string;
  yName?: string;
  /** Divide `u1` (byte) samples by 255 (default true: byte arrays are taken to be images). */
  scaleBytes?: boolean;
}

/**
 * Build a dataset from a samples array `[n, ...sampleShape]` (1-D `[n]` becomes `[n, 1]`) and a labels array
 * (see {@link npyToLabels}). Byte samples are scaled to [0, 1]; other types are cast to float32.
 */
export function arraysToDataset(x: NpyArray, y: NpyArray, options: ArraysToDatasetOptions = {}): Dataset {
  const xName = options.xName ?? '<x>';
  const yName = options.yName ?? '<y>';
  if (x.shape.length === 0) throw new GeolensError('BAD_FILE', `${xName}: samples must have shape (n, ...), got a scalar`);
  const labels = npyToLabels(y, yName);
  const n = x.shape[0]!;
  if (labels.y.length !== n) {
    throw new GeolensError('BAD_FILE', `${xName} holds ${n} samples (shape (${x.shape.join(', ')})) but ${yName} holds ${labels.y.length} labels`);
  }
  const sampleShape = x.shape.length === 1 ? [1] : x.shape.slice(1);
  const data = npyToFloat32(x, { scaleBytes: options.scaleBytes ?? true, name: xName });
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      const p = data.length / Math.max(n, 1);
      throw new GeolensError('BAD_FILE', `${xName}: non-finite value ${data[i]} in sample ${Math.floor(i / p)}`);
    }
  }
  const ds: Dataset = {
    name: options.name ?? 'npz',
    x: { data, shape: [n, ...sampleShape] },
    y: labels.y,
    numClasses: Math.max(labels.numClasses, 1),
    sampleShape,
    source: xName === yName ? xName : `${xName} + ${yName}`,
  };
  if (labels.classNames) ds.classNames = labels.classNames;
  if (labels.notes.length) ds.notes = labels.notes.map((note) => `${yName}: ${note}`);
  return ds;
}

/**
 * Pick the samples and labels of an `.npz` archive: the keys given, else the first present pair of
 * {@link NPZ_KEY_PAIRS} (x/y, X/Y, images/labels). When none fits, the error lists the archive's keys.
 */
export function npzToDataset(
  arrays: Record<string, NpyArray>,
  options: { name?: string; file?: string; xKey?: string; yKey?: string; scaleBytes?: boolean } = {},
): Dataset {
  const file = options.file ?? '<npz data>';
  const keys = Object.keys(arrays);
  let pair: [string, string] | undefined;
  if (options.xKey !== undefined || options.yKey !== undefined) {
    pair = [options.xKey ?? 'x', options.yKey ?? 'y'];
    for (const k of pair) {
      if (!(k in arrays)) throw new GeolensError('BAD_FILE', `${file}: no array named '${k}'; the archive holds: ${keys.join(', ') || '(nothing)'}`);
    }
  } else {
    pair = NPZ_KEY_PAIRS.find(([a, b]) => a in arrays && b in arrays);
    if (!pair) {
      throw new GeolensError(
        'BAD_FILE',
        `${file}: cannot tell samples from labels: expected arrays x/y, X/Y or images/labels, the archive holds: ` +
          `${keys.join(', ') || '(nothing)'}; name them with npz:${file}#x=<key>,y=<key>`,
      );
    }
  }
  const ds = arraysToDataset(arrays[pair[0]]!, arrays[pair[1]]!, {
    name: options.name ?? 'npz',
    xName: `${file}[${pair[0]}]`,
    yName: `${file}[${pair[1]}]`,
    ...(options.scaleBytes !== undefined ? { scaleBytes: options.scaleBytes } : {}),
  });
  ds.source = `${file}[${pair[0]}, ${pair[1]}]`;
  return ds;
}
