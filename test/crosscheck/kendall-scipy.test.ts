/**
 * Kendall's τ-b of geolens (studies/generalisation/kendall.ts) against scipy.stats.kendalltau (Debian's
 * python3-scipy) on random samples with and without ties. Skipped, with the reason printed, when /usr/bin/python3 has
 * no SciPy (apt-get install -y python3-scipy).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kendallTau } from '../../src/studies/generalisation/kendall.js';
import { Rng } from '../../src/util/random.js';

const PYTHON = process.env.GEOLENS_PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import scipy.stats'], { encoding: 'utf8' });
const reason = probe.error ? `${PYTHON} not found; install with: apt-get install -y python3-scipy` : probe.status !== 0 ? `${PYTHON} has no SciPy; install with: apt-get install -y python3-scipy` : undefined;
if (reason) console.log(`# crosscheck skipped: ${reason}`);

test('kendallTau equals scipy.stats.kendalltau (τ-b) on 30 random pairs of samples, with and without ties, to 1e-12', reason ? { skip: reason } : {}, () => {
  const rng = new Rng(11);
  const cases: { x: number[]; y: number[] }[] = [];
  for (let c = 0; c < 30; c++) {
    const m = 5 + Math.floor(rng.uniform() * 40);
    const tied = c % 2 === 0;
    const x = Array.from({ length: m }, () => (tied ? Math.floor(rng.uniform() * 4) : rng.normal()));
    const y = x.map((v) => (tied ? Math.floor(rng.uniform() * 3) + (v > 1 ? 1 : 0) : v + rng.normal()));
    cases.push({ x, y });
  }
  const py = spawnSync(PYTHON, ['-c', 'import json,sys; from scipy.stats import kendalltau\nprint(json.dumps([kendalltau(c["x"], c["y"])[0] for c in json.load(sys.stdin)]))'], { input: JSON.stringify(cases), encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const ref = JSON.parse(py.stdout) as (number | null)[];
  let worst = 0;
  cases.forEach((c, i) => {
    const ours = kendallTau(c.x, c.y);
    const theirs = ref[i];
    if (theirs === null || theirs === undefined || Number.isNaN(theirs)) return assert.ok(Number.isNaN(ours));
    worst = Math.max(worst, Math.abs(ours - theirs));
  });
  console.log(`# kendallTau vs scipy: max |Δτ| = ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-12, `max |Δτ| = ${worst}`);
});
