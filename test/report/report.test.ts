/**
 * The HTML report from saved results: sections from the registry (duplicates refused), validated inputs (a broken or
 * incompatible file is an error panel, not a crash), probes without a section, a self-contained page, comparisons.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainCommand } from '../../src/cli/train.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { openTarget } from '../../src/measure/node.js';
import { readReportInput, writeAnalysis } from '../../src/report/node.js';
import { buildReport, renderCompare, renderReport, type ReportInput } from '../../src/report/report.js';
import { SECTIONS } from '../../src/report/sections/index.js';
import { separationSection } from '../../src/report/sections/separation.js';
import { analyze } from '../../src/studies/analyze.js';
import { analysisData } from '../../src/studies/node.js';
import { registry } from '../../src/util/registry.js';

const root = mkdtempSync(join(tmpdir(), 'geolens-report-'));
let input: ReportInput;

before(async () => {
  const run = join(root, 'spirals');
  assert.equal(await trainCommand(['--dataset', 'spirals#n=400,classes=3', '--widths', '16x2', '--epochs', '4', '--optimizer', 'adam', '--lr', '0.02', '--quiet', '--out', run], () => {}), 0);
  const engine = createNodeEngine({ threads: 1 });
  try {
    const target = await openTarget(run);
    const a = await analyze(engine, target, await analysisData(target), { createdAt: '2030-01-01T00:00:00.000Z', command: 'geolens analyze <spirals>' });
    await writeAnalysis(run, a);
    input = await readReportInput(join(run, 'results'));
  } finally {
    await engine.dispose();
  }
});

after(() => rmSync(root, { recursive: true, force: true }));

test('sections are registered once each, in page order, separation first', () => {
  assert.deepEqual([...SECTIONS.keys()].slice(0, 2), ['separation', 'dim']);
  assert.throws(() => registry('report sections', [separationSection, separationSection], (s) => s.probe), /'separation' is registered twice/);
});

test('a full report: header facts, a headline in words per section, figures with inline SVG, nothing fetched', () => {
  const { html, sections } = buildReport(input);
  assert.deepEqual(sections.map((s) => [s.probe, s.status]), [['separation', 'ok'], ['dim', 'ok'], ['magnitude', 'ok'], ['topology', 'ok'], ['regions', 'ok'], ['ot', 'skipped']]);
  assert.match(sections[0]!.headline!, /^Each layer (divides|multiplies) separation fuzziness by [\d.]+ \(ρ = [\d.]+\); /);
  assert.match(sections[1]!.headline!, /^D\(x\) has rank \d/);
  assert.match(html, /<dt>model<\/dt><dd>MLP 2 → 16 → 16 → 3, Linear–ReLU blocks · /);
  assert.match(html, /<dt>produced<\/dt><dd>2030-01-01T00:00:00.000Z by geolens [\d.]+ · <code>geolens analyze &lt;spirals&gt;<\/code>/);
  assert.match(html, /<dt>accuracy<\/dt><dd>[\d.]+% training · [\d.]+% held-out/);
  const figures = html.match(/<figure class="chart[^"]*">/g) ?? [];
  assert.ok(figures.length >= 6, `${figures.length} figures`);
  assert.equal((html.match(/<svg /g) ?? []).length, figures.length);
  // self-contained: no scripts, no external resources, ids unique on the page
  assert.doesNotMatch(html, /<script|<link |src="http|href="http|url\(http|@import/);
  const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'duplicate ids');
  assert.match(html, /prefers-color-scheme: dark/);
  assert.equal(renderReport(input), html);
});

test('results without analysis.json (geolens probe folders) still make a report; a broken file is a panel, not a crash', () => {
  const files = { ...input.files };
  const noManifest = buildReport({ ...input, manifest: null, files });
  assert.deepEqual(noManifest.sections.map((s) => s.status), ['ok', 'ok', 'ok', 'ok', 'ok']);
  assert.match(noManifest.html, /results of single probes; no analysis\.json/);

  const broken = buildReport({ ...input, manifest: null, files: { ...files, separation: { ...(files.separation as object), layers: 'nope' } }, unreadable: { 'dim-walks': 'Unexpected end of JSON input' } });
  assert.equal(broken.sections[0]!.status, 'error');
  assert.match(broken.sections[0]!.body, /not a valid separation result.*layers/);
  assert.equal(broken.sections[1]!.status, 'error');
  assert.match(broken.sections[1]!.body, /dim-walks\.json: not JSON \(Unexpected end of JSON input\)/);

  const newer = buildReport({ ...input, files: { ...files, dim: { ...(files.dim as object), schemaVersion: 99 } } });
  assert.match(newer.sections[1]!.body, /written by a newer geolens \(schema version 99/);
  assert.equal(newer.sections[0]!.status, 'ok');

  const badManifest = buildReport({ ...input, manifest: { schemaVersion: 1, probe: 'analysis' } });
  assert.match(badManifest.html, /analysis\.json: not a valid analysis result/);
  assert.deepEqual(badManifest.sections.map((s) => s.status), ['ok', 'ok', 'ok', 'ok', 'ok']);
});

test('probes the registry has no section for are listed with their status; hostile text is escaped', () => {
  const m = JSON.parse(JSON.stringify(input.manifest)) as { probes: unknown[]; command: string };
  m.probes.push({ name: 'sheaf', title: 'Sheaf cohomology', status: 'skipped', reason: 'a Sigmoid <script>alert(1)</script> is not piecewise linear', seconds: null, files: [] });
  m.probes.push({ name: 'curvature', title: 'Curvature', status: 'ok', reason: null, seconds: 1, files: ['curvature.json'] });
  m.command = '<img src=x onerror=alert(1)>';
  const { html, sections } = buildReport({ ...input, manifest: m });
  assert.deepEqual(sections.map((s) => [s.probe, s.status]), [['separation', 'ok'], ['dim', 'ok'], ['magnitude', 'ok'], ['topology', 'ok'], ['regions', 'ok'], ['ot', 'skipped'], ['sheaf', 'skipped'], ['curvature', 'found']]);
  assert.match(html, /Skipped: a Sigmoid &lt;script&gt;alert\(1\)&lt;\/script&gt; is not piecewise linear/);
  assert.match(html, /No report section for this probe yet; its results: curvature\.json/);
  assert.doesNotMatch(html, /<script|<img /);
});

test('compare: the runs side by side, each section over the runs that have its results', () => {
  const noDim = { ...input, files: Object.fromEntries(Object.entries(input.files).filter(([k]) => !k.startsWith('dim'))) };
  const html = renderCompare([
    { label: 'run A', input },
    { label: 'run B', input: noDim },
  ]);
  assert.match(html, /<h1>geolens comparison — run A · run B<\/h1>/);
  assert.match(html, /id="separation"/);
  assert.match(html, /run A: ρ = /);
  assert.match(html, /run B: ρ = /);
  assert.match(html, /No dim results for: run B\./);
  assert.doesNotMatch(html, /<script|src="http/);
});
