/**
 * Node-only ONNX file I/O: reading a model file with bounded memory and resolving its external data, confined to the
 * model's folder. Everything else in src/onnx is pure and runs in the browser.
 */
import { closeSync, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { GeolensError } from '../errors.js';
import { importClassifier, type ImportedModel, type ImportOptions } from './import.js';
import { decodeModel, elementSize, DATA_TYPE_NAMES, type GraphProto, type ModelProto, type TensorProto } from './proto.js';

/** Default limit on the bytes read for one model (the .onnx file plus its external data): 2 GiB, protobuf's own limit. */
export const DEFAULT_MAX_MODEL_BYTES = 2 * 1024 * 1024 * 1024;

export interface LoadModelOptions {
  /** Most bytes read in all (model file plus external data). Default 2 GiB. */
  maxBytes?: number;
}

function badFile(message: string, details?: Record<string, unknown>): never {
  throw new GeolensError('BAD_FILE', message, details);
}

function statOrFail(path: string, what: string): Stats {
  try {
    return lstatSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new GeolensError('FILE_NOT_FOUND', `${what} '${path}' does not exist.`, { path });
    throw new GeolensError('BAD_FILE', `${what} '${path}' cannot be read: ${(e as Error).message}`, { path });
  }
}

/** Read exactly `length` bytes at `offset` from an open file (never more than asked). */
function readExact(fd: number, offset: number, length: number, what: string): Uint8Array {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) badFile(`${what}: the file ended after ${got} of ${length} bytes (it changed while being read, or is truncated).`);
    got += n;
  }
  return buf;
}

/** Read a whole regular file of at most `max` bytes. */
function readBounded(path: string, max: number, what: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new GeolensError('FILE_NOT_FOUND', `${what} '${path}' does not exist.`, { path });
    throw new GeolensError('BAD_FILE', `${what} '${path}' cannot be opened: ${(e as Error).message}`, { path });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) badFile(`${what} '${path}' is not a regular file.`, { path });
    if (st.size > max) {
      throw new GeolensError('BAD_FILE', `${what} '${path}' is ${st.size} bytes, more than the limit of ${max}; raise maxBytes if the model really is that large.`, { path, size: st.size, maxBytes: max });
    }
    return readExact(fd, 0, st.size, `${what} '${path}'`);
  } finally {
    closeSync(fd);
  }
}

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
}

/** Every tensor of the model that may hold external data: initializers and tensor attributes, subgraphs included. */
function* allTensors(g: GraphProto): Generator<TensorProto> {
  yield* g.initializers;
  for (const n of g.nodes) {
    for (const a of n.attributes) {
      if (a.type === 'tensor') yield a.value;
      else if (a.type === 'graph') yield* allTensors(a.value);
    }
  }
}

interface ExternalFile {
  fd: number;
  size: number;
}

/**
 * Replace every external-data reference by the bytes it points at. `location` is resolved in `folder` (the folder of
 * the model's path as given, the ONNX rule) and must stay in it (no absolute paths, no `..` escapes); a symlink there
 * may lead only into `folder` itself or into one of `alsoInside` (the real folder of a symlinked model file: the
 * Hugging Face cache keeps model.onnx and model.onnx_data as symlinks into one blobs folder). Offset and length must
 * lie inside the file and the length must match the tensor's shape. Reads only the declared ranges.
 */
export function resolveExternalData(model: ModelProto, folder: string, opts: { maxBytes?: number; source?: string; alreadyRead?: number; alsoInside?: string[] } = {}): ModelProto {
  const source = opts.source ?? 'model';
  const max = opts.maxBytes ?? DEFAULT_MAX_MODEL_BYTES;
  let total = opts.alreadyRead ?? 0;
  let root: string;
  try {
    root = realpathSync(folder);
  } catch {
    throw new GeolensError('FILE_NOT_FOUND', `${source}: the model's folder '${folder}' does not exist.`);
  }
  const files = new Map<string, ExternalFile>();
  try {
    for (const t of allTensors(model.graph)) {
      const ext = t.external;
      if (!ext) continue;
      const where = `${source}: tensor '${t.name}'`;
      const loc = ext.location;
      if (loc === '' || loc.includes('\0')) badFile(`${where} has an empty or invalid external-data location.`, { tensor: t.name });
      if (isAbsolute(loc) || /^[a-zA-Z]:/.test(loc) || loc.startsWith('\\') || loc.startsWith('/')) {
        badFile(`${where} points at the absolute path '${loc}'; external data must be a file next to the model (a relative location). Re-save the model with a relative location.`, {
          tensor: t.name,
          location: loc,
        });
      }
      const parts = loc.split(/[\\/]+/);
      if (parts.includes('..')) badFile(`${where} points outside the model's folder ('${loc}'); external data must lie in the model's folder.`, { tensor: t.name, location: loc });
      const lexical = resolve(root, ...parts);
      if (!isInside(root, lexical)) badFile(`${where} points outside the model's folder ('${loc}').`, { tensor: t.name, location: loc });
      let file = files.get(lexical);
      if (!file) {
        const st = statOrFail(lexical, `${where}: external-data file`);
        let real: string;
        try {
          real = realpathSync(lexical);
        } catch (e) {
          badFile(`${where}: external-data file '${loc}' cannot be resolved: ${(e as Error).message}`);
        }
        if (!isInside(root, real) && !(opts.alsoInside ?? []).some((r) => isInside(r, real))) {
          badFile(`${where}: external-data file '${loc}' is a symlink that leads outside the model's folder${opts.alsoInside?.length ? ' (and outside the folder the model file links to)' : ''}; geolens reads external data only inside it.`, { tensor: t.name, location: loc });
        }
        if (!st.isFile() && !st.isSymbolicLink()) badFile(`${where}: external-data location '${loc}' is not a regular file.`);
        const fd = openSync(real, 'r');
        const fst = fstatSync(fd);
        if (!fst.isFile()) {
          closeSync(fd);
          badFile(`${where}: external-data location '${loc}' is not a regular file.`);
        }
        file = { fd, size: fst.size };
        files.set(lexical, file);
      }
      const es = elementSize(t.dataType);
      if (es === 0) throw new GeolensError('UNSUPPORTED_DTYPE', `${where} has element type ${DATA_TYPE_NAMES[t.dataType] ?? t.dataType}, which geolens does not read.`);
      for (const d of t.dims) if (!Number.isSafeInteger(d) || d < 0) badFile(`${where} has an invalid dimension ${d}.`);
      const need = t.dims.reduce((p, d) => p * d, 1) * es;
      const offset = ext.offset;
      const length = ext.length ?? need;
      if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
        badFile(`${where} declares an invalid external-data offset/length (${ext.offset}/${String(ext.length)}).`, { tensor: t.name });
      }
      if (offset + length > file.size) {
        const link = file.size <= 1024 ? symlinkPlaceholder(readExact(file.fd, 0, file.size, `${where}: external data '${loc}'`), lexical) : undefined;
        if (link) badFile(`${where}: its external-data file '${loc}' is a ${file.size}-byte text naming '${link}': a symbolic link stored as a plain file. Restore the link (ln -sf '${link}' '${lexical}').`, { tensor: t.name, location: loc, link });
        badFile(`${where} declares ${length} bytes at offset ${offset} of '${loc}', but that file has only ${file.size} bytes; the model or its data file is truncated or corrupt.`, {
          tensor: t.name,
          location: loc,
          offset,
          length,
          fileSize: file.size,
        });
      }
      if (length !== need) {
        badFile(`${where} has shape [${t.dims.join(', ')}] (${need} bytes) but its external data declares ${length} bytes; the file is corrupt.`, { tensor: t.name, length, expected: need });
      }
      total += length;
      if (total > max) {
        throw new GeolensError('BAD_FILE', `${source}: the model and its external data exceed the limit of ${max} bytes; raise maxBytes if the model really is that large.`, { maxBytes: max });
      }
      t.raw = readExact(file.fd, offset, length, `${where}: external data '${loc}'`);
      delete t.external;
    }
  } finally {
    for (const f of files.values()) closeSync(f.fd);
  }
  return model;
}

/**
 * Read and decode an .onnx file with bounded memory (the file size is checked against `maxBytes` before reading) and
 * resolve its external data inside the model's folder. Tensors that lived in external files come back as raw data.
 * Throws GeolensError: FILE_NOT_FOUND, BAD_FILE (malformed, truncated, too large, or external data out of bounds).
 */
export function loadModelFile(path: string, opts: LoadModelOptions = {}): ModelProto {
  const max = opts.maxBytes ?? DEFAULT_MAX_MODEL_BYTES;
  const bytes = readBounded(path, max, 'model file');
  let model: ModelProto;
  try {
    model = decodeModel(bytes, path);
  } catch (e) {
    const link = symlinkPlaceholder(bytes, path);
    if (link) {
      throw new GeolensError(
        'BAD_FILE',
        `${path} is not an ONNX model but a ${bytes.length}-byte text naming '${link}': a symbolic link stored as a plain file (links are lost by copies and archives that do not keep them, e.g. git with core.symlinks=false). Restore the link (ln -sf '${link}' '${path}') or give geolens the file it names.`,
        { path, link },
      );
    }
    throw e;
  }
  // external data lives next to the path as given (a symlinked model keeps its data next to the link)
  const folder = dirname(resolve(path));
  let linked: string[] = [];
  try {
    const realFolder = dirname(realpathSync(path));
    if (realFolder !== realpathSync(folder)) linked = [realFolder];
  } catch {
    linked = [];
  }
  return resolveExternalData(model, folder, { maxBytes: max, source: path, alreadyRead: bytes.byteLength, alsoInside: linked });
}

/** The path a small text file names when it is a symbolic link stored as a plain file, else undefined. */
function symlinkPlaceholder(bytes: Uint8Array, path: string): string | undefined {
  if (bytes.length === 0 || bytes.length > 1024) return undefined;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).trim();
  if (!/^[\w./@+~-]+$/.test(text) || !/[/\\]/.test(text)) return undefined;
  try {
    return statSyncSafe(resolve(dirname(path), text)) ? text : undefined;
  } catch {
    return undefined;
  }
}

function statSyncSafe(p: string): boolean {
  try {
    return lstatSync(p).isFile() || lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** `loadModelFile` then `importClassifier` (messages name the file). */
export function importModelFile(path: string, opts: LoadModelOptions & ImportOptions = {}): ImportedModel {
  const model = loadModelFile(path, opts);
  return importClassifier(model, { ...opts, source: opts.source ?? path });
}
