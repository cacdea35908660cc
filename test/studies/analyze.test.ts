/**
 * analyze(): every registered probe on one model, skips with reasons, failures that do not stop the others, the
 * manifest, and writeAnalysis/writeReport (results validated on read, stale files removed, byte-identical re-render).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainCommand } from '../../src/cli/train.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { GeolensError } from '../../src/errors.js';
import { openTarget } from '../../src/measure/node.js';
import type { ProbeTarget } from '../../src/measure/target.js';
import { parseResult } from '../../src/probes/result.js';
import type { DimWalksResult } from '../../src/probes/dim/types.js';
import { readReportInput, writeAnalysis, writeReport } from '../../src/report/node.js';
import { analyze, parseProbeList } from '../../src/studies/analyze.js';
import { analysisData } from '../../src/studies/node.js';
import { defaultComparisons, noiseSigma } from '../../src/studies/probes/dim.js';
import { ANALYSIS_PROBES } from '../../src/studies/probes/index.js';
import { separationProbe, spreadCheckpoints } from '../../src/studies/probes/separation.js';
import { ANALYSIS_RESULT } from '../../src/studies/schema.js';
import type { AnalysisData, AnalysisEvent, AnalysisProbe } from '../../src/studies/types.js';
import { registry } from '../../src/util/registry.js';

const root = mkdtempSync(join(tmpdir(), 'geolens-analyze-'));
const run = join(root, 'moons');
const engine = createNodeEngine({ threads: 1 });
let target: ProbeTarget;
let data: AnalysisData;

before(async () => {
  const code = await trainCommand(['--dataset', 'moons#n=600', '--widths', '16x2', '--epochs', '6', '--optimizer', 'adam', '--lr', '0.02', '--batch-size', '64', '--quiet', '--out', run], () => {});
  assert.equal(code, 0);
  target = await openTarget(run);
  data = await analysisData(target);
});

after(async () => {
  await engine.dispose();
  rmSync(root, { recursive: true, force: true });
});

test('analyze runs every registered probe on a run: the manifest says what was measured on what, with accuracies', async () => {
  const events: AnalysisEvent[] = [];
  const a = await analyze(engine, target, data, { command: 'test', createdAt: '2030-01-01T00:00:00.000Z' }, (e) => events.push(e));
  const m = a.manifest;
  // every classifier probe runs; OT, which needs an autoencoder, is skipped with its reason
  const forClassifiers = [...ANALYSIS_PROBES.values()].filter((p) => (p.needs ?? 'classifier') === 'classifier').map((p) => p.name);
  assert.deepEqual(m.probes.map((p) => [p.name, p.status]), [...ANALYSIS_PROBES.keys()].map((k) => [k, forClassifiers.includes(k) ? 'ok' : 'skipped']));
  assert.deepEqual(m.probes.filter((p) => p.status === 'skipped').map((p) => p.reason), ['needs an autoencoder run (geolens train --model autoencoder); this model is a classifier.']);
  assert.equal(m.createdAt, '2030-01-01T00:00:00.000Z');
  assert.equal(m.model.kind, 'run');
  assert.equal(m.model.description, 'MLP 2 → 16 → 16 → 2, Linear–ReLU blocks');
  assert.equal(m.model.parameters, 2 * 16 + 16 + 16 * 16 + 16 + 16 * 2 + 2);
  assert.deepEqual([m.data.parts, m.data.train, m.data.test, m.data.numClasses], ['run-split', 480, 120, 2]);
  assert.ok(m.accuracy.train! > 0.75 && m.accuracy.test! > 0.75, JSON.stringify(m.accuracy));
  assert.equal(m.training?.checkpoints, 7);
  assert.deepEqual(parseResult(ANALYSIS_RESULT, JSON.parse(JSON.stringify(m))), m);
  // the outputs: separation with the law over (all 7) checkpoints, DIM with walks, a 2-D leaf field over the points, distances
  assert.deepEqual(Object.keys(a.outputs.separation!.results).sort(), ['separation', 'separation-over-training']);
  assert.deepEqual(Object.keys(a.outputs.dim!.results).sort(), ['dim', 'dim-distances', 'dim-walks']);
  const w = a.outputs.dim!.results['dim-walks'] as DimWalksResult;
  assert.equal(w.field!.data!.points.length, 120);
  assert.deepEqual(w.field!.data!.labels, Array.from(data.test.y));
  // progress: a plan, then start … end per probe, with stage progress in between
  assert.equal(events[0]!.type, 'plan');
  for (const name of forClassifiers) {
    const mine = events.filter((e) => 'probe' in e && e.probe === name).map((e) => e.type);
    assert.equal(mine[0], 'start');
    assert.equal(mine[mine.length - 1], 'end');
    assert.ok(mine.includes('progress'));
  }
});

test('a probe that cannot apply is skipped with its reason, one that throws is recorded as failed, and the others still run', async () => {
  const notPl: AnalysisProbe = { name: 'regions', title: 'Linear regions', files: ['regions'], applies: () => 'the network has a Sigmoid: linear regions need piecewise-linear ops.', run: async () => ({ results: {} }) };
  const boom: AnalysisProbe = { name: 'boom', title: 'Exploding probe', files: ['boom'], applies: () => true, run: async () => { throw new GeolensError('ENGINE', 'onnxruntime fell over'); } };
  const reg = registry('test probes', [notPl, boom, separationProbe], (p) => p.name);
  const a = await analyze(engine, target, data, { registry: reg, probeOptions: { separation: { overTraining: false } } });
  assert.deepEqual(a.manifest.probes.map((p) => [p.name, p.status]), [['regions', 'skipped'], ['boom', 'failed'], ['separation', 'ok']]);
  assert.match(a.manifest.probes[0]!.reason!, /piecewise-linear/);
  assert.match(a.manifest.probes[1]!.reason!, /\[ENGINE\] onnxruntime fell over/);
  assert.deepEqual(Object.keys(a.outputs), ['separation']);
  // the report shows the reasons and draws the probe that ran
  const dir = join(root, 'skips');
  const { report } = await writeAnalysis(dir, a, reg);
  const html = readFileSync(report, 'utf8');
  assert.match(html, /Skipped: the network has a Sigmoid: linear regions need piecewise-linear ops\./);
  assert.match(html, /Failed: \[ENGINE\] onnxruntime fell over/);
  assert.match(html, /<section class="probe" id="separation">/);
  assert.doesNotMatch(html, /id="dim"/);
});

test('writeAnalysis: results on disk validate, the report re-renders byte for byte, stale results of a probe are removed', async () => {
  const dir = join(root, 'written');
  const a = await analyze(engine, target, data, { createdAt: '2030-01-01T00:00:00.000Z' });
  const { report, files } = await writeAnalysis(dir, a);
  assert.equal(report, join(dir, 'report.html'));
  for (const f of ['analysis.json', 'separation.json', 'separation-over-training.json', 'dim.json', 'dim-walks.json', 'dim-distances.json', 'magnitude.json', 'topology.json', 'regions.json']) assert.ok(files.includes(join(dir, 'results', f)), f);
  const first = readFileSync(report);
  const input = await readReportInput(join(dir, 'results'));
  assert.deepEqual(Object.keys(input.files).sort(), ['dim', 'dim-distances', 'dim-walks', 'magnitude', 'regions', 'separation', 'separation-over-training', 'topology']);
  assert.notEqual(input.manifest, null);
  const again = await writeReport(dir);
  assert.ok(readFileSync(again.file).equals(first), 'the re-rendered report differs from the first');
  assert.deepEqual(again.sections.map((s) => [s.probe, s.status]), [['separation', 'ok'], ['dim', 'ok'], ['magnitude', 'ok'], ['topology', 'ok'], ['regions', 'ok'], ['ot', 'skipped']]);
  // the DIM again without comparisons: its old dim-distances.json must not linger in the report
  const b = await analyze(engine, target, data, { probes: ['dim'], probeOptions: { dim: { compare: false } } });
  await writeAnalysis(dir, b);
  assert.ok(!existsSync(join(dir, 'results', 'dim-distances.json')));
  assert.ok(existsSync(join(dir, 'results', 'separation.json')), 'results of probes this analysis did not run are kept');
  const html = readFileSync(report, 'utf8');
  assert.match(html, /These results were found in the folder; they are not part of this analysis/);
});

test('options: --probes lists, checkpoint spreads, noise σ and the default comparisons', () => {
  assert.equal(parseProbeList('all'), undefined);
  assert.deepEqual(parseProbeList('dim, separation,dim'), ['dim', 'separation']);
  assert.throws(() => parseProbeList('dim,nope'), /unknown probe 'nope'; choose from: all, separation, dim/);
  assert.deepEqual(spreadCheckpoints([0, 1, 2], 16), [0, 1, 2]);
  const many = spreadCheckpoints(Array.from({ length: 601 }, (_, i) => i), 16);
  assert.equal(many.length, 16);
  assert.equal(many[0], 0);
  assert.equal(many[15], 600);
  assert.equal(noiseSigma(data.test), Number(noiseSigma(data.test).toPrecision(2)));
  assert.ok(noiseSigma(data.test) > 0.05 && noiseSigma(data.test) < 0.5);
  assert.deepEqual(defaultComparisons(data.test, 16).map((c) => c.spec), ['resample', `noise:${noiseSigma(data.test)}`, 'rotated:30', 'uniform']);
  assert.deepEqual(defaultComparisons(data.test, 256).map((c) => c.spec), [`noise:${noiseSigma(data.test)}`, 'rotated:30', 'uniform']);
});

test('registries refuse a name registered twice', () => {
  assert.throws(() => registry('analysis probes', [separationProbe, separationProbe], (p) => p.name), /'separation' is registered twice/);
});
