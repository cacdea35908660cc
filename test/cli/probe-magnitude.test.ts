/**
 * `geolens probe magnitude` and `runMagnitude` end to end: trajectories of runs geolens trains (the embedded default
 * dataset and MNIST from ../shared/data), Euclidean and loss-pseudometric distances, representations, NPY / CSV point
 * clouds, the result files (schema, plots) and the errors a user meets.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { magnitudeCommand } from '../../src/cli/probe-magnitude.js';
import { trainCommand } from '../../src/cli/train.js';
import { encodeNpy } from '../../src/data/npy.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { readResult } from '../../src/probes/node.js';
import { openMagnitudeSource, readTrajectory } from '../../src/probes/magnitude/node.js';
import { runMagnitude, trajectoryPoints } from '../../src/probes/magnitude/run.js';
import { MAGNITUDE_RESULT } from '../../src/probes/magnitude/schema.js';
import { parseResult } from '../../src/probes/result.js';
import type { MagnitudeResult } from '../../src/probes/magnitude/types.js';
import { Rng } from '../../src/util/random.js';
import { sharedData } from '../data/fixtures.js';
import { cli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'geolens-probe-mag-'));
const run = join(root, 'run');
const bare = join(root, 'bare');
const mnistRun = join(root, 'mnist');
const mnistDir = join(sharedData, 'mnist');
const mnistSkip = existsSync(join(mnistDir, 't10k-images-idx3-ubyte.gz')) ? false : `MNIST not found in ${mnistDir}`;
const MNIST = `idx:${mnistDir}#perClass=30`;

const collect = (): { lines: string[]; out: (l: string) => void } => {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l) };
};

before(async () => {
  // the embedded default (manifold, MLP 64×3) for two epochs, recording the last 40 steps
  assert.equal(await trainCommand(['--epochs', '2', '--record-last', '40', '--seed', '1', '--quiet', '--out', run], collect().out), 0);
  assert.equal(await trainCommand(['--dataset', 'moons', '--widths', '8', '--epochs', '1', '--quiet', '--out', bare], collect().out), 0);
  if (!mnistSkip) assert.equal(await trainCommand(['--dataset', MNIST, '--widths', '32', '--epochs', '3', '--batch-size', '16', '--lr', '0.05', '--record-last', '25', '--quiet', '--out', mnistRun], collect().out), 0);
});

test('trajectory of the embedded default: magnitude.json (schema), plots, |0X| = 1, |t_conv X| = 0.95·n, the table', async () => {
  const { lines, out } = collect();
  assert.equal(await magnitudeCommand([run, '--quiet'], out), 0);
  const text = lines.join('\n');
  assert.match(text, /points: weights of the last \d+ recorded steps \(steps \d+–\d+\), \d+ parameters each, Euclidean distance/);
  assert.match(text, /convergence scale t_conv = [\d.e+-]+ \(\|tX\| = [\d.]+ = 0\.95·n; bracket \[/);
  assert.match(text, /magnitude dimension [\d.]+ \(maximum of the profile, at t = /);
  for (const f of ['magnitude.json', 'magnitude.svg', 'magnitude-dimension.svg']) assert.ok(existsSync(join(run, 'results', f)), f);
  assert.match(readFileSync(join(run, 'results', 'magnitude.svg'), 'utf8'), /^<svg[\s\S]*\|tX\|[\s\S]*<\/svg>\n$/);
  const r = await readResult(MAGNITUDE_RESULT, join(run, 'results', 'magnitude.json'));
  const traj = await readTrajectory(run);
  assert.equal(r.cloud.kind, 'trajectory');
  assert.equal(r.cloud.n, traj.steps.length);
  assert.deepEqual(r.cloud.steps, traj.steps);
  assert.equal(r.scales.length, 30);
  assert.equal(r.scales[0], 0);
  assert.equal(r.magnitude[0], 1);
  assert.ok(Math.abs(r.magnitude[29]! / (0.95 * r.cloud.distinct) - 1) < 1e-3, `${r.magnitude[29]} vs 0.95·${r.cloud.distinct}`);
  for (let i = 1; i < 30; i++) assert.ok(r.magnitude[i]! > r.magnitude[i - 1]!, 'the magnitude function increases here');
  assert.equal(r.dimensionProfile.values.length, 28);
  assert.equal(r.magnitudeDimension.value, Math.max(...r.dimensionProfile.values));
  assert.ok(r.maxResidual < 1e-10 && r.convergenceScale.maxResidual < 1e-10 && r.solves.every((s) => s.regularization === 0 && s.iterations === null));
  // the file is versioned: another schema version is refused with what to do
  assert.throws(() => parseResult(MAGNITUDE_RESULT, { ...r, schemaVersion: 2 }, 'magnitude.json'), (e: Error & { code?: string }) => e.code === 'INCOMPATIBLE_RESULT' && /newer geolens/.test(e.message));
  assert.throws(() => parseResult(MAGNITUDE_RESULT, { ...r, solves: 'x' }, 'magnitude.json'), { code: 'BAD_FILE' });
});

test('--last N takes the last N recorded steps; --solver cg agrees with Cholesky; --json prints the result', async () => {
  const { lines, out } = collect();
  assert.equal(await magnitudeCommand([run, '--last', '12', '--solver', 'cg', '--json', '--out', join(root, 'last12')], out), 0);
  const r = JSON.parse(lines.join('\n')) as MagnitudeResult;
  const traj = await readTrajectory(run);
  assert.deepEqual(r.cloud.steps, traj.steps.slice(-12));
  assert.equal(r.solver, 'cg');
  assert.ok(r.solves.every((s) => s.converged && s.iterations! >= 0));
  const ch = collect();
  assert.equal(await magnitudeCommand([run, '--last', '12', '--json', '--out', join(root, 'last12ch')], ch.out), 0);
  const c = JSON.parse(ch.lines.join('\n')) as MagnitudeResult;
  assert.ok(Math.abs(c.convergenceScale.t / r.convergenceScale.t - 1) < 1e-4);
  // the same grid up to the two t_conv (root-finder tolerance 1e-5): the same magnitude function to 1e-4
  c.magnitude.forEach((m, i) => assert.ok(Math.abs(m - r.magnitude[i]!) < 1e-4 * m, `scale ${i}: ${m} vs ${r.magnitude[i]}`));
});

test('the loss pseudometric ρ_S = mean |ℓ(w, z) − ℓ(w′, z)| matches losses computed directly (JS forward pass)', async () => {
  const engine = createNodeEngine({ threads: 2 });
  try {
    const opened = await openMagnitudeSource(run, { distance: 'loss', last: 6 });
    assert.equal(opened.split, 'train');
    const { result, distances } = await runMagnitude(engine, opened.source, { n: 150, scales: 10 });
    assert.equal(result.cloud.distance, 'loss');
    assert.equal(result.cloud.dataset!.n, 150);
    assert.equal(result.cloud.dim, 150);
    // direct: the MLP (no BatchNorm) forward in float64 for steps 0 and 5 of the six, on the same 150 samples
    const src = opened.source as Extract<typeof opened.source, { kind: 'trajectory' }>;
    const { points } = trajectoryPoints(src.def, src.trajectory, 6);
    const { pickPoints } = await import('../../src/probes/dim/run.js');
    const sample = pickPoints(src.data!, 150, 0).points;
    const losses = (row: number): number[] => {
      const w = points.data.subarray(row * points.shape[1]!, (row + 1) * points.shape[1]!);
      const out: number[] = [];
      for (let s = 0; s < 150; s++) {
        let h = Array.from(sample.x.data.subarray(s * 32, (s + 1) * 32));
        let off = 0;
        const layer = (inp: number[], width: number, relu: boolean): number[] => {
          const o = new Array<number>(width).fill(0);
          for (let i = 0; i < inp.length; i++) for (let j = 0; j < width; j++) o[j]! += inp[i]! * w[off + i * width + j]!;
          off += inp.length * width;
          for (let j = 0; j < width; j++) o[j] = o[j]! + w[off + j]!;
          off += width;
          return relu ? o.map((v) => Math.max(0, v)) : o;
        };
        for (let k = 0; k < 3; k++) h = layer(h, 64, true);
        const z = layer(h, 5, false);
        const m = Math.max(...z);
        out.push(Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0)) + m - z[sample.y[s]!]!);
      }
      return out;
    };
    const a = losses(0);
    const b = losses(5);
    const rho = a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / 150;
    const n = result.cloud.distinct;
    assert.equal(n, 6);
    assert.ok(Math.abs(distances[0 * n + 5]! - rho) < 1e-5 * rho, `ρ_S = ${distances[5]} vs ${rho}`);
  } finally {
    await engine.dispose();
  }
});

test('--cloud representation measures a layer of the run\'s data; --layer picks it', async () => {
  const { lines, out } = collect();
  assert.equal(await magnitudeCommand([run, '--cloud', 'representation', '--layer', 'block2', '--n', '300', '--solver', 'cg', '--quiet', '--out', join(root, 'repr')], out), 0);
  assert.match(lines.join('\n'), /representation of 300 samples of manifold-train at layer block2 \(Relu, 64 features\)/);
  const r = await readResult(MAGNITUDE_RESULT, join(root, 'repr', 'magnitude.json'));
  assert.deepEqual(r.cloud.layer, { name: 'block2', tensor: r.cloud.layer!.tensor, op: 'Relu' });
  assert.equal(r.cloud.dataset!.split, 'train');
  assert.ok(r.magnitudeDimension.value > 0.5);
});

test('point clouds from .npy and .csv give the same magnitude function, written next to the file', async () => {
  const x = new Rng(7).fillNormal(new Float64Array(50 * 3));
  const npy = join(root, 'cloud.npy');
  const csv = join(root, 'cloud.csv');
  writeFileSync(npy, encodeNpy({ data: x, shape: [50, 3] }));
  writeFileSync(csv, 'a,b,c\n' + Array.from({ length: 50 }, (_, i) => Array.from(x.subarray(i * 3, i * 3 + 3)).map(String).join(',')).join('\n') + '\n');
  assert.equal(await magnitudeCommand([npy, '--quiet'], collect().out), 0);
  const a = await readResult(MAGNITUDE_RESULT, join(root, 'cloud.results', 'magnitude.json'));
  assert.equal(a.cloud.kind, 'file');
  assert.equal(a.source.path, npy);
  assert.deepEqual([a.cloud.n, a.cloud.dim], [50, 3]);
  assert.equal(await magnitudeCommand([csv, '--quiet'], collect().out), 0);
  const b = await readResult(MAGNITUDE_RESULT, join(root, 'cloud.results', 'magnitude.json'));
  assert.equal(b.source.path, csv);
  assert.equal(b.convergenceScale.t, a.convergenceScale.t);
  assert.deepEqual(b.magnitude, a.magnitude);
});

test('usage errors and missing trajectories say what to do', async () => {
  let r = await cli(['probe', 'magnitude', run, '--layer', 'block1']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--layer picks the layer of a representation; add --cloud representation/);
  r = await cli(['probe', 'magnitude', run, '--split', 'test', '--dataset', 'moons']);
  assert.match(r.err, /--split picks a part of the run's own dataset/);
  r = await cli(['probe', 'magnitude', run, '--grid-from', '0.01']);
  assert.match(r.err, /--grid-from sets where a log grid starts; add --grid log/);
  r = await cli(['probe', 'magnitude', bare]);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /has no trajectory\.safetensors: the run recorded no weights\. Train with --record-last N/);
  r = await cli(['probe', 'magnitude', join(root, 'nothing.npy')]);
  assert.match(r.err, /does not exist/);
  r = await cli(['probe', 'magnitude', join(bare, 'model.onnx'), '--distance', 'loss']);
  assert.match(r.err, /the loss pseudometric is for trajectories/);
});

test('MNIST (../shared/data): trajectory and representation, from the CLI and as a library call', { skip: mnistSkip }, async () => {
  const { lines, out } = collect();
  assert.equal(await magnitudeCommand([mnistRun, '--quiet'], out), 0);
  assert.match(lines.join('\n'), /weights of the last 25 recorded steps .*, 25450 parameters each/);
  const t = await readResult(MAGNITUDE_RESULT, join(mnistRun, 'results', 'magnitude.json'));
  assert.equal(t.cloud.distinct, 25);
  const engine = createNodeEngine({ threads: 2 });
  try {
    const opened = await openMagnitudeSource(join(mnistRun, 'model.onnx'), { dataset: `idx:${mnistDir}#perClass=20`, seed: 1 });
    const { result } = await runMagnitude(engine, opened.source, { n: 200, solver: 'cg', datasetSpec: opened.datasetSpec }, () => undefined);
    assert.equal(result.cloud.kind, 'representation');
    assert.equal(result.cloud.layer!.op, 'Relu');
    assert.equal(result.cloud.dataset!.n, 200);
    assert.ok(result.magnitudeDimension.value > 0 && result.maxResidual < 1e-8);
  } finally {
    await engine.dispose();
  }
});
