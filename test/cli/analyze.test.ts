/**
 * geolens analyze / report / compare / start as a user runs them: exit codes, printed lines, the files written, and the
 * report re-rendered byte for byte from the saved results — in this process and in a fresh one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeCommand } from '../../src/cli/analyze.js';
import { compareCommand } from '../../src/cli/compare.js';
import { main } from '../../src/cli/main.js';
import { reportCommand } from '../../src/cli/report.js';
import { startCommand } from '../../src/cli/start.js';
import { trainCommand } from '../../src/cli/train.js';

const root = mkdtempSync(join(tmpdir(), 'geolens-cli-analyze-'));
const runA = join(root, 'moons-a');
const runB = join(root, 'moons-b');
const sink = (): { lines: string[]; out: (l: string) => void } => {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l) };
};

async function cli(argv: string[]): Promise<{ code: number; err: string; out: string }> {
  const errs: string[] = [];
  const outs: string[] = [];
  const [e, l] = [console.error, console.log];
  console.error = (m: unknown) => void errs.push(String(m));
  console.log = (m: unknown) => void outs.push(String(m));
  try {
    return { code: await main(argv), err: errs.join('\n'), out: outs.join('\n') };
  } finally {
    [console.error, console.log] = [e, l];
  }
}

before(async () => {
  for (const [dir, widths] of [[runA, '16x2'], [runB, '8x4']] as const) {
    assert.equal(await trainCommand(['--dataset', 'moons#n=500', '--widths', widths, '--epochs', '5', '--optimizer', 'adam', '--lr', '0.02', '--quiet', '--out', dir], () => {}), 0);
  }
});

after(() => rmSync(root, { recursive: true, force: true }));

test('analyze a run: a line per probe with its headline, results/<probe>.json, report.html; report re-renders it byte for byte', async () => {
  const { lines, out } = sink();
  assert.equal(await analyzeCommand([runA, '--threads', '1'], out), 0);
  const text = lines.join('\n');
  assert.match(text, /^analyzed .*moons-a: MLP 2 → 16 → 16 → 2, Linear–ReLU blocks; moons#n=500 \(400 training \/ 100 held-out\)/);
  assert.match(text, /\n  separation  ok +[\d.]+s  Each layer/);
  assert.match(text, /\n  dim +ok +[\d.]+s  D\(x\) has rank/);
  assert.equal(lines[lines.length - 1], `report: ${join(runA, 'report.html')}`);
  const results = readdirSync(join(runA, 'results')).sort();
  assert.deepEqual(results, ['analysis.json', 'dim-distances.json', 'dim-walks.json', 'dim.json', 'magnitude.json', 'regions.json', 'separation-over-training.json', 'separation.json', 'topology.json']);
  const first = readFileSync(join(runA, 'report.html'));
  const r = sink();
  assert.equal(await reportCommand([runA], r.out), 0);
  assert.deepEqual(r.lines.map((l) => l.split(':')[0]), ['  separation', '  dim', '  magnitude', '  topology', '  regions', '  ot', 'report']);
  assert.ok(readFileSync(join(runA, 'report.html')).equals(first), 'geolens report changed the bytes');
  // a fresh process renders the same bytes (no clock, no random ids, no state carried between renders)
  const p = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'report', join(runA, 'results'), '--quiet'], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.stdout.trim(), `report: ${join(runA, 'results', 'report.html')}`);
  assert.ok(readFileSync(join(runA, 'results', 'report.html')).equals(first), 'a fresh process rendered other bytes');
});

test('analyze an autoencoder run: OT in its latent space, every classifier probe skipped with its reason', async () => {
  const ae = join(root, 'ae');
  assert.equal(await trainCommand(['--model', 'autoencoder', '--dataset', 'manifold#n=500', '--bottleneck', '2', '--widths', '16', '--epochs', '3', '--optimizer', 'adam', '--lr', '0.01', '--quiet', '--out', ae], () => {}), 0);
  const { lines, out } = sink();
  assert.equal(await analyzeCommand([ae, '--threads', '1', '--set', 'ot.maxSteps=40', '--set', 'ot.targets=200'], out), 0);
  const text = lines.join('\n');
  assert.match(text, /^analyzed .*ae: Autoencoder \[32\]: MLP encoder 32 → 16 → 2-d code, mirrored decoder; manifold#n=500/);
  for (const p of ['separation', 'dim', 'magnitude', 'topology', 'regions']) assert.match(text, new RegExp(`\\n  ${p} +skipped +needs a classifier; this run is an autoencoder\\.`));
  assert.match(text, /\n  ot +ok +[\d.]+s  (The Brenier potential places every cell within|After 40 steps \(the tolerance 1% not reached: step limit\) the Brenier potential's cells are still up to)/);
  assert.deepEqual(readdirSync(join(ae, 'results')).sort(), ['analysis.json', 'ot.json']);
  const ot = JSON.parse(readFileSync(join(ae, 'results', 'ot.json'), 'utf8')) as { probe: string; targets: { n: number; dimension: number }; solve: { steps: number }; options: { maxSteps: number } };
  assert.equal(ot.probe, 'ot');
  assert.deepEqual([ot.targets.n, ot.targets.dimension, ot.options.maxSteps], [200, 2, 40]);
  assert.ok(ot.solve.steps <= 40);
  const manifest = JSON.parse(readFileSync(join(ae, 'results', 'analysis.json'), 'utf8')) as { accuracy: unknown; model: { numClasses: number } };
  assert.deepEqual([manifest.accuracy, manifest.model.numClasses], [{ train: null, test: null }, 0]);
  const html = readFileSync(join(ae, 'report.html'), 'utf8');
  assert.match(html, /<section class="probe" id="ot">\n<h2>Optimal transport in latent space<\/h2>\n<p class="headline">(The Brenier potential|After 40 steps)/);
  assert.match(html, /In an analysis the solve is capped to stay short: 200 codes at most/);
  assert.match(html, /<section class="probe" id="dim">\n<h2>Data Information Matrix <span class="status skipped">skipped<\/span><\/h2>/);
  assert.match(html, /— \(an autoencoder: no classes\)/);
  // a probe asked for by name that cannot measure an autoencoder is skipped too, never a crash; the probes' own commands still refuse it
  const dim = sink();
  assert.equal(await analyzeCommand([ae, '--probes', 'dim', '--quiet'], dim.out), 0);
  const refused = await cli(['probe', 'dim', ae]);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /holds an autoencoder .*geolens ot/);
});

test('analyze a classifier run: OT is skipped, it needs an autoencoder', async () => {
  const { lines, out } = sink();
  assert.equal(await analyzeCommand([runB, '--probes', 'ot', '--threads', '1'], out), 0);
  assert.match(lines.join('\n'), /\n  ot +skipped +needs an autoencoder run \(geolens train --model autoencoder\); this model is a classifier\./);
  assert.match(readFileSync(join(runB, 'report.html'), 'utf8'), /<section class="probe" id="ot">\n<h2>Optimal transport in latent space <span class="status skipped">skipped<\/span>/);
});

test('--probes picks probes; --json prints the manifest; an .onnx file needs --dataset and gets <model>.analysis/', async () => {
  const j = sink();
  assert.equal(await analyzeCommand([runB, '--probes', 'dim', '--json', '--threads', '1'], j.out), 0);
  const printed = JSON.parse(j.lines.join('\n')) as { analysis: { probes: { name: string; status: string }[] }; report: string; files: string[] };
  assert.deepEqual(printed.analysis.probes.map((p) => p.name), ['dim']);
  assert.ok(!existsSync(join(runB, 'results', 'separation.json')));
  assert.equal(printed.report, join(runB, 'report.html'));

  const bad = await cli(['analyze', runB, '--probes', 'dim,topologyy']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--probes: unknown probe 'topologyy'; choose from: all, separation, dim/);
  const onnx = join(runB, 'model.onnx');
  const none = await cli(['analyze', onnx]);
  assert.equal(none.code, 1);
  assert.match(none.err, /is an \.onnx file: pass --dataset/);
  const q = sink();
  assert.equal(await analyzeCommand([onnx, '--dataset', 'moons#n=300', '--quiet', '--threads', '1'], q.out), 0);
  assert.deepEqual(q.lines, [`report: ${join(runB, 'model.analysis', 'report.html')}`]);
  const m = JSON.parse(readFileSync(join(runB, 'model.analysis', 'results', 'analysis.json'), 'utf8')) as { model: { kind: string }; data: { parts: string }; accuracy: { train: number | null } };
  assert.deepEqual([m.model.kind, m.data.parts, m.accuracy.train], ['onnx', 'one-dataset', null]);
  const missing = await cli(['report', join(root, 'nothing-here')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /is not a folder/);
});

test('compare puts two runs side by side in one page', async () => {
  assert.equal(await analyzeCommand([runB, '--quiet', '--threads', '1'], () => {}), 0);
  const out = join(root, 'cmp', 'compare.html');
  const { lines, out: o } = sink();
  assert.equal(await compareCommand([runA, runB, '--out', out, '--threads', '1'], o), 0);
  // the topology distance between the two classifiers, printed as a table of pairs
  const text = lines.join('\n');
  assert.match(text, /^topology distance \(correctness reading, Hoeffding ±0\.136 at 95%\) on the held-out part of moons#n=500, shared by the runs \(100 labelled points\):/);
  assert.match(text, /\n  run +run +d correctness +95% interval +d disagreement +‖w − w′‖₂\n  moons-a +moons-b +\d\.\d{3} +\d\.\d{3}–\d\.\d{3} +\d\.\d{3} +—\n/);
  assert.match(text, /‖w − w′‖₂ only between runs of the same architecture \('—': the architectures differ/);
  assert.equal(lines[lines.length - 1], `comparison: ${out}`);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /geolens comparison — moons-a · moons-b/);
  assert.match(html, /moons-a: ρ = /);
  assert.match(html, /moons-b: ρ = /);
  assert.match(html, /<section class="probe" id="topology-distance">\n<h2>Topology distance between the runs<\/h2>\n<p class="headline">One of moons-a and moons-b is right and the other wrong on [\d.]+% of the points/i);
  assert.equal((html.match(/<svg /g) ?? []).length >= 4, true);
  // runs on other data: the page says why there is no distance; --topology off loads no model
  const circles = join(root, 'circles');
  assert.equal(await trainCommand(['--dataset', 'circles#n=200', '--widths', '8', '--epochs', '1', '--quiet', '--out', circles], () => {}), 0);
  assert.equal(await analyzeCommand([circles, '--probes', 'separation', '--quiet', '--threads', '1'], () => {}), 0);
  const inc = sink();
  assert.equal(await compareCommand([runA, circles, '--out', out, '--threads', '1'], inc.out), 0);
  assert.match(inc.lines[0]!, /^topology distance: none — the runs were measured on different data \(moons-a: moons#n=500; circles: circles#n=200\): give --dataset/);
  assert.match(readFileSync(out, 'utf8'), /No topology distance between these runs: the runs were measured on different data/);
  const off = sink();
  assert.equal(await compareCommand([runA, circles, '--out', out, '--topology', 'off'], off.out), 0);
  assert.deepEqual(off.lines, [`comparison: ${out}`]);
  assert.doesNotMatch(readFileSync(out, 'utf8'), /topology-distance/);
  const one = await cli(['compare', runA]);
  assert.equal(one.code, 2);
  assert.match(one.err, /at least two folders/);
  const labels = await cli(['compare', runA, runB, '--labels', 'only-one', '--out', out]);
  assert.equal(labels.code, 2);
});

test('start trains the default model, analyzes it and prints the one path to open', async () => {
  const dir = join(root, 'start');
  const { lines, out } = sink();
  assert.equal(await startCommand(['--epochs', '2', '--out', dir, '--quiet', '--threads', '1'], out), 0);
  assert.deepEqual(lines, [`report: ${join(dir, 'report.html')}`]);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /MLP 32 → 64 → 64 → 64 → 5/);
  assert.match(html, /<code>geolens start/);
});
