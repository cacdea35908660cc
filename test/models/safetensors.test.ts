import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeolensError } from '../../src/errors.js';
import { decodeSafetensors, encodeSafetensors, floatTensor, type SafetensorsInput } from '../../src/models/safetensors.js';
import { readSafetensorsFile, writeFileAtomic, writeSafetensorsFile } from '../../src/models/node.js';
import { Rng } from '../../src/util/random.js';

function sample(): Record<string, SafetensorsInput> {
  const rng = new Rng(7);
  return {
    'layer1.weight': { data: rng.fillNormal(new Float32Array(12)), shape: [3, 4] },
    'layer1.bias': { data: Float32Array.of(0.5, -1.25, 3), shape: [3] },
    'stats.f64': { data: rng.fillNormal(new Float64Array(5)), shape: [5] },
    labels: { data: Int32Array.of(-1, 0, 2147483647, -2147483648), shape: [2, 2] },
    step: { data: BigInt64Array.of(-5n, 9007199254740993n), shape: [2] },
    mask: { data: Uint8Array.of(1, 0, 255), shape: [3] },
    scalar: { data: Float32Array.of(42), shape: [] },
    empty: { data: new Float32Array(0), shape: [0, 7] },
  };
}

function expectBadFile(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeSafetensors(bytes, 'hostile.safetensors'),
    (e: unknown) => e instanceof GeolensError && e.code === 'BAD_FILE' && e.message.includes('hostile.safetensors') && pattern.test(e.message),
  );
}

/** A file with a hand-written header (padded to 8 bytes) and data buffer. */
function rawFile(header: string, data: Uint8Array = new Uint8Array(0), headerLen?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('round trip of every supported array type, shapes and metadata', () => {
  const input = sample();
  const bytes = encodeSafetensors(input, { format: 'pt', note: 'ünïcödé ✓' });
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual({ ...metadata }, { format: 'pt', note: 'ünïcödé ✓' });
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(input).sort());
  const dtypes: Record<string, string> = { 'layer1.weight': 'F32', 'layer1.bias': 'F32', 'stats.f64': 'F64', labels: 'I32', step: 'I64', mask: 'U8', scalar: 'F32', empty: 'F32' };
  for (const [name, t] of Object.entries(input)) {
    const r = tensors[name]!;
    assert.equal(r.dtype, dtypes[name], name);
    assert.deepEqual(r.shape, t.shape, name);
    assert.equal(r.data.constructor, t.data.constructor, name);
    assert.deepEqual(r.data, t.data, name);
  }
  const w = floatTensor({ tensors, metadata }, 'layer1.weight');
  assert.deepEqual(w.shape, [3, 4]);
  assert.throws(() => floatTensor({ tensors, metadata }, 'labels'), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_FILE');
  assert.throws(() => floatTensor({ tensors, metadata }, 'nope'), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_FILE');
});

test('explicit dtypes (BOOL, F16, BF16) and subarray views round trip', () => {
  const big = Float32Array.from({ length: 10 }, (_, i) => i);
  const view = big.subarray(3, 7);
  const bytes = encodeSafetensors({
    b: { data: Uint8Array.of(1, 0, 1), shape: [3], dtype: 'BOOL' },
    h: { data: Uint16Array.of(0x3c00, 0xc000), shape: [2], dtype: 'F16' },
    bf: { data: Uint16Array.of(0x3f80), shape: [1], dtype: 'BF16' },
    v: { data: view, shape: [2, 2] },
  });
  const { tensors } = decodeSafetensors(bytes);
  assert.equal(tensors['b']!.dtype, 'BOOL');
  assert.equal(tensors['h']!.dtype, 'F16');
  assert.deepEqual(tensors['h']!.data, Uint16Array.of(0x3c00, 0xc000));
  assert.equal(tensors['bf']!.dtype, 'BF16');
  assert.deepEqual(tensors['v']!.data, Float32Array.of(3, 4, 5, 6));
  // dtype incompatible with the array type
  assert.throws(() => encodeSafetensors({ x: { data: new Float32Array(2), shape: [2], dtype: 'F64' } }), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_ARGUMENT');
});

test('encode rejects bad input', () => {
  const code = (c: string) => (e: unknown) => e instanceof GeolensError && e.code === c;
  assert.throws(() => encodeSafetensors({ x: { data: new Float32Array(5), shape: [2, 3] } }), code('BAD_SHAPE'));
  assert.throws(() => encodeSafetensors({ x: { data: new Float32Array(0), shape: [-1] } }), code('BAD_SHAPE'));
  assert.throws(() => encodeSafetensors({ x: { data: new Float32Array(2), shape: [2.5] } }), code('BAD_SHAPE'));
  assert.throws(() => encodeSafetensors({ __metadata__: { data: new Float32Array(1), shape: [1] } }), code('BAD_ARGUMENT'));
  assert.throws(() => encodeSafetensors({}, { n: 3 as unknown as string }), code('BAD_ARGUMENT'));
});

test('byte-exact determinism: sorted layout, 8-byte aligned space padding, known bytes', () => {
  const a = encodeSafetensors(sample(), { b: '2', a: '1' });
  const reordered = Object.fromEntries(Object.entries(sample()).reverse());
  const b = encodeSafetensors(reordered, { a: '1', b: '2' });
  assert.deepEqual(a, b);

  // golden file, checked against the format description by hand
  const g = encodeSafetensors({ b: { data: Float32Array.of(1, 2), shape: [2] }, a: { data: Int32Array.of(7), shape: [1, 1] } }, { k: 'v' });
  const json = '{"__metadata__":{"k":"v"},"a":{"dtype":"I32","shape":[1,1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
  const n = Math.ceil(json.length / 8) * 8;
  const headerLen = new DataView(g.buffer).getBigUint64(0, true);
  assert.equal(headerLen, BigInt(n));
  assert.equal(n % 8, 0);
  assert.equal(new TextDecoder().decode(g.subarray(8, 8 + n)), json + ' '.repeat(n - json.length));
  const data = g.subarray(8 + n);
  assert.deepEqual([...data], [7, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
  assert.equal(g.length, 8 + n + 12);

  // empty file: header "{}" padded to 8
  const e = encodeSafetensors({});
  assert.deepEqual([...e], [8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual(Object.keys(decodeSafetensors(e).tensors), []);
});

test('names that are JavaScript-special survive (no prototype pollution)', () => {
  const bytes = encodeSafetensors({ __proto__x: { data: Float32Array.of(1), shape: [1] }, constructor: { data: Float32Array.of(2), shape: [1] } });
  const { tensors } = decodeSafetensors(bytes);
  assert.deepEqual(tensors['constructor']!.data, Float32Array.of(2));
  const evil = rawFile('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(Float32Array.of(5).buffer));
  const r = decodeSafetensors(evil);
  assert.deepEqual(Object.keys(r.tensors), ['__proto__']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(r.tensors, '__proto__')!.value.data, Float32Array.of(5));
  assert.equal(({} as Record<string, unknown>)['dtype'], undefined);
});

test('hostile inputs are rejected with BAD_FILE naming the source and the problem', () => {
  const f32 = (n: number) => new Uint8Array(new Float32Array(n).buffer);
  expectBadFile(new Uint8Array(5), /fewer than the 8-byte/);
  // header length beyond the file, including absurd 64-bit values (no allocation of that size)
  expectBadFile(rawFile('{}      ', undefined, 1n), /must start with/);
  expectBadFile(rawFile('{"a":1} ', undefined, 4n), /not valid JSON/);
  expectBadFile(rawFile('{}', undefined, 100n), /runs past the end/);
  expectBadFile(rawFile('{}', undefined, 0xffffffffffffffffn), /runs past the end/);
  expectBadFile(rawFile('{}', undefined, 0x8000000000000000n), /runs past the end/);
  // header content
  expectBadFile(rawFile('[1,2,3] '), /must start with/);
  expectBadFile(rawFile('  {}    '), /must start with/);
  expectBadFile(rawFile('{"a":1'), /not valid JSON/);
  const badUtf8 = rawFile('{"a":"xx"}');
  badUtf8[14] = 0xff;
  expectBadFile(badUtf8, /UTF-8/);
  expectBadFile(rawFile('{"a":[1]}'), /not described by an object/);
  expectBadFile(rawFile('{"__metadata__":{"k":1}}'), /metadata 'k' is not a string/);
  expectBadFile(rawFile('{"__metadata__":[]}'), /__metadata__/);
  // dtype
  expectBadFile(rawFile('{"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}', f32(1)), /unknown dtype "F33"/);
  expectBadFile(rawFile('{"a":{"shape":[1],"data_offsets":[0,4]}}', f32(1)), /unknown dtype/);
  expectBadFile(rawFile('{"a":{"dtype":"toString","shape":[1],"data_offsets":[0,4]}}', f32(1)), /unknown dtype/);
  // shape
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', f32(1)), /invalid shape/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}', f32(1)), /invalid shape/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}', f32(1)), /invalid shape/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', f32(1)), /shape \[2\] of F32 \(8 bytes\).*span 4/);
  expectBadFile(rawFile('{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,4]}}', f32(1)), /span 4 bytes/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}', f32(1)), /\(316912650057057350374175801344 bytes\)/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}', f32(1)), /invalid shape/);
  // offsets
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}', f32(1)), /outside the 4-byte data buffer/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', f32(1)), /outside/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}', f32(1)), /invalid data_offsets/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}', f32(1)), /invalid data_offsets/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,1e20]}}', f32(1)), /invalid data_offsets/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', f32(3)), /'a' and 'b' overlap/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32(1)), /overlap/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32(2)), /bytes \[0, 4\) .* belong to no tensor/);
  expectBadFile(rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32(2)), /4 trailing bytes/);
  // truncation of a valid file at every length
  const good = encodeSafetensors(sample(), { m: 'x' });
  for (let len = 0; len < good.length; len++) {
    assert.throws(() => decodeSafetensors(good.subarray(0, len), 'cut'), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_FILE', `length ${len}`);
  }
});

test('fuzz: random corruptions decode or throw BAD_FILE, never anything else', () => {
  const good = encodeSafetensors(sample(), { m: 'x' });
  const rng = new Rng(123);
  let rejected = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const b = good.slice();
    const k = 1 + rng.int(4);
    for (let j = 0; j < k; j++) {
      // bias the mutations towards the length prefix and the header
      const pos = rng.uniform() < 0.8 ? rng.int(Math.min(b.length, 8 + 400)) : rng.int(b.length);
      b[pos] = rng.uniform() < 0.5 ? rng.int(256) : '0123456789[]{},":-'.charCodeAt(rng.int(18));
    }
    try {
      const r = decodeSafetensors(b, 'fuzz');
      let total = 0;
      for (const t of Object.values(r.tensors)) total += t.data.byteLength;
      assert.ok(total <= b.length);
    } catch (e) {
      assert.ok(e instanceof GeolensError && e.code === 'BAD_FILE', `trial ${trial}: ${String(e)}`);
      rejected++;
    }
  }
  assert.ok(rejected > 1000);
});

test('a hand-padded file written by another writer (tensor order differs from name order) is read', () => {
  // Tensors listed and laid out in reverse name order, header padded with spaces: any valid layout must decode.
  const bData = new Uint8Array(Float64Array.of(Math.PI).buffer);
  const aData = new Uint8Array(Int32Array.of(3, 4).buffer);
  const data = new Uint8Array(16);
  data.set(bData, 0);
  data.set(aData, 8);
  let header = '{"b":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"a":{"data_offsets":[8,16],"shape":[2],"dtype":"I32"},"__metadata__":null}';
  header += ' '.repeat((8 - (header.length % 8)) % 8);
  const r = decodeSafetensors(rawFile(header, data));
  assert.deepEqual(r.tensors['b']!.data, Float64Array.of(Math.PI));
  assert.deepEqual(r.tensors['b']!.shape, []);
  assert.deepEqual(r.tensors['a']!.data, Int32Array.of(3, 4));
  assert.deepEqual({ ...r.metadata }, {});
});

test('files: writeSafetensorsFile/readSafetensorsFile and writeFileAtomic', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'geolens-st-'));
  try {
    const p = join(dir, 'w.safetensors');
    await writeSafetensorsFile(p, sample(), { step: '3' });
    const r = await readSafetensorsFile(p);
    assert.equal(r.metadata['step'], '3');
    assert.deepEqual(r.tensors['layer1.bias']!.data, Float32Array.of(0.5, -1.25, 3));
    assert.deepEqual(new Uint8Array(await readFile(p)), encodeSafetensors(sample(), { step: '3' }));
    // overwrite atomically; no temporary files left behind
    await writeSafetensorsFile(p, { x: { data: Float32Array.of(1), shape: [1] } });
    assert.deepEqual(Object.keys((await readSafetensorsFile(p)).tensors), ['x']);
    await writeFileAtomic(join(dir, 'a.json'), '{"ok":true}\n');
    assert.equal(await readFile(join(dir, 'a.json'), 'utf8'), '{"ok":true}\n');
    assert.deepEqual((await readdir(dir)).sort(), ['a.json', 'w.safetensors']);
    // errors
    await assert.rejects(readSafetensorsFile(join(dir, 'missing.safetensors')), (e: unknown) => e instanceof GeolensError && e.code === 'FILE_NOT_FOUND');
    await assert.rejects(writeFileAtomic(join(dir, 'no', 'such', 'dir.bin'), 'x'), (e: unknown) => e instanceof GeolensError && e.code === 'FILE_NOT_FOUND');
    await writeFile(join(dir, 'junk.safetensors'), 'not a safetensors file at all');
    await assert.rejects(readSafetensorsFile(join(dir, 'junk.safetensors')), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_FILE' && e.message.includes('junk.safetensors'));
    // renaming over a directory fails: the temporary file is cleaned up
    await mkdir(join(dir, 'adir'));
    await assert.rejects(writeFileAtomic(join(dir, 'adir'), 'x'), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_FILE' && e.message.includes('adir'));
    assert.deepEqual((await readdir(dir)).sort(), ['a.json', 'adir', 'junk.safetensors', 'w.safetensors']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const PY = '/usr/bin/python3';
/** An independent reader/writer with numpy only (the `safetensors` package is not installable offline here). */
const PY_SCRIPT = String.raw`
import json, struct, sys
import numpy as np
DT = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "U8": "u1", "BOOL": "?", "F16": "<f2", "I8": "i1", "I16": "<i2", "U16": "<u2", "U32": "<u4", "U64": "<u8"}
def read(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0, "header length not a multiple of 8"
    hdr_bytes = raw[8:8 + n]
    assert hdr_bytes.rstrip(b" ") == hdr_bytes.rstrip(), "padding is not spaces"
    hdr = json.loads(hdr_bytes.decode("utf-8"))
    meta = hdr.pop("__metadata__", {}) or {}
    buf = raw[8 + n:]
    out = {}
    spans = sorted(tuple(v["data_offsets"]) for v in hdr.values())
    pos = 0
    for b, e in spans:
        assert b == pos, "hole or overlap"
        pos = e
    assert pos == len(buf), "trailing bytes"
    for k, v in hdr.items():
        b, e = v["data_offsets"]
        a = np.frombuffer(buf[b:e], dtype=DT[v["dtype"]]).reshape(v["shape"])
        out[k] = {"dtype": v["dtype"], "shape": list(a.shape), "values": [(str(x) if a.dtype.itemsize == 8 else int(x)) if a.dtype.kind in "iub" else float(x) for x in a.ravel()]}
    return {"metadata": meta, "tensors": out}
def write(path):
    # reference-style layout: larger alignment first, then name; compact JSON; space padding
    ts = {"w": np.arange(6, dtype="<f4").reshape(2, 3) / 4, "d": np.array([1e-300, -2.5], dtype="<f8"),
          "i": np.array([[1, -2]], dtype="<i8"), "m": np.array([True, False, True])}
    order = sorted(ts, key=lambda k: (-ts[k].dtype.alignment, k))
    names = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64", np.dtype("<i8"): "I64", np.dtype("bool"): "BOOL"}
    hdr, pos, blobs = {"__metadata__": {"from": "python"}}, 0, []
    for k in order:
        b = ts[k].tobytes()
        hdr[k] = {"dtype": names[ts[k].dtype], "shape": list(ts[k].shape), "data_offsets": [pos, pos + len(b)]}
        pos += len(b); blobs.append(b)
    h = json.dumps(hdr, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    open(path, "wb").write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
if sys.argv[1] == "read":
    print(json.dumps(read(sys.argv[2])))
else:
    write(sys.argv[2])
`;

function pythonSkipReason(): string | undefined {
  if (!existsSync(PY)) return `${PY} is absent`;
  const r = spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' });
  if (r.status !== 0) return `numpy is not importable by ${PY} (apt-get install -y python3-numpy)`;
  return undefined;
}

test('cross-check with an independent Python/numpy reader and writer', async (t) => {
  const reason = pythonSkipReason();
  if (reason) {
    console.log(`# skipping the Python cross-check: ${reason}`);
    t.skip(reason);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'geolens-st-py-'));
  try {
    const script = join(dir, 'st.py');
    await writeFile(script, PY_SCRIPT);
    // geolens writes, Python reads
    const p = join(dir, 'ours.safetensors');
    const input = sample();
    await writeSafetensorsFile(p, input, { format: 'pt', note: 'ünïcödé' });
    const r = spawnSync(PY, [script, 'read', p], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }> };
    assert.deepEqual(got.metadata, { format: 'pt', note: 'ünïcödé' });
    assert.deepEqual(Object.keys(got.tensors).sort(), Object.keys(input).sort());
    for (const [name, t] of Object.entries(input)) {
      const g = got.tensors[name]!;
      assert.deepEqual(g.shape, t.shape, name);
      if (t.data instanceof BigInt64Array) assert.deepEqual(g.values.map((v) => BigInt(v)), [...t.data], name); // I64 as decimal strings: exact
      else assert.deepEqual(g.values, [...(t.data as Float32Array)], name);
    }
    // Python writes (reference-style layout), geolens reads
    const q = join(dir, 'theirs.safetensors');
    const w = spawnSync(PY, [script, 'write', q], { encoding: 'utf8' });
    assert.equal(w.status, 0, w.stderr);
    const ours = await readSafetensorsFile(q);
    assert.deepEqual({ ...ours.metadata }, { from: 'python' });
    assert.deepEqual(ours.tensors['w']!.data, Float32Array.from([0, 1, 2, 3, 4, 5], (v) => v / 4));
    assert.deepEqual(ours.tensors['w']!.shape, [2, 3]);
    assert.deepEqual(ours.tensors['d']!.data, Float64Array.of(1e-300, -2.5));
    assert.deepEqual(ours.tensors['i']!.data, BigInt64Array.of(1n, -2n));
    assert.deepEqual(ours.tensors['i']!.shape, [1, 2]);
    assert.equal(ours.tensors['m']!.dtype, 'BOOL');
    assert.deepEqual(ours.tensors['m']!.data, Uint8Array.of(1, 0, 1));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
