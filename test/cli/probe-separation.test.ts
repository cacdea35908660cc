import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitLines, separationCommand } from '../../src/cli/probe-separation.js';
import type { SeparationOverTrainingResult, SeparationResult } from '../../src/probes/separation/types.js';
import { layerFeatures } from '../../src/measure/features.js';
import { openTarget, probeData } from '../../src/measure/node.js';
import { chooseLayers } from '../../src/measure/target.js';
import { trainCommand } from '../../src/cli/train.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { separationLaw } from '../../src/probes/separation/index.js';
import { cli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'geolens-probe-sep-'));
const run = join(root, 'run');
const EPOCHS = 4;
const collect = (): { lines: string[]; out: (l: string) => void } => {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l) };
};


function allNumbersFinite(v: unknown, where = '$'): void {
  if (typeof v === 'number') assert.ok(Number.isFinite(v), `${where} = ${v}`);
  else if (Array.isArray(v)) v.forEach((x, i) => allNumbersFinite(x, `${where}[${i}]`));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) allNumbersFinite(x, `${where}.${k}`);
}

before(async () => {
  // A tiny MLP with Linear–BN–ReLU blocks on a 4-class synthetic set, a checkpoint per epoch.
  const code = await trainCommand(
    ['--dataset', 'spirals#n=400,classes=4', '--batch-norm', '--widths', '16x3', '--epochs', String(EPOCHS), '--optimizer', 'adam', '--lr', '0.01', '--batch-size', '64', '--seed', '3', '--quiet', '--out', run],
    collect().out,
  );
  assert.equal(code, 0);
});

test('probe separation writes separation.json (schema, finite numbers, layers in order) and separation.svg', async () => {
  const { lines, out } = collect();
  assert.equal(await separationCommand([run, '--quiet'], out), 0);
  const text = lines.join('\n');
  assert.match(text, /l = 0 is the flattened input; l = 1, 2, … count the output of each nonlinearity, then the logits/);
  assert.match(text, /ρ = \d\.\d+ \(95% CI/);
  assert.match(text, /Pearson r = [+−]\d\.\d+/);
  const file = join(run, 'results', 'separation.json');
  const r = JSON.parse(readFileSync(file, 'utf8')) as SeparationResult;
  assert.equal(r.schemaVersion, 1);
  assert.equal(r.kind, 'separation');
  assert.equal(r.variant, 'definition');
  assert.equal(r.sourceKind, 'run');
  assert.equal(r.n, 320); // the train part of 400 (test fraction 0.2)
  assert.equal(r.dataset.split, 'train');
  assert.equal(r.dataset.spec, 'spirals#n=400,classes=4');
  assert.equal(r.dataset.numClasses, 4);
  assert.deepEqual(r.layers.map((l) => l.index), [0, 1, 2, 3, 4]);
  assert.deepEqual(r.layers.map((l) => l.name), ['input', 'block1', 'block2', 'block3', 'logits']);
  assert.deepEqual(r.layers.map((l) => l.op), ['Input', 'Relu', 'Relu', 'Relu', 'Add']);
  assert.deepEqual(r.layers.map((l) => l.featureDim), [2, 16, 16, 16, 4]);
  assert.ok(r.fit !== null);
  assert.equal(r.fit.numLayersFitted, 5);
  assert.ok(r.fit.rhoCI95 !== null && r.fit.rhoCI95[0] <= r.fit.rho && r.fit.rho <= r.fit.rhoCI95[1]);
  for (const l of r.layers) {
    assert.ok(l.D > 0);
    assert.ok(Math.abs(l.log10D! - Math.log10(l.D)) < 1e-12);
  }
  allNumbersFinite(r);
  const svg = readFileSync(join(run, 'results', 'separation.svg'), 'utf8');
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /log10 D_l/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 5); // five layers
  assert.match(svg, /stroke-dasharray="6,4"/); // the fitted line, dashed
  assert.match(svg, /<\/svg>\s*$/);
});

test('the D_l written agree with separationLaw called directly on the same features', async () => {
  const dir = join(root, 'direct');
  assert.equal(await separationCommand([run, '--quiet', '--out', dir, '--variant', 'balanced', '--per-class', '50'], collect().out), 0);
  const r = JSON.parse(readFileSync(join(dir, 'separation.json'), 'utf8')) as SeparationResult;
  assert.equal(r.variant, 'balanced');
  assert.equal(r.n, 200);
  assert.deepEqual(r.dataset.classCounts, [50, 50, 50, 50]);

  const target = await openTarget(run);
  const ds = await probeData(target, { split: 'train', perClass: 50, seed: 3 });
  const layers = chooseLayers(target.model, 'auto');
  const engine = createNodeEngine({ threads: 1 });
  try {
    const feats = await layerFeatures(engine, target.model, layers, ds.x);
    const n = ds.y.length;
    const law = separationLaw([{ name: 'input', features: { data: ds.x.data, shape: [n, 2] } }, ...feats], ds.y, ds.numClasses, { variant: 'balanced' });
    assert.equal(law.layers.length, r.layers.length);
    law.layers.forEach((l, i) => {
      const got = r.layers[i]!;
      assert.equal(got.name, l.name);
      assert.ok(Math.abs(got.D - l.D) <= 1e-12 * l.D, `layer ${i}: ${got.D} vs ${l.D}`);
    });
    assert.ok(Math.abs(r.fit!.rho - law.fit!.rho) < 1e-12);
    assert.equal(r.fit!.pearsonR, law.fit!.pearsonR);
  } finally {
    await engine.dispose();
  }
});

test('--over-training fits the law at every checkpoint; the last one matches the final model', async () => {
  const dir = join(root, 'ot');
  const { lines, out } = collect();
  assert.equal(await separationCommand([run, '--over-training', '--out', dir, '--layers', 'relu'], out), 0);
  const ot = JSON.parse(readFileSync(join(dir, 'separation-over-training.json'), 'utf8')) as SeparationOverTrainingResult;
  const fin = JSON.parse(readFileSync(join(dir, 'separation.json'), 'utf8')) as SeparationResult;
  assert.equal(ot.schemaVersion, 1);
  assert.equal(ot.kind, 'separation-over-training');
  assert.deepEqual(ot.epochs.map((e) => e.epoch), Array.from({ length: EPOCHS + 1 }, (_, i) => i));
  assert.deepEqual(ot.layerNames, ['input', 'block1', 'block2', 'block3']);
  assert.deepEqual(ot.layers.map((l) => l.op), ['Input', 'Relu', 'Relu', 'Relu']);
  for (const e of ot.epochs) {
    assert.equal(e.D.length, 4);
    assert.ok(e.rho !== null && e.pearsonR !== null);
    assert.equal(e.D[0], ot.epochs[0]!.D[0]); // the input does not train
  }
  allNumbersFinite(ot);
  const last = ot.epochs.at(-1)!;
  last.D.forEach((d, i) => assert.ok(Math.abs(d - fin.layers[i]!.D) <= 1e-6 * d, `layer ${i}: ${d} vs ${fin.layers[i]!.D}`));
  const text = lines.join('\n');
  assert.match(text, /over training: the fit at each of 5 checkpoints/);
  assert.match(text, /epoch +ρ +Pearson r/);
  const svg = readFileSync(join(dir, 'separation-over-training.svg'), 'utf8');
  assert.match(svg, /Pearson r/);
  assert.match(svg, /aria-label="line"><path d="M/);
  // --checkpoints picks some epochs (sorted, deduplicated), with the same numbers as the full sweep
  const some = join(root, 'ot-some');
  assert.equal(await separationCommand([run, '--over-training', '--checkpoints', '4,0,2,2', '--out', some, '--layers', 'relu', '--quiet'], collect().out), 0);
  const sub = JSON.parse(readFileSync(join(some, 'separation-over-training.json'), 'utf8')) as SeparationOverTrainingResult;
  assert.deepEqual(sub.epochs.map((e) => e.epoch), [0, 2, 4]);
  assert.deepEqual(sub.epochs[1], ot.epochs[2]);
  const missing = await cli(['probe', 'separation', run, '--over-training', '--checkpoints', '0,7']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no checkpoint for epoch 7; the run has checkpoints at epochs 0, 1, 2, 3, 4/);
  const alone = await cli(['probe', 'separation', run, '--checkpoints', '0']);
  assert.equal(alone.code, 2);
  assert.match(alone.err, /add --over-training/);
});

test('an .onnx file needs --dataset (clear error); with it the results go next to the model or to --out', async () => {
  const model = join(run, 'model.onnx');
  const bare = await cli(['probe', 'separation', model]);
  assert.equal(bare.code, 1);
  assert.match(bare.err, /is an \.onnx file: pass --dataset <spec>/);
  const ot = await cli(['probe', 'separation', model, '--dataset', 'spirals#n=200,classes=4', '--over-training']);
  assert.equal(ot.code, 2);
  assert.match(ot.err, /--over-training needs a run directory/);
  const dir = join(root, 'onnx-out');
  const ok = await cli(['probe', 'separation', model, '--dataset', 'spirals#n=200,classes=4', '--out', dir, '--json']);
  assert.equal(ok.code, 0, ok.err);
  const r = JSON.parse(ok.out) as SeparationResult;
  assert.equal(r.sourceKind, 'onnx');
  assert.equal(r.n, 200);
  assert.equal(r.dataset.split, null);
  assert.ok(existsSync(join(dir, 'separation.json')) && existsSync(join(dir, 'separation.svg')));
  // a dataset of the wrong shape is a clear error too
  const wrong = await cli(['probe', 'separation', model, '--dataset', 'manifold#n=100', '--out', dir]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /shape/);
});

test('bad flags give usage errors (exit 2) that list the valid choices', async () => {
  const cases: [string[], RegExp][] = [
    [[run, '--variant', 'fuzzy'], /choose one of: definition, balanced/],
    [[run, '--split', 'val'], /choose one of: train, test, all/],
    [[run, '--bogus'], /valid options: .*--dataset.*--variant/],
    [[run, '--per-class', '0'], /--per-class '0' must be an integer ≥ 1/],
    [[run, '--seed', 'x'], /--seed 'x' must be an integer/],
    [[], /give one run directory or \.onnx file/],
    [[run, run], /got 2/],
    [[run, '--dataset', 'moons', '--split', 'test'], /--split picks a part of the run's own dataset/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(['probe', 'separation', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re, args.join(' '));
  }
  const missing = await cli(['probe', 'separation', join(root, 'nope')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /does not exist/);
  const badLayer = await cli(['probe', 'separation', run, '--layers', 'nosuchlayer']);
  assert.equal(badLayer.code, 1);
  assert.match(badLayer.err, /no probe-able layer 'nosuchlayer'/);
  const { lines, out } = collect();
  assert.equal(await separationCommand(['--help'], out), 0);
  assert.match(lines.join('\n'), /--over-training/);
});

test('the verdict of a fit whose D grows with depth (r ≥ +0.9) says so instead of claiming |r| < 0.9', () => {
  // two classes, fixed class means, within-class spread doubling with depth: D_l ∝ 4^l, ln D_l exactly linear, r = +1
  const n = 40;
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const layer = (l: number): { name: string; features: { data: Float32Array; shape: number[] } } => {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (y[i] === 0 ? -1 : 1) + 0.1 * 2 ** l * (((i >> 1) % 5) - 2);
    return { name: `l${l}`, features: { data, shape: [n, 1] } };
  };
  const law = separationLaw([0, 1, 2, 3].map(layer), y, 2, { variant: 'definition' });
  assert.ok(law.fit && law.fit.pearsonR !== null && law.fit.pearsonR > 0.9 && law.fit.rho > 1, JSON.stringify(law.fit));
  const text = fitLines(law).join('\n');
  assert.doesNotMatch(text, /\|r\| < 0\.9/);
  assert.match(text, /D grows with depth/);
});

test('a run without held-out data: --split test is a clear error (not a crash), for separation and dim', async () => {
  const noTest = join(root, 'no-test');
  assert.equal(await trainCommand(['--dataset', 'moons#n=100', '--epochs', '1', '--test-fraction', '0', '--quiet', '--out', noTest], collect().out), 0);
  const sep = await cli(['probe', 'separation', noTest, '--split', 'test']);
  assert.equal(sep.code, 1, sep.err);
  assert.match(sep.err, /no samples.*--split train/s);
  const dim = await cli(['probe', 'dim', noTest, '--quiet']);
  assert.equal(dim.code, 1, dim.err);
  assert.match(dim.err, /no samples.*--split train/s);
});

test('--help prints one usage line', async () => {
  const { lines, out } = collect();
  assert.equal(await separationCommand(['--help'], out), 0);
  assert.equal(lines.join('\n').split('\n').filter((l) => l.startsWith('usage:')).length, 1);
});
