/**
 * Ctrl-C during `geolens analyze` keeps the finished work: the finished probes' results (written as each finishes),
 * analysis.json with the running probe and the ones not started marked 'interrupted', a report.html from what
 * finished, a line saying what was kept and how to finish, and exit code 130 — as train, study and ot do.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { interruptWhen } from '../helpers/interrupt.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { trainCommand } from '../../src/cli/train.js';

const root = mkdtempSync(join(tmpdir(), 'geolens-analyze-interrupt-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('SIGINT after the first probe finished: its results, analysis.json (rest interrupted), report.html and a how-to-finish line are kept; exit 130', async () => {
  const run = join(root, 'run');
  assert.equal(await trainCommand(['--dataset', 'moons#n=5000', '--widths', '16x2', '--epochs', '2', '--optimizer', 'adam', '--lr', '0.02', '--quiet', '--out', run], () => {}), 0);
  const dir = join(root, 'analysis');
  // separation is quick; magnitude on 1000 points at 100 scales takes seconds, so the Ctrl-C lands while it runs
  const args = ['analyze', run, '--out', dir, '--threads', '1', '--probes', 'separation,magnitude,dim', '--set', 'magnitude.n=1000', '--set', 'magnitude.scales=100'];
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('src/cli/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const first = join(dir, 'results', 'separation.json');
  const code = await interruptWhen(child, () => existsSync(first));
  const log = `stdout:\n${stdout}\nstderr:\n${stderr}`;
  assert.equal(code, 130, log);

  // the finished probe's results, the manifest and the report are on disk; nothing of the unfinished probes
  const results = readdirSync(join(dir, 'results')).sort();
  assert.ok(results.includes('separation.json') && results.includes('analysis.json'), results.join(', '));
  assert.ok(!results.includes('magnitude.json') && !results.includes('dim.json'), results.join(', '));
  const sep = JSON.parse(readFileSync(first, 'utf8'));
  assert.ok(Array.isArray(sep.layers) && sep.layers.length > 0, 'separation.json holds its layers');
  const manifest = JSON.parse(readFileSync(join(dir, 'results', 'analysis.json'), 'utf8'));
  const status = Object.fromEntries(manifest.probes.map((p: { name: string; status: string }) => [p.name, p.status]));
  assert.deepEqual(status, { separation: 'ok', magnitude: 'interrupted', dim: 'interrupted' }, log);
  assert.match(manifest.probes[2].reason, /not started/);
  assert.deepEqual(manifest.accuracy, { train: null, test: null });
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.match(html, /Interrupted: /);
  assert.match(html, /id="separation"/);

  // one line: what was kept, what is missing, and the command that finishes it
  assert.match(stderr, /interrupt: the running probe stops at its next step/);
  const line = stdout.trim().split('\n').at(-1)!;
  assert.match(line, /^interrupted: kept separation in .*results and the report .*report\.html; not finished: magnitude, dim\. Finish with: geolens analyze .* --out .* --probes magnitude,dim/, log);
});
