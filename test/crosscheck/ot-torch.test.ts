/**
 * Cross-check of the OT probe's pieces against PyTorch (torch 1.13 from Debian's python3-torch): the Sobol sampler
 * against torch.quasirandom.SobolEngine (pyOMT's sampler) in 64 dimensions, and one pyOMT step (cell histogram by
 * torch.mm + max + bincount, Adam update_h) against solveSemiDiscreteOt's first step on the same targets and points.
 *
 * Skipped, with the reason printed, when /usr/bin/python3 has no torch (apt-get install -y python3-torch).
 * Run: node --import tsx --test test/crosscheck/ot-torch.test.ts
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeEngine } from '../../src/engine/node.js';
import { SobolSequence, solveSemiDiscreteOt } from '../../src/probes/ot/index.js';
import { Rng } from '../../src/util/random.js';

const PYTHON = process.env.GEOLENS_PYTHON ?? '/usr/bin/python3';

function skipReason(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found (${r.error.message}); install with: apt-get install -y python3-torch`;
  if (r.status !== 0) return `${PYTHON} has no torch/numpy (${(r.stderr || '').trim().split('\n').pop()}); install with: apt-get install -y python3-torch`;
  return undefined;
}
const skip = skipReason();
if (skip) console.log(`# skipping the OT crosscheck: ${skip}`);

function python(code: string, dir: string): string {
  const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', cwd: dir });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

test('Sobol points = torch.quasirandom.SobolEngine(64, scramble=False).draw(n), bit for bit', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'geolens-sobol-'));
  try {
    const n = 4096;
    const ours = new SobolSequence(64).fill(0, n, new Float64Array(n * 64));
    writeFileSync(join(dir, 'ours.bin'), Buffer.from(ours.buffer));
    const out = python(`
import numpy as np, torch
a = np.fromfile('ours.bin', dtype=np.float64).reshape(${n}, 64)
t = torch.quasirandom.SobolEngine(64, scramble=False).draw(${n}, dtype=torch.float64).numpy()
print(np.abs(a - t).max())`, dir);
    assert.equal(Number(out.trim()), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("one pyOMT step in PyTorch (cube source, h = 0) gives the same histogram and the same h as geolens' first step", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geolens-pyomt-'));
  try {
    const N = 50;
    const d = 3;
    const M = 8192;
    // targets whose bounding box is exactly [−½, ½]^3, so that geolens' normalisation is the identity and its
    // uniform source is pyOMT's cube
    const y = new Rng(2).fillUniform(new Float32Array(N * d), -0.5, 0.5);
    for (let k = 0; k < d; k++) {
      y[k] = -0.5;
      y[d + k] = 0.5;
    }
    const sol = await solveSemiDiscreteOt(createNodeEngine({ threads: 1 }), { data: y, shape: [N, d] }, { samples: M, maxSteps: 1, lr: 0.1, init: 'zero', tolerance: 1e-9 });
    assert.equal(sol.targets.scale, 1);
    writeFileSync(join(dir, 'y.bin'), Buffer.from(y.buffer));
    const out = python(`
import numpy as np, torch, json
P = torch.from_numpy(np.fromfile('y.bin', dtype=np.float32).reshape(${N}, ${d}))
X = torch.quasirandom.SobolEngine(${d}).draw(${M}, dtype=torch.float64).float() - 0.5
U = torch.mm(P, X.t())                      # h = 0
ind = torch.max(U, 0)[1]
g = torch.bincount(ind, minlength=${N}).double() / ${M}
gf = g.float() - 1.0 / ${N}
m = 0.1 * gf; v = 0.001 * gf * gf
h = -0.1 * m / (torch.sqrt(v) + 1e-8); h -= h.mean()
print(json.dumps({"counts": (g * ${M}).round().long().tolist(), "h": h.tolist()}))`, dir);
    const ref = JSON.parse(out) as { counts: number[]; h: number[] };
    const ours = sol.history[0]!;
    const g0 = ref.counts.map((c) => c / M);
    const maxError = Math.max(...g0.map((g) => Math.abs(g - 1 / N))) * N;
    assert.ok(Math.abs(ours.maxError - maxError) < 1e-12, `max error ${ours.maxError} vs ${maxError}`);
    // geolens does the update in float64, pyOMT in float32
    ref.h.forEach((v, i) => assert.ok(Math.abs(sol.state.h[i]! - v) < 1e-5, `h_${i}: ${sol.state.h[i]} vs ${v}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
