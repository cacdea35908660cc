/**
 * File loading for Node: the only module of `src/data/` that touches the file system. Everything else in
 * `src/data/` is pure and runs in the browser too.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GeolensError } from '../errors.js';
import { CIFAR10_CLASSES, parseCifarBinary } from './cifar.js';
import { parseCsv } from './csv.js';
import { DEFAULT_MAX_BYTES } from './gzip.js';
import { idxToDataset, parseIdx } from './idx.js';
import { parseNpy } from './npy.js';
import { arraysToDataset, npzToDataset, parseNpz } from './npz.js';
import { concatDatasets, subsetPerClass } from './split.js';
import { syntheticByName, SYNTHETIC_NAMES, type SyntheticOptions } from './synthetic.js';
import { normalize, resizeImages, toLayout, type ImageLayout, type ResizeMethod } from './transform.js';
import { validateDataset, type Dataset } from './types.js';

/** Options of {@link loadDataset}. Keys given in the spec's `#key=value,...` fragment override these. */
export interface LoadOptions extends SyntheticOptions {
  /** idx / cifar directories: which part to load (default 'train' when present, else 'test'). */
  split?: 'train' | 'test';
  /** csv: label column, by header name or 0-based index (negative from the end; default the last column). */
  label?: string | number;
  /** csv: whether the first row is a header (default: detected). */
  header?: boolean;
  /** csv: delimiter (default: detected among , ; tab). */
  delimiter?: string;
  /** npz: names of the samples and labels arrays (default x/y, X/Y or images/labels). */
  x?: string;
  y?: string;
  /** cifar: 'cifar10' or 'cifar100' (default: from file names, else from the record size). */
  variant?: 'cifar10' | 'cifar100';
  /** cifar100: 'fine' (default, 100 classes) or 'coarse' (20). */
  cifarLabel?: 'fine' | 'coarse';
  /** npy / npz: divide byte (u1) samples by 255 (default true). */
  scaleBytes?: boolean;
  /** Largest file (or decompressed gzip / zip member) accepted, in bytes (default 2 GiB). */
  maxBytes?: number;
}

const NUMERIC_KEYS = new Set([
  'n', 'seed', 'noise', 'classes', 'rings', 'turns', 'intrinsicDim', 'ambientDim', 'subspaceDim', 'curvature',
  'frequency', 'separation', 'maxBytes',
]);
const FRAGMENT_KEYS: Record<string, string[]> = {
  synthetic: ['n', 'seed', 'noise', 'classes', 'rings', 'turns', 'intrinsicDim', 'ambientDim', 'subspaceDim', 'curvature', 'frequency', 'separation'],
  idx: ['split', 'maxBytes'],
  cifar: ['split', 'variant', 'cifarLabel', 'maxBytes'],
  npz: ['x', 'y', 'scaleBytes', 'maxBytes'],
  npy: ['scaleBytes', 'maxBytes'],
  csv: ['label', 'header', 'delimiter', 'maxBytes'],
};
const DELIMITERS: Record<string, string> = { comma: ',', semicolon: ';', tab: '\t', pipe: '|' };

/**
 * Transforms any spec may ask for in its fragment, applied after loading in this order: `layout=nchw` (channels-last
 * samples [H, W, C] transposed to channels first, so the transforms below see geolens' own layout), `resize=HxW`
 * (images; area-weighted by default, `resizeMethod=bilinear` for Pillow-style antialiased bilinear),
 * `normalize=<mean>:<std>` (x ← (x − mean)/std; per-channel values separated by '/', e.g.
 * `normalize=0.49/0.48/0.45:0.25/0.24/0.26`), `layout=nhwc` (channels-first samples transposed to channels last,
 * for a model exported from Keras/TensorFlow), `perClass=N` (a balanced subset of N samples per class, seeded by the
 * load options' `seed`).
 */
const TRANSFORM_KEYS = ['layout', 'resize', 'resizeMethod', 'normalize', 'perClass'];

/** Every key a dataset spec's `#key=value,…` fragment may hold, by kind (for --help and the README). */
export const DATASET_SPEC_OPTIONS: Readonly<Record<string, string>> = {
  split: 'idx/cifar folders: train or test (default train)',
  label: 'csv: the label column, by header name or 0-based index (default: a column named label/class/target/y)',
  header: 'csv: true or false (default: detected)',
  delimiter: 'csv: comma, semicolon, tab, pipe or the character (default: sniffed)',
  x: 'npz: the samples array (default x, X or images)',
  y: 'npz: the labels array (default y, Y or labels)',
  scaleBytes: 'npy/npz: divide byte samples by 255 (default true)',
  variant: 'cifar: cifar10 or cifar100',
  cifarLabel: 'cifar100: fine or coarse',
  layout: 'images: nhwc transposes [C,H,W] samples to channels last, nchw transposes [H,W,C] samples to channels first',
  resize: 'images: HxW (area resize; resizeMethod=bilinear for antialiased bilinear)',
  normalize: '<mean>:<std>, per channel separated by / (x ← (x − mean)/std)',
  perClass: 'keep N samples per class (seeded)',
  maxBytes: 'largest file accepted, in bytes',
  n: 'synthetic: number of samples (also seed, noise, classes, … per generator)',
};

interface SpecTransforms {
  layout?: ImageLayout;
  resize?: [number, number];
  resizeMethod?: ResizeMethod;
  normalize?: { mean: number[]; std: number[] };
  perClass?: number;
}

function parseTransform(spec: string, key: string, value: string, t: SpecTransforms): void {
  const bad = (what: string): never => {
    throw new GeolensError('BAD_ARGUMENT', `dataset spec '${spec}': ${key}=${value} is not valid; ${what}`);
  };
  if (key === 'resize') {
    const m = /^(\d+)(?:x(\d+))?$/.exec(value);
    const h = Number(m?.[1]);
    const w = Number(m?.[2] ?? m?.[1]);
    if (!m || !(h >= 1) || !(w >= 1)) bad('write resize=HxW, e.g. resize=10x10');
    t.resize = [h, w];
  } else if (key === 'resizeMethod') {
    if (value !== 'area' && value !== 'bilinear') bad('use resizeMethod=area or resizeMethod=bilinear');
    t.resizeMethod = value as ResizeMethod;
  } else if (key === 'normalize') {
    const parts = value.split(':');
    const nums = (s: string | undefined): number[] => (s === undefined || s === '' ? [] : s.split('/').map((v) => (v.trim() === '' ? NaN : Number(v))));
    const mean = nums(parts[0]);
    const std = nums(parts[1]);
    if (parts.length !== 2 || mean.length === 0 || std.length === 0 || ![...mean, ...std].every(Number.isFinite) || !std.every((v) => v > 0)) {
      bad('write normalize=<mean>:<std> with std > 0, e.g. normalize=0.5:0.5 (per channel: normalize=0.4/0.5/0.6:0.2/0.2/0.2)');
    }
    t.normalize = { mean, std };
  } else if (key === 'layout') {
    if (value !== 'nhwc' && value !== 'nchw') bad('use layout=nhwc (transpose channels-first samples to channels last) or layout=nchw (the reverse)');
    t.layout = value as ImageLayout;
  } else if (key === 'perClass') {
    const v = Number(value);
    if (value === '' || !Number.isInteger(v) || v < 1) bad('perClass must be a positive integer, e.g. perClass=100');
    t.perClass = v;
  }
}

/** Apply the fragment's transforms in their fixed order: layout=nchw, resize, normalize, layout=nhwc, perClass. */
function applyTransforms(spec: string, ds: Dataset, t: SpecTransforms, seed: number): Dataset {
  if (t.resizeMethod !== undefined && t.resize === undefined) {
    throw new GeolensError('BAD_ARGUMENT', `dataset spec '${spec}': resizeMethod needs resize=HxW`);
  }
  if (t.layout === 'nchw') ds = toLayout(ds, 'nchw');
  if (t.resize) {
    if (ds.sampleShape.length !== 2 && ds.sampleShape.length !== 3) {
      throw new GeolensError('BAD_ARGUMENT', `dataset spec '${spec}': resize needs image samples ([H, W] or [C, H, W]); ${ds.name} has samples of shape [${ds.sampleShape.join(', ')}]`);
    }
    const name = ds.name;
    ds = resizeImages(ds, t.resize[0], t.resize[1], { method: t.resizeMethod ?? 'area' });
    ds.name = `${name}-${t.resize[0]}x${t.resize[1]}`;
  }
  if (t.normalize) {
    const one = (v: number[]): number | number[] => (v.length === 1 ? v[0]! : v);
    ds = normalize(ds, one(t.normalize.mean), one(t.normalize.std));
  }
  if (t.layout === 'nhwc') ds = toLayout(ds, 'nhwc');
  if (t.perClass !== undefined) ds = subsetPerClass(ds, t.perClass, seed);
  return ds;
}

/** Split `body#k=v,k=v` into the body, its options and its transforms (only when the part after '#' is such a list). */
function splitFragment(spec: string, kind: string): { body: string; options: Record<string, unknown>; transforms: SpecTransforms } {
  const hash = spec.lastIndexOf('#');
  if (hash < 0) return { body: spec, options: {}, transforms: {} };
  const frag = spec.slice(hash + 1);
  if (!/^[A-Za-z]\w*=[^,]*(,[A-Za-z]\w*=[^,]*)*$/.test(frag)) return { body: spec, options: {}, transforms: {} };
  const allowed = [...(FRAGMENT_KEYS[kind] ?? []), ...TRANSFORM_KEYS];
  const options: Record<string, unknown> = {};
  const transforms: SpecTransforms = {};
  for (const kv of frag.split(',')) {
    const eq = kv.indexOf('=');
    const key = kv.slice(0, eq);
    const value = kv.slice(eq + 1);
    if (TRANSFORM_KEYS.includes(key)) {
      parseTransform(spec, key, value, transforms);
      continue;
    }
    if (!allowed.includes(key)) {
      throw new GeolensError('BAD_ARGUMENT', `dataset spec '${spec}': unknown option '${key}' for ${kind}; allowed: ${allowed.join(', ')}`);
    }
    if (NUMERIC_KEYS.has(key)) {
      const v = Number(value);
      if (value === '' || !Number.isFinite(v)) throw new GeolensError('BAD_ARGUMENT', `dataset spec '${spec}': ${key} must be a number, got '${value}'`);
      options[key] = v;
    } else if (key === 'header' || key === 'scaleBytes') {
      if (value !== 'true' && value !== 'false') throw new GeolensError('BAD_ARGUMENT', `dataset spec '${spec}': ${key} must be true or false`);
      options[key] = value === 'true';
    } else if (key === 'split') {
      if (value !== 'train' && value !== 'test') throw new GeolensError('BAD_ARGUMENT', `dataset spec '${spec}': split must be train or test, got '${value}'`);
      options[key] = value;
    } else if (key === 'delimiter') options[key] = DELIMITERS[value] ?? value;
    else options[key] = value;
  }
  return { body: spec.slice(0, hash), options, transforms };
}

/** Read a whole file; a missing file is FILE_NOT_FOUND, a file above `maxBytes` is BAD_FILE. */
export async function readFileBytes(file: string, maxBytes = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
  let size: number;
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw new GeolensError('BAD_ARGUMENT', `${file}: is a directory, expected a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof GeolensError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new GeolensError('FILE_NOT_FOUND', `${file}: file not found (resolved to ${path.resolve(file)})`);
    }
    throw new GeolensError('BAD_FILE', `${file}: cannot read (${(e as Error).message})`);
  }
  if (size > maxBytes) throw new GeolensError('BAD_FILE', `${file}: ${size} bytes is above the ${maxBytes}-byte limit; raise maxBytes if intended`);
  try {
    const buf = await fs.readFile(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new GeolensError('BAD_FILE', `${file}: cannot read (${(e as Error).message})`);
  }
}

async function statKind(p: string): Promise<'file' | 'dir' | 'missing'> {
  try {
    const st = await fs.stat(p);
    return st.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (e) {
    throw new GeolensError('FILE_NOT_FOUND', `${dir}: cannot list directory (${(e as Error).message})`);
  }
}

function requirePath(spec: string, body: string): string {
  if (body.trim() === '') throw new GeolensError('BAD_ARGUMENT', `dataset spec '${spec}' names no file`);
  return body;
}

const IDX_IMAGES = /^(.*?)(train|t10k|test)-images[-.]idx3-ubyte(\.gz)?$/i;

/** Dataset name from an images file: `<directory>-<file stem>`, e.g. `mnist-t10k`. */
function idxName(imagesFile: string): string {
  const stem = path.basename(imagesFile).replace(/[-.]images.*$/i, '').toLowerCase() || 'idx';
  return `${path.basename(path.dirname(path.resolve(imagesFile)))}-${stem}`;
}

async function loadIdxPair(imagesFile: string, labelsFile: string, name: string, maxBytes: number): Promise<Dataset> {
  const [ib, lb] = await Promise.all([readFileBytes(imagesFile, maxBytes), readFileBytes(labelsFile, maxBytes)]);
  const images = parseIdx(ib, { name: imagesFile, maxBytes });
  const labels = parseIdx(lb, { name: labelsFile, maxBytes });
  return idxToDataset(images, labels, { name, imagesName: imagesFile, labelsName: labelsFile });
}

async function loadIdx(spec: string, body: string, opts: LoadOptions): Promise<Dataset> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const target = requirePath(spec, body);
  if (target.includes(',')) {
    const [imagesFile, labelsFile, extra] = target.split(',');
    if (extra !== undefined || !imagesFile || !labelsFile) {
      throw new GeolensError('BAD_ARGUMENT', `dataset spec '${spec}': use idx:<dir>, idx:<images file> or idx:<images file>,<labels file>`);
    }
    return loadIdxPair(imagesFile, labelsFile, idxName(imagesFile), maxBytes);
  }
  const kind = await statKind(target);
  if (kind === 'missing') throw new GeolensError('FILE_NOT_FOUND', `${target}: no such file or directory (resolved to ${path.resolve(target)})`);
  if (kind === 'file') {
    const dir = path.dirname(target);
    const base = path.basename(target);
    if (!/images/i.test(base)) {
      throw new GeolensError('BAD_ARGUMENT', `${target}: give the images file (…-images-idx3-ubyte[.gz]) or the directory; the labels file is found next to it`);
    }
    const stem = base.replace(/images/i, 'labels').replace(/idx3/i, 'idx1').replace(/\.gz$/i, '');
    const candidates = [stem, `${stem}.gz`].map((f) => path.join(dir, f));
    for (const c of candidates) {
      if ((await statKind(c)) === 'file') return loadIdxPair(target, c, idxName(target), maxBytes);
    }
    throw new GeolensError('FILE_NOT_FOUND', `${target}: no matching labels file next to it (looked for ${candidates.join(' and ')}); use idx:<images>,<labels>`);
  }
  // a directory
  const files = await listDir(target);
  const groups = new Map<string, { prefix: string; split: string; file: string }>();
  for (const f of files) {
    const m = IDX_IMAGES.exec(f);
    if (!m) continue;
    const key = `${m[1]!.toLowerCase()}|${m[2]!.toLowerCase()}`;
    if (!groups.has(key) || !m[3]) groups.set(key, { prefix: m[1]!, split: m[2]!, file: f });
  }
  if (groups.size === 0) {
    throw new GeolensError(
      'FILE_NOT_FOUND',
      `${target}: no IDX images file (train-images-idx3-ubyte[.gz] or t10k-images-idx3-ubyte[.gz]) in this directory; it holds: ${files.join(', ') || '(nothing)'}`,
    );
  }
  const prefixes = [...new Set([...groups.values()].map((g) => g.prefix.toLowerCase()))];
  if (prefixes.length > 1) {
    throw new GeolensError('BAD_ARGUMENT', `${target}: holds several IDX datasets (${prefixes.map((p) => `'${p}'`).join(', ')}); name the images file: idx:<dir>/<file>`);
  }
  const all = [...groups.values()];
  const isTrain = (g: { split: string }): boolean => g.split.toLowerCase() === 'train';
  let pick: { prefix: string; split: string; file: string } | undefined;
  if (opts.split === 'train') pick = all.find(isTrain);
  else if (opts.split === 'test') pick = all.find((g) => !isTrain(g));
  else pick = all.find(isTrain) ?? all.find((g) => !isTrain(g));
  if (!pick) {
    throw new GeolensError('FILE_NOT_FOUND', `${target}: no ${opts.split} IDX images file; found: ${all.map((g) => g.file).join(', ')}`);
  }
  const imagesFile = path.join(target, pick.file);
  const labelsStem = `${pick.prefix}${pick.split}-labels`;
  const labelsName = files.find((f) => new RegExp(`^${labelsStem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[-.]idx1-ubyte(\\.gz)?$`, 'i').test(f));
  if (!labelsName) {
    throw new GeolensError('FILE_NOT_FOUND', `${target}: found ${pick.file} but no ${labelsStem}-idx1-ubyte[.gz] labels file next to it`);
  }
  const dsName = `${path.basename(path.resolve(target))}-${pick.split.toLowerCase()}`;
  return loadIdxPair(imagesFile, path.join(target, labelsName), dsName, maxBytes);
}

async function readNameList(file: string): Promise<string[] | undefined> {
  if ((await statKind(file)) !== 'file') return undefined;
  const text = new TextDecoder().decode(await readFileBytes(file, 1 << 20));
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== '');
  return names.length > 0 ? names : undefined;
}

function cifarVariantOf(file: string, size: number, forced?: 'cifar10' | 'cifar100'): 'cifar10' | 'cifar100' {
  if (forced) return forced;
  const base = path.basename(file).toLowerCase();
  if (/^(data_batch_\d+|test_batch)\.bin$/.test(base)) return 'cifar10';
  if (/^(train|test)\.bin$/.test(base)) return 'cifar100';
  if (size % 3073 === 0) return 'cifar10';
  if (size % 3074 === 0) return 'cifar100';
  return 'cifar10'; // the parser reports the size problem
}

async function loadCifarFiles(files: string[], opts: LoadOptions, dir: string): Promise<Dataset> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const parts: Dataset[] = [];
  let variant: 'cifar10' | 'cifar100' | undefined;
  for (const f of files) {
    const bytes = await readFileBytes(f, maxBytes);
    variant = cifarVariantOf(f, bytes.length, opts.variant);
    const label = opts.cifarLabel ?? 'fine';
    let classNames: string[] | undefined;
    if (variant === 'cifar10') classNames = (await readNameList(path.join(dir, 'batches.meta.txt'))) ?? CIFAR10_CLASSES;
    else classNames = await readNameList(path.join(dir, `${label}_label_names.txt`));
    const expected = variant === 'cifar10' ? 10 : label === 'coarse' ? 20 : 100;
    if (classNames && classNames.length !== expected) classNames = undefined;
    parts.push(parseCifarBinary(bytes, { name: f, variant, label, ...(classNames ? { classNames } : {}) }));
  }
  const first = parts[0]!;
  return concatDatasets(parts, first.name);
}

async function loadCifar(spec: string, body: string, opts: LoadOptions): Promise<Dataset> {
  const target = requirePath(spec, body);
  const kind = await statKind(target);
  if (kind === 'missing') throw new GeolensError('FILE_NOT_FOUND', `${target}: no such file or directory (resolved to ${path.resolve(target)})`);
  if (kind === 'file') return loadCifarFiles([target], opts, path.dirname(target));
  let dir = target;
  let files = await listDir(dir);
  for (const sub of ['cifar-10-batches-bin', 'cifar-100-binary']) {
    if (files.includes(sub) && !files.some((f) => f.endsWith('.bin'))) {
      dir = path.join(dir, sub);
      files = await listDir(dir);
      break;
    }
  }
  const c10train = files.filter((f) => /^data_batch_\d+\.bin$/.test(f)).sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
  const c10test = files.filter((f) => f === 'test_batch.bin');
  const c100train = files.filter((f) => f === 'train.bin');
  const c100test = files.filter((f) => f === 'test.bin');
  const train = c10train.length > 0 ? c10train : c100train;
  const test = c10train.length > 0 || c10test.length > 0 ? c10test : c100test;
  let chosen: string[];
  if (opts.split === 'train') chosen = train;
  else if (opts.split === 'test') chosen = test;
  else chosen = train.length > 0 ? train : test;
  if (chosen.length === 0) {
    throw new GeolensError(
      'FILE_NOT_FOUND',
      `${dir}: no CIFAR ${opts.split ?? ''} binary files (data_batch_N.bin / test_batch.bin for CIFAR-10, train.bin / test.bin for CIFAR-100); it holds: ${files.join(', ') || '(nothing)'}`,
    );
  }
  const ds = await loadCifarFiles(chosen.map((f) => path.join(dir, f)), opts, dir);
  ds.name = `${ds.name}-${chosen === train ? 'train' : 'test'}`;
  return ds;
}

async function loadNpz(spec: string, body: string, opts: LoadOptions): Promise<Dataset> {
  const file = requirePath(spec, body);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const arrays = parseNpz(await readFileBytes(file, maxBytes), { name: file, maxBytes });
  return npzToDataset(arrays, {
    name: path.basename(file).replace(/\.npz$/i, ''),
    file,
    ...(opts.x !== undefined ? { xKey: opts.x } : {}),
    ...(opts.y !== undefined ? { yKey: opts.y } : {}),
    ...(opts.scaleBytes !== undefined ? { scaleBytes: opts.scaleBytes } : {}),
  });
}

async function loadNpy(spec: string, body: string, opts: LoadOptions): Promise<Dataset> {
  const parts = requirePath(spec, body).split(',');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new GeolensError('BAD_ARGUMENT', `dataset spec '${spec}': use npy:<samples.npy>,<labels.npy>`);
  }
  const [xFile, yFile] = parts as [string, string];
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const [xb, yb] = await Promise.all([readFileBytes(xFile, maxBytes), readFileBytes(yFile, maxBytes)]);
  return arraysToDataset(parseNpy(xb, { name: xFile }), parseNpy(yb, { name: yFile }), {
    name: path.basename(xFile).replace(/\.npy$/i, ''),
    xName: xFile,
    yName: yFile,
    ...(opts.scaleBytes !== undefined ? { scaleBytes: opts.scaleBytes } : {}),
  });
}

async function loadCsv(spec: string, body: string, opts: LoadOptions): Promise<Dataset> {
  const file = requirePath(spec, body);
  const ds = parseCsv(await readFileBytes(file, opts.maxBytes ?? DEFAULT_MAX_BYTES), {
    name: file,
    ...(opts.label !== undefined ? { label: opts.label } : {}),
    ...(opts.header !== undefined ? { header: opts.header } : {}),
    ...(opts.delimiter !== undefined ? { delimiter: opts.delimiter } : {}),
  });
  ds.name = path.basename(file).replace(/\.(csv|tsv|txt)$/i, '');
  return ds;
}

/**
 * Load a dataset from a spec string:
 * - `moons` | `spirals` | `circles` | `manifold`: synthetic ({@link syntheticByName}; `opts` n, seed, noise, …);
 * - `idx:<dir>` (finds `[prefix]train-` / `t10k-images-idx3-ubyte[.gz]` and the matching labels; `split` picks),
 *   `idx:<images file>` (labels found next to it) or `idx:<images>,<labels>`;
 * - `cifar:<dir>` (CIFAR-10 `data_batch_N.bin` / `test_batch.bin`, or CIFAR-100 `train.bin` / `test.bin`) or
 *   `cifar:<file.bin>`;
 * - `npz:<file>` (arrays x/y, X/Y or images/labels, or `#x=<key>,y=<key>`);
 * - `npy:<samples.npy>,<labels.npy>`;
 * - `csv:<file>[#label=<column>]`.
 * Any spec may end in `#key=value,…` to set options (e.g. `manifold#n=500,seed=3`, `idx:data/mnist#split=test`).
 * Every kind also takes transforms, applied after loading in this order: `resize=HxW` (images, area resize;
 * `resizeMethod=bilinear` for antialiased bilinear), `normalize=<mean>:<std>` and `perClass=N` (a balanced subset
 * seeded by `opts.seed`), e.g. `idx:../shared/data/mnist#resize=10x10,normalize=0.5:0.5,perClass=100`.
 * Every failure is a {@link GeolensError} naming the file and the problem: FILE_NOT_FOUND for missing files,
 * BAD_FILE for truncated or malformed ones (checked before allocating), BAD_ARGUMENT for a bad spec.
 */
export async function loadDataset(spec: string, opts: LoadOptions = {}): Promise<Dataset> {
  const hash = spec.indexOf('#');
  let colon = spec.indexOf(':');
  if (hash >= 0 && colon > hash) colon = -1; // a ':' inside the fragment (normalize=0.5:0.5) names no kind
  const kind = colon < 0 ? spec.replace(/#.*$/, '') : spec.slice(0, colon);
  if (colon < 0 || (SYNTHETIC_NAMES as readonly string[]).includes(kind)) {
    if (!(SYNTHETIC_NAMES as readonly string[]).includes(kind)) {
      throw new GeolensError(
        'BAD_ARGUMENT',
        `unknown dataset '${spec}': use ${SYNTHETIC_NAMES.join(' | ')}, or idx:<dir>, cifar:<dir or .bin>, npz:<file>, npy:<x.npy>,<y.npy>, csv:<file>`,
      );
    }
    const { options, transforms } = splitFragment(spec, 'synthetic');
    const so: LoadOptions = { ...opts, ...options };
    return validateDataset(applyTransforms(spec, validateDataset(syntheticByName(kind, so)), transforms, so.seed ?? 0));
  }
  const { body, options, transforms } = splitFragment(spec.slice(colon + 1), kind);
  const o: LoadOptions = { ...opts, ...options };
  let ds: Dataset;
  switch (kind) {
    case 'idx':
      ds = await loadIdx(spec, body, o);
      break;
    case 'cifar':
      ds = await loadCifar(spec, body, o);
      break;
    case 'npz':
      ds = await loadNpz(spec, body, o);
      break;
    case 'npy':
      ds = await loadNpy(spec, body, o);
      break;
    case 'csv':
      ds = await loadCsv(spec, body, o);
      break;
    default:
      throw new GeolensError('BAD_ARGUMENT', `unknown dataset kind '${kind}' in '${spec}': use idx:, cifar:, npz:, npy:, csv: or ${SYNTHETIC_NAMES.join(' | ')}`);
  }
  return validateDataset(applyTransforms(spec, validateDataset(ds, { code: 'BAD_FILE' }), transforms, o.seed ?? 0));
}
