/**
 * Cross-check of the NPY/NPZ parsers against files written by NumPy itself. Skipped (with the reason printed) when
 * python3 with numpy is not available.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadDataset } from '../../src/data/node.js';
import { parseNpy } from '../../src/data/npy.js';
import { parseNpz } from '../../src/data/npz.js';
import { assertGeolensError, tempDir } from './fixtures.js';

const probe = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : 'python3 with numpy not available';
if (skip) console.log(`skipping NumPy cross-check: ${skip}`);

const script = `
import numpy as np, sys, os
d = sys.argv[1]
a = (np.arange(24, dtype='<f4').reshape(2, 3, 4) / 7).astype('<f4')
np.save(os.path.join(d, 'f4.npy'), a)
for dt in ['<f8', '<i8', '<i4', '<i2', '<u2', '|u1', '|i1', '?']:
    np.save(os.path.join(d, 'a_' + np.dtype(dt).str.replace('<', 'l').replace('|', 'p') + '.npy'), (np.arange(6) % 3).astype(dt).reshape(3, 2))
for v in [(1, 0), (2, 0), (3, 0)]:
    with open(os.path.join(d, 'v%d.npy' % v[0]), 'wb') as f:
        np.lib.format.write_array(f, a, version=v)
np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(a))
np.save(os.path.join(d, 'big.npy'), a.astype('>f4'))
y = np.array([0, 1], dtype=np.int64)
np.savez(os.path.join(d, 'plain.npz'), x=a, y=y)
np.savez_compressed(os.path.join(d, 'comp.npz'), images=(a * 30).astype(np.uint8), labels=y)
`;

test('NPY/NPZ written by NumPy parse to the same values', { skip }, async () => {
  const t = tempDir();
  try {
    const run = spawnSync('python3', ['-c', script, t.dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const expect = Float32Array.from({ length: 24 }, (_, i) => Math.fround(i / 7));
    const f4 = parseNpy(readFileSync(path.join(t.dir, 'f4.npy')));
    assert.deepEqual(f4.shape, [2, 3, 4]);
    assert.deepEqual(f4.data, expect);
    for (const v of [1, 2, 3]) assert.deepEqual(parseNpy(readFileSync(path.join(t.dir, `v${v}.npy`))).data, expect);
    for (const [file, dtype] of [
      ['a_lf8', 'f8'], ['a_li8', 'i8'], ['a_li4', 'i4'], ['a_li2', 'i2'], ['a_lu2', 'u2'], ['a_pu1', 'u1'], ['a_pi1', 'i1'], ['a_pb1', 'b1'],
    ] as const) {
      const arr = parseNpy(readFileSync(path.join(t.dir, `${file}.npy`)), { name: file });
      assert.equal(arr.dtype, dtype);
      assert.deepEqual(arr.shape, [3, 2]);
      const vals = Array.from(arr.data as ArrayLike<number | bigint>, Number);
      assert.deepEqual(vals, dtype === 'b1' ? [0, 1, 1, 0, 1, 1] : [0, 1, 2, 0, 1, 2]);
    }
    await assertGeolensError(() => parseNpy(readFileSync(path.join(t.dir, 'fortran.npy')), { name: 'fortran.npy' }), 'BAD_FILE', 'Fortran');
    await assertGeolensError(() => parseNpy(readFileSync(path.join(t.dir, 'big.npy')), { name: 'big.npy' }), 'BAD_FILE', 'big-endian');
    const plain = parseNpz(readFileSync(path.join(t.dir, 'plain.npz')));
    assert.deepEqual(Object.keys(plain).sort(), ['x', 'y']);
    const ds = await loadDataset(`npz:${path.join(t.dir, 'plain.npz')}`);
    assert.deepEqual(ds.x.data, expect);
    assert.deepEqual(ds.sampleShape, [3, 4]);
    const comp = await loadDataset(`npz:${path.join(t.dir, 'comp.npz')}`);
    assert.deepEqual(ds.y, comp.y);
    assert.deepEqual(comp.x.data[23], Math.fround(Math.floor((23 / 7) * 30) / 255));
  } finally {
    t.cleanup();
  }
});
