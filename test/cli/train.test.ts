import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interruptWhen } from '../helpers/interrupt.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { trainCommand } from '../../src/cli/train.js';
import { main } from '../../src/cli/main.js';
import { readSafetensorsFile } from '../../src/models/node.js';
import { defaultEngine } from '../../src/engine/node.js';
import { loadDataset } from '../../src/data/node.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'geolens-train-'));
const quietOut = (): { lines: string[]; out: (l: string) => void } => {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l) };
};
const SMALL = ['--dataset', 'moons', '--widths', '16x2', '--batch-size', '64', '--optimizer', 'adam', '--lr', '0.01', '--quiet'];

test('geolens train writes a complete run directory whose model.onnx reproduces the trained logits', async () => {
  const dir = join(tmp(), 'run');
  const { lines, out } = quietOut();
  const code = await trainCommand([...SMALL, '--epochs', '5', '--record-every', '4', '--record-last', '3', '--out', dir], out);
  assert.equal(code, 0);
  assert.ok(lines.some((l) => l.includes('run directory: ' + dir)), lines.join('\n'));
  for (const f of ['config.json', 'run.json', 'metrics.jsonl', 'model.onnx', 'weights/final.safetensors', 'weights/epoch-0000.safetensors', 'weights/epoch-0005.safetensors', 'trajectory.safetensors']) {
    assert.ok(existsSync(join(dir, f)), `missing ${f}`);
  }
  const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; testAccuracy: number });
  assert.deepEqual(metrics.map((m) => m.epoch), [1, 2, 3, 4, 5]);
  assert.ok(metrics[4]!.testAccuracy > 0.8, `moons accuracy ${metrics[4]!.testAccuracy}`);
  assert.equal(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).state, 'complete');
  // trajectory: steps 0, 4, 8, … plus the last 3 steps
  const traj = await readSafetensorsFile(join(dir, 'trajectory.safetensors'));
  const steps = Array.from(traj.tensors.step!.data as BigInt64Array, Number);
  const total = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).step as number;
  assert.deepEqual(steps.slice(0, 3), [0, 4, 8]);
  assert.deepEqual(steps.slice(-3), [total - 2, total - 1, total]);
  assert.deepEqual(traj.tensors['fc1.weight']!.shape, [steps.length, 2, 16]);
  // the exported model computes the same logits as the final weights in the eval graph
  const final = await readSafetensorsFile(join(dir, 'weights/final.safetensors'));
  assert.deepEqual(Array.from(final.tensors['fc1.weight']!.data as Float32Array), Array.from(traj.tensors['fc1.weight']!.data.slice(-32) as Float32Array));
  const ds = await loadDataset('moons', { seed: 1 });
  const g = await defaultEngine().load(new Uint8Array(readFileSync(join(dir, 'model.onnx'))));
  const z = (await g.run({ input: { data: ds.x.data.slice(0, 20), shape: [10, 2] } })).logits!;
  assert.deepEqual(z.shape, [10, 2]);
  assert.ok(Array.from(z.data as Float32Array).every(Number.isFinite));
});

test('bad flags give a usage error that lists the valid choices (exit code 2)', async () => {
  const errs: string[] = [];
  const orig = console.error;
  console.error = (m: string) => errs.push(String(m));
  try {
    assert.equal(await main(['train', '--optimizer', 'rmsprop']), 2);
    assert.match(errs.join('\n'), /choose one of: sgd, momentum, adam/);
    assert.equal(await main(['train', '--bogus']), 2);
    assert.match(errs.join('\n'), /valid options: .*--dataset/);
    assert.equal(await main(['train', '--widths', '10y3']), 2);
    assert.match(errs.join('\n'), /100x8/);
    assert.equal(await main(['train', '--epochs', '-1']), 2);
    assert.equal(await main(['train', '--dataset', 'idx:/nonexistent/mnist', '--quiet']), 1);
    assert.match(errs.join('\n'), /nonexistent/);
  } finally {
    console.error = orig;
  }
});

test('Ctrl-C leaves a consistent run that --resume finishes bit-identically to an uninterrupted run', async () => {
  const root = tmp();
  const ref = join(root, 'ref');
  const args = [...SMALL, '--epochs', '60'];
  assert.equal(await trainCommand([...args, '--out', ref], quietOut().out), 0);

  const dir = join(root, 'interrupted');
  const cli = resolve('src/cli/main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'train', ...args, '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const m = join(dir, 'metrics.jsonl');
  const code = await interruptWhen(child, () => existsSync(m) && readFileSync(m, 'utf8').split('\n').length > 4);
  assert.equal(code, 130, stdout);
  const status = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  assert.equal(status.state, 'interrupted');
  assert.ok(status.epochsDone < 60 && status.epochsDone >= 3, JSON.stringify(status));
  assert.match(stdout, /--resume/);
  assert.equal(await trainCommand(['--resume', '--out', dir, '--quiet'], quietOut().out), 0);
  const a = await readSafetensorsFile(join(ref, 'weights/final.safetensors'));
  const b = await readSafetensorsFile(join(dir, 'weights/final.safetensors'));
  for (const k of Object.keys(a.tensors)) assert.deepEqual(b.tensors[k]!.data, a.tensors[k]!.data, `${k} differs after resume`);
  const ma = readFileSync(join(ref, 'metrics.jsonl'), 'utf8').split('\n').map((l) => l.replace(/"seconds":[^,}]*/, ''));
  const mb = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').map((l) => l.replace(/"seconds":[^,}]*/, ''));
  assert.deepEqual(mb, ma);
});

const mnist = resolve('../shared/data/mnist');
test('MNIST (seeded 8k/2k split of ../shared/data/mnist) trains an MLP to ≥ 95% held-out accuracy', { skip: existsSync(mnist) ? false : `no MNIST files at ${mnist}` }, async () => {
  const dir = join(tmp(), 'mnist');
  const { lines, out } = quietOut();
  const code = await trainCommand(['--dataset', `idx:${mnist}`, '--widths', '256,256', '--optimizer', 'momentum', '--lr', '0.1', '--weight-decay', '5e-4', '--lr-schedule', 'cosine', '--epochs', '12', '--checkpoint-every', '12', '--quiet', '--out', dir], out);
  assert.equal(code, 0);
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.equal(cfg.dataset.train, 8000);
  assert.equal(cfg.dataset.test, 2000);
  const last = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).at(-1);
  assert.ok(last.testAccuracy >= 0.95, `held-out accuracy ${last.testAccuracy}\n${lines.join('\n')}`);
});

test('--resume on a complete run: a different --epochs is refused, differing flags are named as ignored, no bogus throughput', async () => {
  const dir = join(tmp(), 'run');
  assert.equal(await trainCommand([...SMALL, '--epochs', '2', '--out', dir], quietOut().out), 0);
  // --epochs beyond the saved count: a clear error that says what to do, and the run is left as it was
  await assert.rejects(trainCommand(['--resume', '--out', dir, '--epochs', '3', '--quiet'], quietOut().out), (e: Error) => {
    assert.match(e.message, /set up for 2 epochs/);
    assert.match(e.message, /Drop --epochs to finish this run, or train a new run with --epochs 3/);
    return true;
  });
  assert.equal(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).state, 'complete');
  // the same flags as the run's config (and --epochs equal to it): no warning; nothing trained, no steps/s line
  const same = quietOut();
  assert.equal(await trainCommand([...SMALL, '--epochs', '2', '--resume', '--out', dir], same.out), 0);
  assert.ok(!same.lines.some((l) => /warning/.test(l)), same.lines.join('\n'));
  assert.ok(same.lines.some((l) => /^nothing left to train: the run is complete/.test(l)), same.lines.join('\n'));
  assert.ok(!same.lines.some((l) => /steps\/s/.test(l)), same.lines.join('\n'));
  // differing flags: one warning line naming each with its saved value; equal ones (--seed 1) are not named
  const diff = quietOut();
  assert.equal(await trainCommand(['--resume', '--out', dir, '--lr', '0.5', '--seed', '1', '--widths', '32x2', '--quiet'], diff.out), 0);
  const warnings = diff.lines.filter((l) => /warning/.test(l));
  assert.equal(warnings.length, 1, diff.lines.join('\n'));
  assert.match(warnings[0]!, /ignoring .*--lr 0\.5 \(saved: 0\.01\)/);
  assert.match(warnings[0]!, /ignoring .*--widths 32x2 \(saved: 16,16\)/);
  assert.doesNotMatch(warnings[0]!, /--seed/);
});
