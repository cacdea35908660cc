import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainCommand } from '../../src/cli/train.js';
import { main } from '../../src/cli/main.js';
import { dimCommand, splitCompareList } from '../../src/cli/probe-dim.js';
import { batchedEvaluator } from '../../src/probes/dim/evaluator.js';
import type { DimDistancesResult, DimResult, DimWalksResult } from '../../src/probes/dim/types.js';
import { openTarget, probeData } from '../../src/measure/node.js';
import { buildInputJacobian } from '../../src/autodiff/jacobian.js';
import { inputJacobian } from '../../src/measure/jacobians.js';
import { createNodeEngine, defaultEngine } from '../../src/engine/node.js';
import { selectSamples } from '../../src/data/split.js';
import type { Dataset } from '../../src/data/types.js';
import { dimSpectrum } from '../../src/probes/dim/compute.js';
import {
  addGaussianNoise,
  applyDatasetTransform,
  invertDataset,
  parseDatasetTransform,
  rotateDataset,
  uniformNoiseDataset,
} from '../../src/data/shifts.js';
import { GeolensError } from '../../src/errors.js';
import { minMax, pathChart } from '../../src/report/charts/index.js';

const MNIST = '/work/shared/data/mnist';
const root = mkdtempSync(join(tmpdir(), 'geolens-probe-dim-'));
const run = join(root, 'moons');
const sink = (): { lines: string[]; out: (l: string) => void } => {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l) };
};
const readJson = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;

/** Run `main` with console.error captured; returns the exit code and what went to stderr. */
async function mainCaptured(argv: string[]): Promise<{ code: number; err: string }> {
  const errs: string[] = [];
  const orig = console.error;
  console.error = (m: unknown) => void errs.push(String(m));
  try {
    return { code: await main(argv), err: errs.join('\n') };
  } finally {
    console.error = orig;
  }
}

before(async () => {
  const code = await trainCommand(['--dataset', 'moons', '--widths', '16x2', '--epochs', '12', '--batch-size', '64', '--optimizer', 'adam', '--lr', '0.01', '--quiet', '--out', run], sink().out);
  assert.equal(code, 0);
});

after(() => rmSync(root, { recursive: true, force: true }));

test('probe dim writes a valid dim.json (finite, rank ≤ C − 1 = 1) and a box-plot SVG', async () => {
  const out = join(root, 'res-spectrum');
  const { lines, out: o } = sink();
  assert.equal(await dimCommand([run, '--n', '64', '--out', out, '--quiet'], o), 0);
  const text = lines.join('\n');
  assert.match(text, /log10 λ_k/);
  assert.match(text, /rank of D\(x\) \(≤ C − 1 = 1/);
  assert.match(text, /trace D\(x\): min/);
  const r = readJson<DimResult>(join(out, 'dim.json'));
  assert.equal(r.schemaVersion, 1);
  assert.equal(r.probe, 'dim');
  assert.equal(r.n, 64);
  assert.equal(r.points.length, 64);
  assert.deepEqual(r.model, { numClasses: 2, inputShape: [2], inputDim: 2 });
  assert.match(r.method, /C×C/);
  for (const p of r.points) {
    assert.equal(p.eigenvalues.length, 1);
    assert.ok(p.rank <= 1 && p.rank >= 0);
    assert.ok(p.eigenvalues.every((v) => Number.isFinite(v) && v >= 0));
    assert.ok(Number.isFinite(p.trace) && Number.isFinite(p.confidence));
    // rank 1: the only non-zero eigenvalue is the trace
    assert.ok(Math.abs(p.eigenvalues[0]! - p.trace) <= 1e-9 * Math.max(1e-30, p.trace), `${p.eigenvalues[0]} vs trace ${p.trace}`);
  }
  assert.deepEqual(r.rankDistribution.counts.length, 2);
  assert.equal(r.rankDistribution.counts[0]! + r.rankDistribution.counts[1]!, 64);
  assert.equal(r.stats.boxes.length, 1);
  assert.ok(Number.isFinite(r.trace.median));
  assert.ok(r.accuracy > 0.8, `accuracy ${r.accuracy}`);
  const svg = readFileSync(join(out, 'dim-spectrum.svg'), 'utf8');
  assert.match(svg, /^<svg/);
  assert.match(svg, /<g [^>]*fill-opacity="0.35"[^>]*aria-label="bar"><rect /); // at least one box (Observable Plot's bar mark)

  // --json prints the same result
  const j = sink();
  assert.equal(await dimCommand([run, '--n', '64', '--out', out, '--json'], j.out), 0);
  const printed = JSON.parse(j.lines.join('\n')) as { dim: DimResult; files: string[] };
  assert.deepEqual(printed.dim.points, r.points);
});

test("the command's eigenvalues equal dimSpectrum of Jacobians computed directly, and finite differences of the logits", async () => {
  const out = join(root, 'res-direct');
  assert.equal(await dimCommand([run, '--n', '40', '--seed', '3', '--out', out, '--quiet'], sink().out), 0);
  const r = readJson<DimResult>(join(out, 'dim.json'));
  const target = await openTarget(run);
  const m = target.model;
  const ds = await probeData(target, { split: 'test', seed: 3 });
  const pts = selectSamples(ds, r.points.map((p) => p.index));
  assert.deepEqual(Array.from(pts.y), r.points.map((p) => p.label));
  const jac = await inputJacobian(defaultEngine(), m.graph, { input: m.input.name, logits: m.logits, numClasses: 2, batchSize: 7 }, pts.x);
  const direct = dimSpectrum(jac.jacobian, jac.probs);
  direct.points.forEach((p, i) => {
    const a = r.points[i]!.eigenvalues[0]!;
    assert.ok(Math.abs(p.eigenvalues[0]! - a) <= 1e-6 * Math.max(a, 1e-20), `point ${i}: ${p.eigenvalues[0]} vs ${a}`);
  });
  // independent check for C = 2: λ = p₀p₁‖∇(z₀ − z₁)‖², the gradient by central differences of the logits
  const fwd = await defaultEngine().load(m.graph);
  const h = 2e-3;
  const n = pts.y.length;
  const shifted = new Float32Array(n * 4 * 2);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 4; k++) {
      const j = k >> 1;
      const s = k & 1 ? -h : h;
      shifted[(i * 4 + k) * 2] = pts.x.data[2 * i]! + (j === 0 ? s : 0);
      shifted[(i * 4 + k) * 2 + 1] = pts.x.data[2 * i + 1]! + (j === 1 ? s : 0);
    }
  }
  const z = (await fwd.run({ [m.input.name]: { data: shifted, shape: [n * 4, 2] } }))[m.logits]!.data as Float32Array;
  const errs: number[] = [];
  for (let i = 0; i < n; i++) {
    const margin = (k: number): number => z[(i * 4 + k) * 2]! - z[(i * 4 + k) * 2 + 1]!;
    const g0 = (margin(0) - margin(1)) / (2 * h);
    const g1 = (margin(2) - margin(3)) / (2 * h);
    const p0 = jac.probs.data[2 * i]!;
    const lam = p0 * (1 - p0) * (g0 * g0 + g1 * g1);
    const a = r.points[i]!.eigenvalues[0]!;
    errs.push(Math.abs(lam - a) / Math.max(a, 1e-12));
  }
  // a ReLU net is piecewise linear: central differences are exact (up to float32 roundoff) unless a kink lies
  // within h of the point, which may happen at a few points
  errs.sort((a, b) => a - b);
  assert.ok(errs[Math.floor(0.9 * n)]! < 1e-2, `finite-difference λ: relative errors ${errs.map((e) => e.toExponential(1)).join(' ')}`);
});

test("an 'across' walk keeps the predicted probability nearly constant while 'along' changes it; 2-D leaf field SVG", async () => {
  const out = join(root, 'res-walk');
  const { lines, out: o } = sink();
  assert.equal(await dimCommand([run, '--n', '64', '--walk', 'both', '--walk-points', '4', '--walk-steps', '40', '--walk-grid', '8', '--out', out, '--quiet'], o), 0);
  assert.match(lines.join('\n'), /along changes p by/);
  const w = readJson<DimWalksResult>(join(out, 'dim-walks.json'));
  assert.equal(w.schemaVersion, 1);
  assert.equal(w.walks.length, 4 * 2 * 2);
  const along = w.walks.filter((x) => x.mode === 'along');
  const across = w.walks.filter((x) => x.mode === 'across');
  for (const x of w.walks) {
    assert.equal(x.stepsTaken, 40, `${x.mode} walk stopped: ${x.stoppedEarly}`);
    assert.equal(x.points!.length, 41);
    assert.equal(x.predicted.length, 41);
    assert.equal(x.confidence.length, 41);
  }
  // across: p of the start's class moves by less than 0.02 on every walk (40 steps ≈ one moon radius)
  const acrossMax = Math.max(...across.map((x) => x.maxProbabilityChange));
  assert.ok(acrossMax < 0.02, `across walks changed p by up to ${acrossMax}`);
  assert.ok(across.every((x) => !x.classChanged));
  // along: from every start, one of the two directions (±h) changes p by more than 0.3
  for (let s = 0; s < 4; s++) {
    const best = Math.max(...along.filter((x) => x.start === s).map((x) => x.maxProbabilityChange));
    assert.ok(best > 0.3, `along walks from point ${s} changed p by only ${best}`);
  }
  const sumAlong = along.reduce((t, x) => t + x.maxProbabilityChange, 0);
  const sumAcross = across.reduce((t, x) => t + x.maxProbabilityChange, 0);
  assert.ok(sumAlong > 50 * sumAcross, `along ${sumAlong} vs across ${sumAcross}`);
  // along and across steps are orthogonal at the start (rank 1 in the plane)
  for (let s = 0; s < 4; s++) {
    const a = along.find((x) => x.start === s && x.sign === 1)!.points!;
    const c = across.find((x) => x.start === s && x.sign === 1)!.points!;
    const da = [a[1]![0]! - a[0]![0]!, a[1]![1]! - a[0]![1]!];
    const dc = [c[1]![0]! - c[0]![0]!, c[1]![1]! - c[0]![1]!];
    const cos = (da[0]! * dc[0]! + da[1]! * dc[1]!) / Math.hypot(da[0]!, da[1]!) / Math.hypot(dc[0]!, dc[1]!);
    assert.ok(Math.abs(cos) < 1e-4, `cos(along, across) = ${cos}`);
  }
  // the leaf field
  assert.ok(w.field);
  assert.equal(w.field.lines.length, 8 * 8 * 2);
  assert.ok(w.field.summary.across!.maxMaxProbabilityChange < 0.1);
  const svg = readFileSync(join(out, 'dim-foliation.svg'), 'utf8');
  assert.match(svg, /^<svg/);
  // Observable Plot's line mark: one <path> per streamline, in the groups of the two families
  const streamlines = ((svg.match(/aria-label="line">[\s\S]*?<\/g>/g) ?? []).join('').match(/<path /g) ?? []).length;
  assert.ok(streamlines >= 100, `${streamlines} streamlines`);
  assert.ok(!existsSync(join(out, 'dim-walks.png')));
});

test('--compare gives a symmetric distance matrix with zero diagonal, a table and a box plot', async () => {
  const out = join(root, 'res-compare');
  const { lines, out: o } = sink();
  assert.equal(await dimCommand([run, '--n', '48', '--compare', 'circles#n=200,noise:0.3,inverted,resample', '--out', out, '--quiet'], o), 0);
  const text = lines.join('\n');
  assert.match(text, /mean over k of the 1-Wasserstein distance between the distributions of log10 λ_k/);
  const r = readJson<DimDistancesResult>(join(out, 'dim-distances.json'));
  assert.equal(r.schemaVersion, 1);
  assert.deepEqual(r.matrix.names, ['moons-test', 'circles#n=200', 'noise:0.3', 'inverted', 'resample']);
  assert.match(r.definition, /1-Wasserstein/);
  const M = r.matrix.matrix;
  assert.equal(M.length, 5);
  for (let i = 0; i < 5; i++) {
    assert.equal(M[i]![i], 0);
    for (let j = 0; j < 5; j++) {
      assert.equal(M[i]![j], M[j]![i]);
      if (i !== j) assert.ok(typeof M[i]![j] === 'number' && M[i]![j]! > 0 && Number.isFinite(M[i]![j]!), `M[${i}][${j}] = ${M[i]![j]}`);
    }
  }
  assert.deepEqual(r.datasets.map((d) => d.kind), ['base', 'dataset', 'transform', 'transform', 'transform']);
  assert.deepEqual(r.datasets.map((d) => d.n), [48, 48, 48, 48, 48]);
  assert.match(readFileSync(join(out, 'dim-distances.svg'), 'utf8'), /noise:0\.3/);
  assert.deepEqual(splitCompareList('circles#n=200,seed=3,noise:0.3'), ['circles#n=200,seed=3', 'noise:0.3']);
  assert.deepEqual(splitCompareList('idx:a,b;inverted'), ['idx:a,b', 'inverted']);
});

test('bad flags give usage errors listing the valid choices; an .onnx without --dataset says to pass one', async () => {
  let r = await mainCaptured(['probe', 'dim', run, '--walk', 'sideways']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--walk 'sideways' is not valid; choose one of: along, across, both/);
  r = await mainCaptured(['probe', 'dim', run, '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.err, /valid options: .*--compare/);
  r = await mainCaptured(['probe', 'dim', run, '--n', '0']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--n '0' must be an integer ≥ 2/);
  r = await mainCaptured(['probe', 'dim', run, '--compare', 'noise:abc']);
  assert.equal(r.code, 2);
  assert.match(r.err, /rotated:<deg>, inverted, noise:<sigma>, uniform, resample/);
  r = await mainCaptured(['probe', 'dim', run, '--compare', 'inverted,inverted']);
  assert.equal(r.code, 2);
  assert.match(r.err, /lists 'inverted' twice/);
  r = await mainCaptured(['probe', 'dim', run, '--split', 'validation']);
  assert.equal(r.code, 2);
  assert.match(r.err, /choose one of: train, test, all/);
  r = await mainCaptured(['probe', 'dim']);
  assert.equal(r.code, 2);
  assert.match(r.err, /run directory or \.onnx file/);
  r = await mainCaptured(['probe', 'dim', join(run, 'model.onnx')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /\.onnx file: pass --dataset/);
  // with --dataset it runs; without --out the results go to ./geolens-results/<model name>, never beside the model
  const cwd = process.cwd();
  const here = mkdtempSync(join(tmpdir(), 'geolens-cwd-'));
  process.chdir(here);
  try {
    assert.equal(await dimCommand([join(run, 'model.onnx'), '--dataset', 'moons', '--n', '16', '--quiet'], sink().out), 0);
  } finally {
    process.chdir(cwd);
  }
  assert.ok(existsSync(join(here, 'geolens-results', 'model', 'dim.json')));
  assert.ok(!existsSync(join(run, 'model.results')));
  rmSync(here, { recursive: true, force: true });
  const help = sink();
  assert.equal(await dimCommand(['--help'], help.out), 0);
  assert.match(help.lines.join('\n'), /--walk-step-size/);
});

test('flag values the probe cannot use are usage errors: --rtol 1, --split with --dataset, resample with no other points', async () => {
  let r = await mainCaptured(['probe', 'dim', run, '--rtol', '1']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /--rtol '1' must be/);
  r = await mainCaptured(['probe', 'dim', run, '--dataset', 'moons', '--split', 'train']);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /--split picks a part of the run's own dataset/);
  // --n takes every held-out point: 'resample' would compare the points with themselves (distance 0)
  r = await mainCaptured(['probe', 'dim', run, '--n', '100000', '--compare', 'resample', '--out', join(root, 'res-resample')]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /resample.*lower --n/s);
  const help = sink();
  assert.equal(await dimCommand(['--help'], help.out), 0);
  assert.equal(help.lines.join('\n').split('\n').filter((l) => l.startsWith('usage:')).length, 1);
});

test('the results record the absolute path of the model, whatever the working directory', async () => {
  const out = join(root, 'res-relative');
  assert.equal(await dimCommand([relative(process.cwd(), run), '--n', '8', '--out', out, '--quiet'], sink().out), 0);
  assert.equal(readJson<DimResult>(join(out, 'dim.json')).source.path, run);
});

test('batchedEvaluator: a point of the wrong length is rejected alone; the walks batched with it still run', async () => {
  const m = (await openTarget(run)).model;
  const engine = createNodeEngine({ threads: 1 });
  try {
    const session = await engine.load(buildInputJacobian(m.graph, { input: m.input.name, logits: m.logits, numClasses: 2 }));
    const ev = batchedEvaluator(session, m, 16);
    const [good, long, short] = await Promise.allSettled([ev.evaluate(Float64Array.of(0.5, 0.25)), ev.evaluate(new Float64Array(10)), ev.evaluate(new Float64Array(1))]);
    assert.equal(good.status, 'fulfilled', good.status === 'rejected' ? String(good.reason) : '');
    assert.equal(good.value.p.length, 2);
    assert.equal(good.value.J.length, 4);
    for (const bad of [long, short]) {
      assert.equal(bad.status, 'rejected');
      assert.ok(bad.reason instanceof GeolensError && bad.reason.code === 'BAD_SHAPE', String(bad.reason));
    }
  } finally {
    await engine.dispose();
  }
});

test('a large --json result piped to another program arrives whole (the CLI waits for stdout before exiting)', () => {
  const mainTs = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  const args = ['--import', 'tsx', mainTs, 'probe', 'dim', run, '--n', '200', '--walk', 'along', '--walk-points', '10', '--walk-steps', '60', '--walk-grid', '2', '--out', join(root, 'res-pipe'), '--json'];
  // through `| cat`: an OS pipe, as in `geolens … --json | jq`
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const r = spawnSync('sh', ['-c', `${[process.execPath, ...args].map(quote).join(' ')} | cat`], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.length > 300_000, `only ${r.stdout.length} characters`);
  const printed = JSON.parse(r.stdout) as { dim: DimResult; walks: DimWalksResult };
  assert.equal(printed.walks.walks.length, 10 * 2);
});

test('the leaf-field plot takes any number of data points (no argument-spread limits)', () => {
  const m = 150_000;
  const pts = Array.from({ length: m }, (_, i) => ({ x: i / m, y: (i % 7) - 3, label: i % 2 }));
  const svg = pathChart({ title: 't', xLabel: 'x', yLabel: 'y' }, [{ group: 0, points: [[0, 0], [1, 1]] }], pts);
  assert.match(svg, /<\/svg>\s*$/);
  assert.deepEqual(minMax(Float64Array.from({ length: m }, (_, i) => i - 5)), [-5, m - 6]);
  assert.deepEqual(minMax([3, NaN, -Infinity, 1]), [1, 3]);
  assert.deepEqual(minMax([]), [Infinity, -Infinity]);
});

// ------------------------------------------------------------------------------------------------ transforms

function images(n: number, h: number, w: number, fill: (i: number, r: number, c: number) => number): Dataset {
  const data = new Float32Array(n * h * w);
  for (let i = 0; i < n; i++) for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) data[(i * h + r) * w + c] = fill(i, r, c);
  return { name: 'img', x: { data, shape: [n, 1, h, w] }, y: Int32Array.from({ length: n }, (_, i) => i % 2), numClasses: 2, sampleShape: [1, h, w] };
}

test('dataset transforms: rotation (exact at 90°, about the centre), inversion, seeded noise and uniform images', () => {
  const ds = images(2, 3, 4, (i, r, c) => (i + 1) * (r * 4 + c) / 24);
  const before = ds.x.data.slice();
  // 180° on a 3×4 image: pixel (r, c) → (2 − r, 3 − c)
  const r180 = rotateDataset(ds, 180);
  for (let i = 0; i < 2; i++) for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) assert.equal(r180.x.data[(i * 3 + r) * 4 + c], ds.x.data[(i * 3 + (2 - r)) * 4 + (3 - c)]);
  // 90° counter-clockwise on a square image: the top row becomes the left column, read bottom to top
  const sq = images(1, 3, 3, (_, r, c) => r * 3 + c);
  const r90 = rotateDataset(sq, 90);
  assert.deepEqual(Array.from(r90.x.data), [2, 5, 8, 1, 4, 7, 0, 3, 6]);
  assert.deepEqual(Array.from(rotateDataset(sq, 360).x.data), Array.from(sq.x.data));
  assert.deepEqual(Array.from(rotateDataset(rotateDataset(sq, 45), 0).x.data), Array.from(rotateDataset(sq, 45).x.data));
  // a small rotation keeps the centre pixel and loses mass at the corners
  const r30 = rotateDataset(images(1, 5, 5, () => 1), 30);
  assert.ok(Math.abs(r30.x.data[12]! - 1) < 1e-6);
  assert.ok(r30.x.data[0]! < 0.5);
  // 2-D points rotate about the origin
  const pts: Dataset = { name: 'p', x: { data: Float32Array.of(1, 0, 0, 2), shape: [2, 2] }, y: Int32Array.of(0, 1), numClasses: 2, sampleShape: [2] };
  const pr = rotateDataset(pts, 90);
  assert.deepEqual(Array.from(pr.x.data).map((v) => Math.round(v * 1e6) / 1e6), [0, 1, -2, 0]);
  assert.throws(() => rotateDataset({ ...pts, x: { data: new Float32Array(6), shape: [2, 3] }, sampleShape: [3] }, 10), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_SHAPE');
  // inversion reflects the value range: 1 − v for [0, 1] data
  const unit = images(1, 2, 2, (_, r, c) => [0, 0.25, 0.5, 1][r * 2 + c]!);
  assert.deepEqual(Array.from(invertDataset(unit).x.data), [1, 0.75, 0.5, 0]);
  assert.deepEqual(Array.from(invertDataset(invertDataset(unit)).x.data), Array.from(unit.x.data));
  // noise: seeded, clipped to the value range for images
  const n1 = addGaussianNoise(unit, 0.5, 7);
  assert.deepEqual(Array.from(n1.x.data), Array.from(addGaussianNoise(unit, 0.5, 7).x.data));
  assert.notDeepEqual(Array.from(n1.x.data), Array.from(addGaussianNoise(unit, 0.5, 8).x.data));
  assert.ok(Array.from(n1.x.data).every((v) => v >= 0 && v <= 1));
  assert.deepEqual(Array.from(addGaussianNoise(unit, 0).x.data), Array.from(unit.x.data));
  // uniform noise images within the value range, same shape and labels
  const u = uniformNoiseDataset(images(20, 4, 4, (_, r, c) => (r + c) / 6), 1);
  assert.deepEqual(u.x.shape, [20, 1, 4, 4]);
  assert.ok(Array.from(u.x.data).every((v) => v >= 0 && v <= 1));
  // pure: the input is unchanged; parse
  assert.deepEqual(ds.x.data, before);
  assert.deepEqual(parseDatasetTransform('rotated:-15'), { kind: 'rotated', degrees: -15 });
  assert.deepEqual(parseDatasetTransform('noise:0.2'), { kind: 'noise', sigma: 0.2 });
  assert.equal(parseDatasetTransform('idx:../mnist'), null);
  assert.equal(parseDatasetTransform('moons'), null);
  assert.throws(() => parseDatasetTransform('noise:-1'), /sigma must be ≥ 0/);
  assert.throws(() => parseDatasetTransform('rotated:'), /needs a number/);
  assert.equal(applyDatasetTransform(unit, { kind: 'inverted' }).name, 'img-inverted');
});

test('MNIST: spectra of an MNIST model on rotated / inverted / noisy / uniform-noise images, walk image strip', async (t) => {
  if (!existsSync(join(MNIST, 't10k-images-idx3-ubyte.gz')) && !existsSync(join(MNIST, 't10k-images-idx3-ubyte'))) {
    t.skip(`MNIST test set not found at ${MNIST}`);
    console.log(`# skipped: MNIST test set not found at ${MNIST}`);
    return;
  }
  const mrun = join(root, 'mnist');
  assert.equal(await trainCommand(['--dataset', `idx:${MNIST}`, '--widths', '64', '--epochs', '2', '--optimizer', 'adam', '--lr', '0.002', '--batch-size', '64', '--limit', '4000', '--quiet', '--out', mrun], sink().out), 0);
  const out = join(root, 'res-mnist');
  const { lines, out: o } = sink();
  assert.equal(await dimCommand([mrun, '--n', '64', '--walk', 'both', '--walk-points', '1', '--walk-steps', '20', '--compare', 'rotated:90,inverted,noise:0.3,uniform', '--out', out, '--quiet'], o), 0);
  const r = readJson<DimResult>(join(out, 'dim.json'));
  assert.equal(r.model.numClasses, 10);
  assert.ok(r.points.every((p) => p.rank <= 9 && p.eigenvalues.length === 9 && p.eigenvalues.every(Number.isFinite)));
  assert.ok(r.accuracy > 0.7, `accuracy ${r.accuracy}`);
  const dist = readJson<DimDistancesResult>(join(out, 'dim-distances.json'));
  const M = dist.matrix.matrix;
  assert.deepEqual(dist.matrix.names, [r.dataset.name, 'rotated:90', 'inverted', 'noise:0.3', 'uniform']);
  for (let i = 0; i < M.length; i++) for (let j = 0; j < M.length; j++) assert.equal(M[i]![j], M[j]![i]);
  // the model sees its own data as different from pure noise
  assert.ok(M[0]![4]! > 0.3, `distance to uniform noise ${M[0]![4]}`);
  const w = readJson<DimWalksResult>(join(out, 'dim-walks.json'));
  assert.equal(w.images?.file, 'dim-walks.png');
  assert.equal(w.walks[0]!.points, undefined);
  const png = readFileSync(join(out, 'dim-walks.png'));
  assert.deepEqual(Array.from(png.subarray(1, 4)), [0x50, 0x4e, 0x47]);
  const acrossMax = Math.max(...w.walks.filter((x) => x.mode === 'across').map((x) => x.maxProbabilityChange));
  const alongMax = Math.max(...w.walks.filter((x) => x.mode === 'along').map((x) => x.maxProbabilityChange));
  assert.ok(acrossMax < 0.05 && alongMax > acrossMax, `along ${alongMax}, across ${acrossMax}`);
  console.log(`# MNIST (64 points, 2-epoch MLP): distances from ${dist.matrix.names[0]}: ${dist.matrix.names.slice(1).map((nm, j) => `${nm} ${M[0]![j + 1]!.toFixed(2)}`).join(', ')}`);
  assert.match(lines.join('\n'), /\[5\] uniform/);
});
