/**
 * geolens as a library: every probe in a few lines, using only the public exports (`src/index.ts` = 'geolens',
 * `src/node.ts` = 'geolens/node'), as the README shows. The CLI is not involved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildModel,
  DIM_RESULT,
  importDefinition,
  initWeights,
  parseResult,
  runDim,
  runSeparation,
  SEPARATION_RESULT,
  separationLaw,
  layerFeatures,
  chooseLayers,
  modelInput,
  parseSchedule,
  Trainer,
  trainLoop,
} from '../src/index.js';
import { createNodeEngine, loadDataset, readResult, writeAnalysis, writeResult } from '../src/node.js';
import { analyze, ANALYSIS_PROBES, ANALYSIS_RESULT, lineChart, SECTIONS } from '../src/index.js';

test('library: train with Trainer/trainLoop, then separation and DIM as one call each; results survive a JSON round trip through their schemas', async () => {
  const engine = createNodeEngine({ threads: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'geolens-lib-'));
  try {
    const data = await loadDataset('moons', { seed: 3 });
    const def = buildModel({ kind: 'mlp', inputShape: data.sampleShape, widths: [16, 16], numClasses: data.numClasses });
    const trainer = await Trainer.create(engine, def, { optimizer: 'momentum', momentum: 0.9, lr: 0.1, batchSize: 64, seed: 3 });
    await trainLoop(trainer, { train: data }, { epochs: 5, batchSize: 64, seed: 3, baseLr: 0.1, schedule: parseSchedule('constant', 5) });
    const model = importDefinition(def, trainer.params, trainer.buffers, 'moons-mlp');

    const progress: string[] = [];
    const sep = await runSeparation(engine, model, data, {}, (stage) => progress.push(stage));
    assert.equal(sep.kind, 'separation');
    assert.equal(sep.layers.length, 1 + 2 + 1); // input, two ReLU blocks, logits
    assert.ok(progress.includes('features') && progress.includes('D_l'));
    // the same D_l as the pure math on features computed by hand through the measure room
    const layers = chooseLayers(model, 'auto');
    const feats = await layerFeatures(engine, model, layers, modelInput(model, data));
    const n = data.y.length;
    const law = separationLaw([{ name: 'input', features: { data: data.x.data, shape: [n, 2] } }, ...feats], data.y, data.numClasses, { variant: 'definition' });
    law.layers.forEach((l, i) => assert.equal(sep.layers[i]!.D, l.D));

    const { spectrum } = await runDim(engine, model, data, { n: 64, seed: 1 });
    assert.equal(spectrum.n, 64);
    assert.ok(spectrum.points.every((p) => p.rank <= data.numClasses - 1));

    // results are plain JSON, validated on read
    assert.deepEqual(parseResult(SEPARATION_RESULT, JSON.parse(JSON.stringify(sep))), JSON.parse(JSON.stringify(sep)));
    await writeResult(dir, 'dim', spectrum);
    const back = await readResult(DIM_RESULT, join(dir, 'dim.json'));
    assert.deepEqual(back.stats, spectrum.stats);
    assert.equal(back.points.length, 64);
  } finally {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the version written into runs and results is the package version', async () => {
  const { VERSION } = await import('../src/index.js');
  const { readFileSync } = await import('node:fs');
  assert.equal(VERSION, (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
});

test('library: analyze a model and write its report with the public exports, as the README shows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geolens-lib-analyze-'));
  const engine = createNodeEngine({ threads: 1 });
  try {
    const data = await loadDataset('circles#n=300', { seed: 2 });
    const def = buildModel({ kind: 'mlp', inputShape: data.sampleShape, widths: [8, 8], numClasses: data.numClasses });
    const trainer = await Trainer.create(engine, def, { optimizer: 'adam', lr: 0.02, batchSize: 64, seed: 2 });
    await trainLoop(trainer, { train: data }, { epochs: 3, batchSize: 64, seed: 2, baseLr: 0.02, schedule: parseSchedule('constant', 3) });
    const target = { path: 'circles-mlp', kind: 'onnx' as const, model: importDefinition(def, trainer.params, trainer.buffers, 'circles-mlp') };
    const analysis = await analyze(engine, target, { train: data, test: data, spec: 'circles#n=300', parts: 'one-dataset', seed: 0 }, {}, () => {});
    const { report } = await writeAnalysis(join(dir, 'analysis'), analysis);
    assert.equal(report, join(dir, 'analysis', 'report.html'));
    const manifest = await readResult(ANALYSIS_RESULT, join(dir, 'analysis', 'results', 'analysis.json'));
    // every registered probe ran, but topology (one model alone has no other network to be compared with) and OT (needs an autoencoder)
    assert.deepEqual(manifest.probes.map((p) => [p.name, p.status]), [...SECTIONS.keys()].filter((k) => ANALYSIS_PROBES.has(k)).map((k) => [k, k === 'topology' || k === 'ot' ? 'skipped' : 'ok']));
    assert.match(manifest.probes.find((p) => p.name === 'ot')!.reason!, /^needs an autoencoder/);
    assert.match(readFileSync(report, 'utf8'), /<section class="probe" id="dim">/);
    // charts render in Node once geolens/node is imported (a linkedom document)
    assert.match(lineChart({ xLabel: 'x', yLabel: 'y' }, [{ name: 'a', points: [[0, 0], [1, 1]] }]), /^<svg /);
  } finally {
    await engine.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
