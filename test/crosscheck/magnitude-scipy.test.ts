/**
 * Cross-check of the magnitude function against SciPy (Debian's python3-scipy): random clouds of several sizes and
 * dimensions (n = 30 … 400, so both the JS and the onnxruntime paths of geolens run), magnitudes at geolens' own
 * scales (t_conv and a 12-scale linear grid) by both geolens solvers and by cho_factor / cho_solve on cdist distances,
 * as magnipy computes them. Agreement: |geolens − SciPy| ≤ 1e-9·|SciPy| at every scale.
 *
 * Skipped, with the reason printed, when /usr/bin/python3 has no scipy (apt-get install -y python3-scipy).
 * Run: node --import tsx --test test/crosscheck/magnitude-scipy.test.ts
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeEngine } from '../../src/engine/node.js';
import { runMagnitude } from '../../src/probes/magnitude/run.js';
import type { MagnitudeResult } from '../../src/probes/magnitude/types.js';
import { Rng } from '../../src/util/random.js';

const PYTHON = process.env.GEOLENS_PYTHON ?? '/usr/bin/python3';
const HERE = dirname(fileURLToPath(import.meta.url));
const TOL = 1e-9;

function skipReason(): string | false {
  const r = spawnSync(PYTHON, ['-c', 'import scipy, numpy; print(scipy.__version__)'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found (${r.error.message}); install with: apt-get install -y python3-scipy`;
  if (r.status !== 0) return `${PYTHON} has no scipy/numpy (${(r.stderr || '').trim().split('\n').pop()}); install with: apt-get install -y python3-scipy`;
  return false;
}
const skip = skipReason();
if (skip) console.log(`skipping the SciPy magnitude cross-check: ${skip}`);

const engine = createNodeEngine({ threads: 2 });
after(() => engine.dispose());

const CLOUDS: { n: number; d: number; seed: number; kind: 'gaussian' | 'uniform' }[] = [
  { n: 30, d: 2, seed: 1, kind: 'uniform' },
  { n: 120, d: 5, seed: 2, kind: 'gaussian' },
  { n: 250, d: 3, seed: 3, kind: 'uniform' },
  { n: 400, d: 20, seed: 4, kind: 'gaussian' },
];

test('the magnitude function of random clouds matches SciPy cho_factor/cho_solve to 1e-9 (both solvers)', { skip }, async () => {
  const clouds = CLOUDS.map((c) => {
    const rng = new Rng(c.seed);
    const x = c.kind === 'gaussian' ? rng.fillNormal(new Float64Array(c.n * c.d)) : rng.fillUniform(new Float64Array(c.n * c.d), 0, 1);
    return { ...c, x };
  });
  const ours: { ch: MagnitudeResult; cg: MagnitudeResult }[] = [];
  for (const c of clouds) {
    const points = { kind: 'points' as const, points: { data: c.x, shape: [c.n, c.d] }, name: `${c.kind} ${c.n}×${c.d}` };
    const ch = (await runMagnitude(engine, points, { scales: 12 })).result;
    const cg = (await runMagnitude(engine, points, { scales: 12, solver: 'cg' })).result;
    ours.push({ ch, cg });
  }
  const req = {
    clouds: clouds.map((c, i) => ({
      x: Array.from({ length: c.n }, (_, p) => Array.from(c.x.subarray(p * c.d, (p + 1) * c.d))),
      scales: [...ours[i]!.ch.scales, ...ours[i]!.cg.scales],
    })),
  };
  const r = spawnSync(PYTHON, [join(HERE, 'magnitude_scipy.py')], { input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  const scipy = JSON.parse(r.stdout) as { magnitude: number[][]; scipy: string };
  let worst = 0;
  clouds.forEach((c, i) => {
    const { ch, cg } = ours[i]!;
    const ref = scipy.magnitude[i]!;
    const mine = [...ch.magnitude, ...cg.magnitude];
    mine.forEach((m, k) => {
      const err = Math.abs(m - ref[k]!) / Math.abs(ref[k]!);
      worst = Math.max(worst, err);
      assert.ok(err <= TOL, `${c.kind} n=${c.n} d=${c.d} ${k < ch.magnitude.length ? 'cholesky' : 'cg'} t=${[...ch.scales, ...cg.scales][k]}: ${m} vs SciPy ${ref[k]} (rel ${err.toExponential(1)})`);
    });
  });
  console.log(`magnitude vs SciPy ${scipy.scipy}: worst relative difference ${worst.toExponential(2)} over ${clouds.length} clouds × 2 solvers × 12 scales`);
});
