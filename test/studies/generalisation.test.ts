/** The generalisation study: a small grid in worker threads, resumption without redoing finished runs, the CLI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { readResult } from '../../src/probes/node.js';
import { expandGrid, parseStudyGrid, parseStudyGridText } from '../../src/studies/generalisation/grid.js';
import { kendallTau } from '../../src/studies/generalisation/kendall.js';
import { runGeneralisationStudy } from '../../src/studies/generalisation/node.js';
import { GENERALISATION_STUDY_RESULT } from '../../src/studies/generalisation/schema.js';

const GRID = { dataset: 'moons', widths: [8], epochs: 2, lr: [0.05, 0.2], batchSize: [32, 64], seed: [1], recordLast: 12, lossSamples: 64, limit: 300 };

test('grid: defaults, keys unique per settings, YAML and JSON files, errors naming the field', () => {
  const g = parseStudyGrid({});
  assert.deepEqual(g.lr, [0.01, 0.03, 0.1]);
  assert.equal(expandGrid(g).length, 3 * 2 * 2);
  const a = expandGrid(parseStudyGrid(GRID));
  assert.equal(new Set(a.map((r) => r.key)).size, 4);
  assert.deepEqual(expandGrid(parseStudyGrid(GRID)).map((r) => r.key), a.map((r) => r.key), 'keys are deterministic');
  assert.deepEqual(parseStudyGridText('dataset: moons\nlr: [0.1, 0.3]\nseed: [4]\n', 'g.yaml').lr, [0.1, 0.3]);
  assert.deepEqual(parseStudyGridText(JSON.stringify(GRID), 'g.json').batchSize, [32, 64]);
  assert.throws(() => parseStudyGrid({ lr: [-1] }), /lr\.0/);
  assert.throws(() => parseStudyGridText('lr: [0.1\n', 'bad.yaml'), /bad\.yaml: not YAML or JSON/);
  assert.throws(() => expandGrid(parseStudyGrid({ ...GRID, seed: [1, 1] })), /same settings/);
  // a misspelt key is refused rather than run at the default (a user's report: batchsize: [64] ran at batch 32 and 128)
  assert.throws(() => parseStudyGridText('batchsize: [64]\n', 'g.yaml'), /g\.yaml: not a valid study grid: .*batchsize/);
});

test('study: 4 runs in 2 worker threads, records and generalisation.json valid, τ consistent with the records; a second run resumes without redoing runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geolens-study-'));
  try {
    const grid = parseStudyGrid(GRID);
    const seen: boolean[] = [];
    const r = await runGeneralisationStudy(grid, { dir, workers: 2, onRun: (_, resumed) => seen.push(resumed) });
    assert.equal(r.runs.length, 4);
    assert.deepEqual(seen, [false, false, false, false]);
    for (const run of r.runs) {
      assert.ok(existsSync(join(dir, run.runDir, 'trajectory.safetensors')), 'each run records its trajectory');
      assert.ok(run.magnitude.euclidean.points >= 3 && run.magnitude.euclidean.magnitudeDimension > 0);
      assert.ok(Number.isFinite(run.magnitude.loss.magnitudeDimension));
      assert.ok(Math.abs(run.accuracyGap - (run.trainAccuracy - run.testAccuracy)) < 1e-12);
    }
    const c = r.correlations.find((x) => x.measure.includes('Euclidean') && x.gap === 'loss gap')!;
    const tau = kendallTau(r.runs.map((x) => x.magnitude.euclidean.magnitudeDimension), r.runs.map((x) => x.lossGap));
    assert.ok(Object.is(c.kendall.overall, tau) || Math.abs(c.kendall.overall - tau) < 1e-15);
    assert.equal(c.kendall.perAxis.lr!.groups + c.kendall.perAxis.batchSize!.groups <= 4, true);
    const back = await readResult(GENERALISATION_STUDY_RESULT, join(dir, 'generalisation.json'));
    assert.equal(back.runs.length, 4);

    // again: every run is kept; then with one record removed, only that run is redone
    const before = statSync(join(dir, r.runs[0]!.runDir, 'model.onnx')).mtimeMs;
    const again: boolean[] = [];
    await runGeneralisationStudy(grid, { dir, workers: 2, onRun: (_, resumed) => again.push(resumed) });
    assert.deepEqual(again, [true, true, true, true]);
    rmSync(join(dir, r.runs[3]!.runDir), { recursive: true });
    const third: boolean[] = [];
    const r3 = await runGeneralisationStudy(grid, { dir, workers: 2, onRun: (_, resumed) => third.push(resumed) });
    assert.deepEqual(third, [true, true, true, false]);
    assert.equal(statSync(join(dir, r.runs[0]!.runDir, 'model.onnx')).mtimeMs, before, 'a finished run is not retrained');
    assert.deepEqual(r3.runs[3]!.magnitude, r.runs[3]!.magnitude, 'a redone run is bit-identical (seeded)');

    await assert.rejects(runGeneralisationStudy(parseStudyGrid({ ...GRID, epochs: 3 }), { dir }), /holds a study with another grid/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: geolens study generalisation prints the Kendall table and writes the study folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geolens-study-cli-'));
  const lines: string[] = [];
  const log = console.log;
  console.log = (l: string) => void lines.push(l);
  try {
    const code = await main(['study', 'generalisation', '--dataset', 'moons', '--widths', '8', '--epochs', '1', '--lr', '0.05,0.2', '--batch-size', '64', '--seed', '1,2', '--record-last', '8', '--loss-samples', '32', '--limit', '200', '--workers', '2', '--out', dir, '--quiet']);
    assert.equal(code, 0);
  } finally {
    console.log = log;
  }
  const text = lines.join('\n');
  assert.match(text, /generalisation study: 4 runs on moons/);
  assert.match(text, /magnitude dimension \(Euclidean\)\s+accuracy gap/);
  assert.match(text, /ψ lr/);
  assert.ok(JSON.parse(readFileSync(join(dir, 'generalisation.json'), 'utf8')).runs.length === 4);
  rmSync(dir, { recursive: true, force: true });
});
