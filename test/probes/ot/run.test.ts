/**
 * The AE-OT probe end to end: `geolens ot` on an autoencoder run (files, schema, class distribution, --resume),
 * generation modes (cells give training codes; the piecewise-linear extension gives midpoints of neighbouring codes),
 * image data to a PNG grid, and clear errors for a classifier run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { trainCommand } from '../../../src/cli/train.js';
import { otCommand } from '../../../src/cli/ot.js';
import { createNodeEngine } from '../../../src/engine/node.js';
import { loadDataset } from '../../../src/data/node.js';
import { buildModel, type AutoencoderDef } from '../../../src/models/index.js';
import { Trainer } from '../../../src/train/trainer.js';
import { trainLoop } from '../../../src/train/loop.js';
import { parseSchedule } from '../../../src/train/schedule.js';
import { OT_RESULT, runOt } from '../../../src/probes/ot/index.js';
import { openAutoencoderRun } from '../../../src/probes/ot/node.js';
import { readResult } from '../../../src/probes/node.js';
import { otGeneratedPng, otLatentChart } from '../../../src/report/ot.js';
import { GeolensError } from '../../../src/errors.js';
import { buildReport } from '../../../src/report/report.js';
import { readReportInput } from '../../../src/report/node.js';

const root = mkdtempSync(join(tmpdir(), 'geolens-ot-run-'));
const quiet = (): { lines: string[]; out: (l: string) => void } => {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l) };
};
const DATA = ['--dataset', 'manifold#n=400'];
const ae = join(root, 'ae');
const clf = join(root, 'clf');

test.after(() => rmSync(root, { recursive: true, force: true }));

test('geolens ot on an autoencoder run: ot.json (valid schema), pictures, potential; class distribution from a classifier; --resume continues the solve', async () => {
  assert.equal(await trainCommand([...DATA, '--model', 'autoencoder', '--bottleneck', '2', '--widths', '32', '--optimizer', 'adam', '--lr', '0.003', '--epochs', '10', '--quiet', '--out', ae], quiet().out), 0);
  assert.equal(await trainCommand([...DATA, '--widths', '32,32', '--epochs', '10', '--quiet', '--out', clf], quiet().out), 0);
  const out = join(root, 'ot');
  // --lr 0.002: the default 0.5·N^(−2/d) = 0.0083 first overshoots the Voronoi start for ≈ 50 steps (it converges in ≈ 220)
  const common = [ae, '--targets', '60', '--samples', '6000', '--lr', '0.002', '--classifier', clf, '--classify', '500', '--generate', '16', '--out', out, '--quiet'];
  const a = quiet();
  assert.equal(await otCommand([...common, '--max-steps', '40'], a.out), 0);
  for (const f of ['ot.json', 'ot-convergence.svg', 'ot-energy.svg', 'ot-latent.svg', 'ot-classes.svg', 'ot-potential.safetensors']) assert.ok(existsSync(join(out, f)), f);
  const r = await readResult(OT_RESULT, join(out, 'ot.json'));
  assert.equal(r.targets.n, 60);
  assert.equal(r.targets.dimension, 2);
  assert.equal(r.solve.history.length, r.solve.steps + 1);
  assert.ok(r.solve.history.every((e) => e.lr <= 0.002 && e.lr > 0), 'the learning rate only decays');
  assert.ok(Math.min(...r.solve.history.slice(1).map((e) => e.maxError)) < r.solve.history[0]!.maxError);
  const c = r.generation.classDistribution!;
  assert.equal(c.samples, 500);
  assert.ok(Math.abs(c.generated.reduce((s, v) => s + v, 0) - 1) < 1e-9 && Math.abs(c.data.reduce((s, v) => s + v, 0) - 1) < 1e-9);
  assert.ok(c.totalVariation >= 0 && c.totalVariation <= 1);
  assert.match(a.lines.join('\n'), /class distribution of 500 generated samples/);
  assert.ok(r.latent.cells && r.latent.cells.length === 60 && r.latent.codes.length === 60, 'every 2-D code has its power cell in the latent picture');
  assert.match(readFileSync(join(out, 'ot-latent.svg'), 'utf8'), /power cell W_i\(h\)/);
  assert.match(readFileSync(join(out, 'ot-convergence.svg'), 'utf8'), /tolerance 0\.01/);
  assert.match(readFileSync(join(out, 'ot-classes.svg'), 'utf8'), /<rect[^>]*fill="#E69F00"/);
  // the report section: the headline in words and its four plots, from ot.json alone
  const rep = buildReport(await readReportInput(out));
  const sec = rep.sections.find((x) => x.probe === 'ot')!;
  assert.equal(sec.status, 'ok');
  assert.match(sec.headline!, r.solve.status === 'converged' ? /^The Brenier potential places every cell within [\d.]+% of its target mass after \d+ steps \(tolerance/ : /^After 40 steps \(the tolerance 1% not reached: step limit\) the Brenier potential's cells are still up to [\d.]+% off their target mass/);
  assert.match(sec.headline!, /on as many fresh samples the largest error is [\d.]+% \(their own Monte-Carlo error per cell is about √\(N\/M\) = [\d.]+%\)/);
  assert.match(sec.headline!, /class shares differ from the data's by at most [\d.]+%/);
  assert.equal((sec.body.match(/<svg/g) ?? []).length, 4);
  if (r.solve.status !== 'converged') {
    const b = quiet();
    assert.equal(await otCommand([...common, '--max-steps', '60', '--resume'], b.out), 0);
    const r2 = await readResult(OT_RESULT, join(out, 'ot.json'));
    assert.equal(r2.solve.resumedFrom, 40);
    assert.deepEqual(r2.solve.history.slice(0, 41), r.solve.history.slice(0, 41));
  }
});

test('generation: cells give training codes; the piecewise-linear extension gives (y_a + y_b)/2 of neighbouring codes', async () => {
  const engine = createNodeEngine({ threads: 1 });
  const run = await openAutoencoderRun(ae);
  const data = await loadDataset('manifold#n=400', { seed: 1 });
  const opts = { targets: 50, samples: 5000, maxSteps: 20, generate: 24 };
  const cells = await runOt(engine, run, data, opts);
  const codes = cells.codes;
  const g = cells.generated.codes;
  for (let i = 0; i < 24; i++) {
    assert.ok(Array.from({ length: 50 }, (_, j) => j).some((j) => codes[2 * j] === g[2 * i] && codes[2 * j + 1] === g[2 * i + 1]), `generated code ${i} is a training code`);
  }
  assert.equal(cells.result.generation.nearestCodeRatio, 0);
  const pl = await runOt(engine, run, data, { ...opts, generation: { mode: 'piecewise-linear', topK: 3 } });
  const e = pl.result.generation.extension!;
  assert.equal(e.candidatePairs, 8 * 24 * 2);
  assert.ok(e.keptPairs >= 1 && e.keptPairs <= e.candidatePairs);
  const h = pl.generated.codes;
  for (let i = 0; i < 24; i++) {
    let best = Infinity;
    for (let a = 0; a < 50; a++) for (let b = 0; b < 50; b++) best = Math.min(best, Math.hypot(h[2 * i]! - (codes[2 * a]! + codes[2 * b]!) / 2, h[2 * i + 1]! - (codes[2 * a + 1]! + codes[2 * b + 1]!) / 2));
    assert.ok(best < 1e-5, `generated code ${i} is a midpoint of two codes (${best})`);
  }
  assert.ok(pl.result.generation.nearestCodeRatio > 0);
  assert.equal(pl.result.latent.generated.length, 24);
  assert.ok(Math.abs(pl.result.latent.generated[0]!.x - h[0]!) < 1e-3 * Math.max(1, Math.abs(h[0]!)), 'the 2-D picture is in code units');
  assert.match(otLatentChart(pl.result), /generated code/); // generated codes drawn as crosses
  await engine.dispose();
});

test('errors: a classifier run as target, a missing classifier, --resume without a checkpoint', async () => {
  await assert.rejects(otCommand([clf, '--quiet'], () => undefined), (e: GeolensError) => e.code === 'BAD_MODEL' && /--model autoencoder/.test(e.message));
  await assert.rejects(otCommand([ae, '--classifier', join(root, 'nope'), '--quiet'], () => undefined), (e: GeolensError) => e.code === 'FILE_NOT_FOUND');
  await assert.rejects(otCommand([ae, '--resume', '--out', join(root, 'empty'), '--quiet'], () => undefined), /--resume/);
});

const mnist = resolve('../shared/data/mnist');
test('image data: a conv autoencoder of MNIST (8×8) → generated samples decoded into a PNG grid', { skip: existsSync(mnist) ? false : `no MNIST at ${mnist}` }, async () => {
  const engine = createNodeEngine({ threads: 1 });
  const data = await loadDataset(`idx:${mnist}#resize=8x8,perClass=20`, { seed: 1 });
  const def = buildModel({ kind: 'autoencoder', inputShape: [1, 8, 8], widths: [16], bottleneck: 3, channels: [4] }) as AutoencoderDef;
  const tr = await Trainer.create(engine, def, { optimizer: 'adam', lr: 3e-3, batchSize: 50, seed: 1 });
  await trainLoop(tr, { train: data }, { epochs: 5, batchSize: 50, seed: 1, baseLr: 3e-3, schedule: parseSchedule('constant', 5) });
  const run = await runOt(engine, { def, params: tr.params, source: 'mnist-conv-ae' }, data, { samples: 20000, maxSteps: 10, generate: 9 });
  assert.deepEqual(run.result.generation.images?.columns, 3);
  const png = otGeneratedPng(run)!;
  const dv = new DataView(png.buffer, png.byteOffset);
  assert.equal(dv.getUint32(16), 3 * (8 * 2 + 2) + 2); // width: 3 tiles of 8·2 pixels with 2-pixel gaps
  assert.equal(dv.getUint32(20), 3 * (8 * 2 + 2) + 2);
  assert.equal(run.result.latent.cells, null); // 3-D codes: no power diagram, the principal plane
  assert.equal(run.result.latent.projection, 'pca');
  await engine.dispose();
});
