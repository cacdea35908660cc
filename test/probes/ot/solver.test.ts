/**
 * The semi-discrete OT solver (pyOMT's algorithm on onnxruntime): closed forms in 1-D, exact power-cell areas in 2-D,
 * the energy along a seeded run, repeated codes, checkpoints and resume, and the Sobol sampler.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeEngine } from '../../../src/engine/node.js';
import { GeolensError } from '../../../src/errors.js';
import { Rng } from '../../../src/util/random.js';
import { initialSolverState, onStall, polygonArea } from '../../../src/probes/ot/compute.js';
import {
  adamStep,
  evaluatePotential,
  powerBoundaries1d,
  powerCells2d,
  inverseNormal,
  quantileTransport1d,
  quantileTransport1dFrom,
  SobolSequence,
  solveSemiDiscreteOt,
  type OtCheckpoint,
} from '../../../src/probes/ot/index.js';
import { loadOtCheckpoint, saveOtCheckpoint } from '../../../src/probes/ot/node.js';

const engine = createNodeEngine({ threads: 1 });

test('Sobol: the first points of the unscrambled sequence (Joe–Kuo directions), and jumping ahead gives the same points', () => {
  const s = new SobolSequence(3);
  const p = s.fill(0, 8, new Float64Array(24));
  // Gray-code order, as torch.quasirandom.SobolEngine(3).draw(8)
  assert.deepEqual(Array.from(p), [0, 0, 0, 0.5, 0.5, 0.5, 0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.375, 0.375, 0.625, 0.875, 0.875, 0.125, 0.625, 0.125, 0.875, 0.125, 0.625, 0.375]);
  const s64 = new SobolSequence(64);
  const all = s64.fill(0, 3000, new Float64Array(3000 * 64));
  const part = s64.fill(1789, 500, new Float64Array(500 * 64));
  assert.deepEqual(part, all.subarray(1789 * 64, 2289 * 64));
  // every 1-D projection of the first 2^k points is the set {j / 2^k}: each dyadic interval holds exactly one point
  const first = s64.fill(0, 1024, new Float64Array(1024 * 64));
  for (let k = 0; k < 64; k++) {
    const bins = new Uint8Array(1024);
    for (let i = 0; i < 1024; i++) bins[Math.floor(first[i * 64 + k]! * 1024)]!++;
    assert.ok(bins.every((b) => b === 1), `dimension ${k + 1}`);
  }
  assert.throws(() => new SobolSequence(1025), /--bottleneck/);
});

test('1-D: the power cells converge to the closed-form quantile transport (cell boundaries and h)', async (t) => {
  const y = Float32Array.from([-1, -0.3, 0.2, 0.5, 1.5, 2, 3.1, 4]);
  const sol = await solveSemiDiscreteOt(engine, { data: y, shape: [8, 1] }, { samples: 2 ** 14, tolerance: 2e-3, maxSteps: 2000 });
  t.diagnostic(`${sol.status} after ${sol.state.step} steps, max error ${sol.final.maxError}`);
  assert.equal(sol.status, 'converged');
  const ref = quantileTransport1d(sol.targets.y, sol.nu, sol.targets.lo[0]!, sol.targets.hi[0]!);
  const got = powerBoundaries1d(sol.targets.y, sol.state.h);
  // the van der Corput points resolve the unit interval to 2^-14; a cell-mass error of 2e-3/N moves a boundary by 2e-3/N
  for (let i = 0; i < 7; i++) assert.ok(Math.abs(got[i]! - ref.boundaries[i]!) < 2e-3 / 8 + 2 ** -13, `boundary ${i}: ${got[i]} vs ${ref.boundaries[i]}`);
  // h is determined up to a constant (both have mean 0): differences agree to (boundary error) × (target gap)
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(sol.state.h[i]! - ref.h[i]!) < 1e-3, `h_${i}: ${sol.state.h[i]} vs ${ref.h[i]}`);
});

test('1-D Gaussian source: the power cells converge to the quantile transport of N(mean, std²) (boundaries mean + std·Φ⁻¹(Σν), and h)', async (t) => {
  const y = Float32Array.from([-1, -0.3, 0.2, 0.5, 1.5, 2, 3.1, 4]);
  const sol = await solveSemiDiscreteOt(engine, { data: y, shape: [8, 1] }, { source: 'gaussian', samples: 2 ** 14, tolerance: 2e-3, maxSteps: 2000 });
  t.diagnostic(`${sol.status} after ${sol.state.step} steps, max error ${sol.final.maxError}`);
  assert.equal(sol.status, 'converged');
  const { mean, std } = sol.targets;
  // the source is the Gaussian with the codes' mean and (population) std, in normalised units
  const ny = Array.from(sol.targets.y);
  const m = ny.reduce((a, b) => a + b, 0) / 8;
  assert.ok(Math.abs(mean[0]! - m) < 1e-7 && Math.abs(std[0]! - Math.sqrt(ny.reduce((a, b) => a + (b - m) ** 2, 0) / 8)) < 1e-7);
  const ref = quantileTransport1dFrom(sol.targets.y, sol.nu, (p) => mean[0]! + std[0]! * inverseNormal(p));
  // a known value: the median boundary (Σν = 1/2) is the Gaussian's mean
  assert.ok(Math.abs(ref.boundaries[3]! - mean[0]!) < 1e-12);
  const got = powerBoundaries1d(sol.targets.y, sol.state.h);
  // a cell-mass error of ε/N moves a boundary by ε/N divided by the density there (≥ φ(Φ⁻¹(1/8))/std ≈ 0.21/std)
  for (let i = 0; i < 7; i++) {
    const density = Math.exp(-0.5 * ((ref.boundaries[i]! - mean[0]!) / std[0]!) ** 2) / (std[0]! * Math.sqrt(2 * Math.PI));
    assert.ok(Math.abs(got[i]! - ref.boundaries[i]!) < (2e-3 / 8 + 2 ** -13) / density, `boundary ${i}: ${got[i]} vs ${ref.boundaries[i]}`);
  }
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(sol.state.h[i]! - ref.h[i]!) < 2e-3, `h_${i}: ${sol.state.h[i]} vs ${ref.h[i]}`);
  // the Gaussian's cells differ from the uniform source's: the two closed forms are not the same transport
  const uni = quantileTransport1d(sol.targets.y, sol.nu, sol.targets.lo[0]!, sol.targets.hi[0]!);
  assert.ok(Math.abs(uni.boundaries[0]! - ref.boundaries[0]!) > 0.04 && Math.abs(got[0]! - uni.boundaries[0]!) > 0.04);
});

test('2-D: the cell measures converge to 1/N within the tolerance, and the exact areas of the power cells agree', async (t) => {
  const N = 16;
  const y = new Rng(4).fillNormal(new Float32Array(N * 2));
  const sol = await solveSemiDiscreteOt(engine, { data: y, shape: [N, 2] }, { samples: 2 ** 14, tolerance: 1e-2, maxSteps: 1000 });
  t.diagnostic(`${sol.status} after ${sol.state.step} steps: max error ${sol.final.maxError}, held-out ${sol.heldOut.maxError}`);
  assert.equal(sol.status, 'converged');
  assert.ok(sol.final.maxError < 1e-2);
  const { lo, hi } = sol.targets;
  const cells = powerCells2d(sol.targets.y, sol.state.h, [lo[0]!, lo[1]!], [hi[0]!, hi[1]!]);
  const box = (hi[0]! - lo[0]!) * (hi[1]! - lo[1]!);
  const areas = cells.map((c) => polygonArea(c) / box);
  assert.ok(Math.abs(areas.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'the cells partition the box');
  const exact = Math.max(...areas.map((a) => Math.abs(a - 1 / N) * N));
  t.diagnostic(`exact-area max error ${exact}`);
  // the Sobol estimate of 2^14 points is within a few 1e-3 of the exact area: the exact error stays below 3 × tolerance
  assert.ok(exact < 3e-2, `exact-area error ${exact}`);
  // and the cells the graph assigns are the polygons: the held-out error is of the same size
  assert.ok(sol.heldOut.maxError < 3e-2);
});

test('the energy decreases along a seeded run (in expectation: every 10-step window mean below the previous), and the solution minimises it', async (t) => {
  const N = 16;
  const y = new Rng(9).fillNormal(new Float32Array(N * 2));
  const sol = await solveSemiDiscreteOt(engine, { data: y, shape: [N, 2] }, { samples: 2 ** 14, tolerance: 1e-3, maxSteps: 120, init: 'zero', patience: 1000 });
  const e = sol.history.map((h) => h.energy);
  let ups = 0;
  for (let i = 1; i < e.length; i++) if (e[i]! > e[i - 1]!) ups++;
  t.diagnostic(`energy ${e[0]} → ${e[e.length - 1]}; ${ups} of ${e.length - 1} steps went up`);
  const windows: number[] = [];
  for (let s = 0; s + 10 <= e.length; s += 10) windows.push(e.slice(s, s + 10).reduce((a, b) => a + b, 0) / 10);
  for (let w = 1; w < windows.length; w++) assert.ok(windows[w]! <= windows[w - 1]! + 1e-9, `window ${w}: ${windows[w]} > ${windows[w - 1]}`);
  // convexity: the Monte-Carlo energy at the solved h is below its value at perturbed h (same samples)
  const total = sol.final.samples;
  const at = await evaluatePotential(engine, sol, sol.state.h, 0, total);
  assert.ok(Math.abs(at.energy - sol.final.energy) < 1e-9);
  const rng = new Rng(1);
  for (let k = 0; k < 5; k++) {
    const h = sol.state.h.map((v) => v + 0.01 * rng.normal());
    assert.ok((await evaluatePotential(engine, sol, h, 0, total)).energy >= at.energy - 1e-9);
  }
});

test('repeated codes are refused with a message that says what to do; merged, their target carries the summed mass', async () => {
  const y = Float32Array.from([0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 0.5, 0.5]); // code 4 repeats code 1
  await assert.rejects(solveSemiDiscreteOt(engine, { data: y, shape: [6, 2] }), (e: GeolensError) => e.code === 'BAD_ARGUMENT' && /1 of the 6 codes repeat/.test(e.message) && /--merge-duplicates/.test(e.message) && /\{1, 4\}/.test(e.message));
  const sol = await solveSemiDiscreteOt(engine, { data: y, shape: [6, 2] }, { mergeDuplicates: true, samples: 2 ** 14, tolerance: 1e-2, maxSteps: 2000 });
  assert.equal(sol.targets.n, 5);
  assert.deepEqual(Array.from(sol.targetOf), [0, 1, 2, 3, 1, 4]);
  assert.ok(Math.abs(sol.nu[1]! - 2 / 6) < 1e-15);
  assert.equal(sol.status, 'converged');
  const counts = (await evaluatePotential(engine, sol, sol.state.h, 0, sol.final.samples)).counts;
  assert.ok(Math.abs(counts[1]! / sol.final.samples - 2 / 6) < 1e-2 / 5);
  await assert.rejects(solveSemiDiscreteOt(engine, { data: new Float32Array(8).fill(3), shape: [4, 2] }, { mergeDuplicates: true }), /collapsed/);
});

test('checkpoints: a solve resumed from step 20 (through the safetensors file) ends bit-identically to an uninterrupted one; other codes are refused', async () => {
  const y = new Rng(5).fillNormal(new Float32Array(40));
  const opts = { samples: 4096, tolerance: 1e-6, maxSteps: 30, checkpointEvery: 10 };
  const seen: OtCheckpoint[] = [];
  const full = await solveSemiDiscreteOt(engine, { data: y, shape: [20, 2] }, { ...opts, onCheckpoint: (c) => void seen.push(c) });
  assert.deepEqual(seen.map((c) => c.state.step), [10, 20, 30, 30]);
  const dir = mkdtempSync(join(tmpdir(), 'geolens-ot-'));
  try {
    const file = join(dir, 'ot-potential.safetensors');
    await saveOtCheckpoint(file, seen[1]!);
    const back = await loadOtCheckpoint(file);
    assert.deepEqual(back.state.h, seen[1]!.state.h);
    assert.equal(back.history.length, 20); // steps 0…19 measured before the 20th update
    const resumed = await solveSemiDiscreteOt(engine, { data: y, shape: [20, 2] }, { ...opts, resume: back });
    assert.equal(resumed.resumedFrom, 20);
    assert.deepEqual(resumed.state.h, full.state.h);
    assert.deepEqual(resumed.history.map((h) => h.maxError), full.history.map((h) => h.maxError));
    const other = new Rng(6).fillNormal(new Float32Array(40));
    await assert.rejects(solveSemiDiscreteOt(engine, { data: other, shape: [20, 2] }, { ...opts, resume: back }), /written for other codes/);
    await assert.rejects(solveSemiDiscreteOt(engine, { data: y, shape: [20, 2] }, { ...opts, samples: 8192, resume: back }), /same --source and --samples/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('adamStep is pyOMT update_h: no bias correction, then h re-centred to mean 0', () => {
  const s = { h: Float64Array.of(0.5, -0.5, 0), m: new Float64Array(3), v: new Float64Array(3) };
  adamStep(s, Float64Array.of(0.1, -0.2, 0), 0.1);
  // first step: m = 0.1 g, v = 0.001 g² → Δh = −0.1 · 0.1 g / (√0.001 |g| + 1e−8) ≈ −0.316 sign(g)
  const raw = [0.5 - 0.1 * 0.01 / (Math.sqrt(0.001 * 0.01) + 1e-8), -0.5 + 0.1 * 0.02 / (Math.sqrt(0.001 * 0.04) + 1e-8), 0];
  const mean = (raw[0]! + raw[1]! + raw[2]!) / 3;
  raw.forEach((v, i) => assert.ok(Math.abs(s.h[i]! - (v - mean)) < 1e-12));
  assert.ok(Math.abs(s.h.reduce((a, b) => a + b, 0)) < 1e-12);
});

test('onStall: after `patience` steps without a better ‖g − ν‖₂ the rate halves (down to its floor); the batches double only while a cell gets fewer than 1/resolution samples', () => {
  const s = initialSolverState(4);
  const rule = { patience: 3, lrDecay: 0.5, minLrScale: 0.25, resolution: 0.01, samples: 100, cells: 4, maxBatches: 8 };
  assert.deepEqual(onStall(s, 1, rule), { stalled: false, doubled: false, decayed: false });
  onStall(s, 2, rule);
  onStall(s, 2, rule);
  // third step without improvement: a stall; 4 cells / 100 samples = 0.04 > 0.01, so the batches double
  assert.deepEqual(onStall(s, 2, rule), { stalled: true, doubled: true, decayed: true });
  assert.equal(s.lrScale, 0.5);
  assert.equal(s.batches, 2);
  assert.equal(s.bestNorm, Infinity);
  for (let k = 0; k < 2; k++) {
    onStall(s, 0.5, rule);
    onStall(s, 0.6, rule);
    onStall(s, 0.6, rule);
    onStall(s, 0.6, rule);
  }
  // the second stall doubles to 4 batches; at the third, 4 cells / 400 samples = 0.01 is not coarser than the
  // resolution: no more doubling (though maxBatches allows 8); the rate stops at its floor 0.25
  assert.equal(s.batches, 4);
  assert.equal(s.lrScale, 0.25);
  const more = onStall({ ...s, badSteps: 2, bestNorm: 0.1 }, 9, rule);
  assert.deepEqual(more, { stalled: true, doubled: false, decayed: false });
});
