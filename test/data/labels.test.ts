/** labelsToClasses and the loaders that use it: every common label form becomes classes 0..K−1, the mapping recorded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsToClasses } from '../../src/data/labels.js';
import { encodeNpy } from '../../src/data/npy.js';
import { loadDataset } from '../../src/data/node.js';
import { GeolensError } from '../../src/errors.js';
import { tempDir } from './fixtures.js';

test('integers 0..K−1 are the classes; unused classes are reported', () => {
  const a = labelsToClasses([0, 2, 1, 2], 'y');
  assert.deepEqual([...a.y], [0, 2, 1, 2]);
  assert.equal(a.numClasses, 3);
  assert.equal(a.classNames, undefined);
  assert.deepEqual(a.notes, []);
  const gap = labelsToClasses([0, 3, 3, 1], 'y');
  assert.equal(gap.numClasses, 4);
  assert.match(gap.notes[0]!, /class 2 has no samples \(the labels run from 0 to 3\); a model trained on these labels has 4 outputs, 1 of them never trained/);
});

test('1..K shifts to 0..K−1; floats with whole values, bigints and digit strings count as integers', () => {
  const a = labelsToClasses([1, 3, 2, 3], 'y');
  assert.deepEqual([...a.y], [0, 2, 1, 2]);
  assert.deepEqual(a.classNames, ['1', '2', '3']);
  assert.match(a.notes[0]!, /labels 1\.\.3 mapped to classes 0\.\.2/);
  assert.deepEqual([...labelsToClasses([0, 1.0, 2.0], 'y').y], [0, 1, 2]);
  assert.deepEqual([...labelsToClasses([0n, 1n, 1n], 'y').y], [0, 1, 1]);
  assert.deepEqual([...labelsToClasses(['1', '2', '2'], 'y').y], [0, 1, 1]);
});

test('negative integers, booleans and strings become classes in order, with their names', () => {
  const pm = labelsToClasses([-1, 1, 1, -1], 'y');
  assert.deepEqual([...pm.y], [0, 1, 1, 0]);
  assert.deepEqual(pm.classNames, ['-1', '1']);
  const b = labelsToClasses([true, false, true], 'y');
  assert.deepEqual([...b.y], [1, 0, 1]);
  assert.deepEqual(b.classNames, ['false', 'true']);
  const s = labelsToClasses(['dog', 'cat', 'dog', 'émeu'], 'y');
  assert.deepEqual([...s.y], [1, 0, 1, 2]);
  assert.deepEqual(s.classNames, ['cat', 'dog', 'émeu']);
  assert.deepEqual(labelsToClasses(['0.5', '1.5', '0.5'], 'y').classNames, ['0.5', '1.5']);
});

test('non-integer numbers, NaN and empty labels are refused naming the sample', () => {
  assert.throws(() => labelsToClasses([0, 1.5], 'y.npy'), (e: unknown) => e instanceof GeolensError && /label 1\.5 at index 1 is not a whole number/.test(e.message) && /astype\(str\)/.test(e.message));
  assert.throws(() => labelsToClasses([0, NaN], 'y.npy'), /sample 1 is not a class/);
  assert.throws(() => labelsToClasses(['a', ' '], 'y.csv'), /sample 1 has an empty label/);
});

test('NPY labels: unicode and byte strings, bool, a float column vector, 1..K, and object arrays (read without running pickle)', async () => {
  const t = tempDir();
  try {
    const x = t.file('x.npy', encodeNpy({ data: new Float32Array(8), shape: [4, 2] }));
    const cases: [string, Uint8Array, number[], string[] | undefined][] = [
      ['u.npy', encodeNpy({ data: new Uint8Array(0), shape: [4], dtype: 'str', strings: ['b', 'a', 'b', 'c'] }), [1, 0, 1, 2], ['a', 'b', 'c']],
      ['bool.npy', encodeNpy({ data: Uint8Array.of(1, 0, 0, 1), shape: [4], dtype: 'b1' }), [1, 0, 0, 1], ['false', 'true']],
      ['col.npy', encodeNpy({ data: Float64Array.of(0, 1, 1, 0), shape: [4, 1] }), [0, 1, 1, 0], undefined],
      ['one.npy', encodeNpy({ data: BigInt64Array.of(1n, 2n, 2n, 1n), shape: [4] }), [0, 1, 1, 0], ['1', '2']],
    ];
    for (const [name, bytes, y, names] of cases) {
      const ds = await loadDataset(`npy:${x},${t.file(name, bytes)}`);
      assert.deepEqual([...ds.y], y, name);
      assert.deepEqual(ds.classNames, names, name);
    }
    // |S bytes strings, written by hand
    const header = "{'descr': '|S3', 'fortran_order': False, 'shape': (4,), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = header + ' '.repeat(pad) + '\n';
    const bytes = new Uint8Array(10 + h.length + 12);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
    bytes.set(new TextEncoder().encode(h), 10);
    bytes.set(new TextEncoder().encode('ca\0catdogcat'), 10 + h.length); // 'ca' NUL-padded to 3 bytes, then cat, dog, cat
    const sb = await loadDataset(`npy:${x},${t.file('s.npy', bytes)}`);
    assert.deepEqual(sb.classNames, ['ca', 'cat', 'dog']);
    // object arrays (np.save(path, np.array([...], dtype=object)), numpy 1.24), read without running pickle
    const x3 = t.file('x3.npy', encodeNpy({ data: new Float32Array(6), shape: [3, 2] }));
    const x2 = t.file('x2.npy', encodeNpy({ data: new Float32Array(4), shape: [2, 2] }));
    const objStr = t.file('os.npy', Buffer.from(OBJ_STRINGS, 'base64'));
    const os = await loadDataset(`npy:${x3},${objStr}`);
    assert.deepEqual([...os.y], [0, 1, 0]);
    assert.deepEqual(os.classNames, ['cat', 'dog']);
    const oi = await loadDataset(`npy:${x},${t.file('oi.npy', Buffer.from(OBJ_INTS, 'base64'))}`);
    assert.deepEqual([...oi.y], [0, 1, 1, 2]);
    assert.deepEqual(oi.classNames, ['1', '2', '3']);
    const ob = await loadDataset(`npy:${x2},${t.file('ob.npy', Buffer.from(OBJ_BOOLS, 'base64'))}`);
    assert.deepEqual([...ob.y], [1, 0]);
    const om = await loadDataset(`npy:${x3},${t.file('om.npy', Buffer.from(OBJ_MIXED, 'base64'))}`);
    assert.deepEqual(om.classNames, ['1', '2.5', 'a']);
    // a pickle that is not a plain object array is refused, and nothing is run
    const evil = Buffer.from(OBJ_STRINGS, 'base64');
    evil[evil.length - 2] = 0x69; // an INST opcode where BUILD stood
    await assert.rejects(loadDataset(`npy:${x3},${t.file('evil.npy', evil)}`), (e: unknown) => e instanceof GeolensError && /unsupported pickle opcode 0x69/.test(e.message));
  } finally {
    t.cleanup();
  }
});

// np.save of dtype=object arrays (numpy 1.24): ['cat', 'dog', 'cat'], [1, 2, 2, 3], [True, False], ['a', 1, 2.5]
const OBJ_STRINGS = 'k05VTVBZAQB2AHsnZGVzY3InOiAnfE8nLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqAA2NudW1weS5jb3JlLm11bHRpYXJyYXkKX3JlY29uc3RydWN0CnEAY251bXB5Cm5kYXJyYXkKcQFLAIVxAkMBYnEDh3EEUnEFKEsBSwOFcQZjbnVtcHkKZHR5cGUKcQdYAgAAAE84cQiJiIdxCVJxCihLA1gBAAAAfHELTk5OSv////9K/////0s/dHEMYoldcQ0oWAMAAABjYXRxDlgDAAAAZG9ncQ9oDmV0cRBiLg==';
const OBJ_INTS = 'k05VTVBZAQB2AHsnZGVzY3InOiAnfE8nLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoNCwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqAA2NudW1weS5jb3JlLm11bHRpYXJyYXkKX3JlY29uc3RydWN0CnEAY251bXB5Cm5kYXJyYXkKcQFLAIVxAkMBYnEDh3EEUnEFKEsBSwSFcQZjbnVtcHkKZHR5cGUKcQdYAgAAAE84cQiJiIdxCVJxCihLA1gBAAAAfHELTk5OSv////9K/////0s/dHEMYoldcQ0oSwFLAksCSwNldHEOYi4=';
const OBJ_BOOLS = 'k05VTVBZAQB2AHsnZGVzY3InOiAnfE8nLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqAA2NudW1weS5jb3JlLm11bHRpYXJyYXkKX3JlY29uc3RydWN0CnEAY251bXB5Cm5kYXJyYXkKcQFLAIVxAkMBYnEDh3EEUnEFKEsBSwKFcQZjbnVtcHkKZHR5cGUKcQdYAgAAAE84cQiJiIdxCVJxCihLA1gBAAAAfHELTk5OSv////9K/////0s/dHEMYoldcQ0oiIlldHEOYi4=';
const OBJ_MIXED = 'k05VTVBZAQB2AHsnZGVzY3InOiAnfE8nLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqAA2NudW1weS5jb3JlLm11bHRpYXJyYXkKX3JlY29uc3RydWN0CnEAY251bXB5Cm5kYXJyYXkKcQFLAIVxAkMBYnEDh3EEUnEFKEsBSwOFcQZjbnVtcHkKZHR5cGUKcQdYAgAAAE84cQiJiIdxCVJxCihLA1gBAAAAfHELTk5OSv////9K/////0s/dHEMYoldcQ0oWAEAAABhcQ5LAUdABAAAAAAAAGV0cQ9iLg==';
