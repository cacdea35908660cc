/**
 * Case string-labels (../shared/cases): x.npy (16 features) with labels as strings (y_str.npy, dtype <U3) and as
 * 1..K (y_onebased.npy), and an MLP for them. String labels are mapped to classes in sorted order and labels 1..K to
 * 0..K−1, with the mapping recorded (classNames, notes) in the run and in probe results; `train` builds K classes,
 * never K+1 with an empty class 0.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainCommand } from '../../src/cli/train.js';
import { loadDataset } from '../../src/data/node.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { openTarget } from '../../src/measure/node.js';
import { runSeparation } from '../../src/probes/separation/run.js';
import type { RunConfig } from '../../src/train/config.js';
import { caseFiles } from './helpers.js';

const { paths: [x, yStr, yOne, model], skip } = caseFiles('string-labels', 'x.npy', 'y_str.npy', 'y_onebased.npy', 'mlp16.onnx');
const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

test('case string-labels: string labels and labels 1..K become the same K classes, the mapping recorded', { skip }, async () => {
  const s = await loadDataset(`npy:${x},${yStr}`);
  const o = await loadDataset(`npy:${x},${yOne}`);
  assert.equal(s.numClasses, 4);
  assert.deepEqual(s.classNames, ['cat', 'dog', 'emu', 'fox']);
  assert.match(s.notes!.join('\n'), /string labels mapped to classes in sorted order: "cat" → 0, "dog" → 1/);
  assert.equal(o.numClasses, 4);
  assert.deepEqual(o.classNames, ['1', '2', '3', '4']);
  assert.match(o.notes!.join('\n'), /labels 1\.\.4 mapped to classes 0\.\.3/);
  assert.deepEqual(s.y, o.y, 'the two label files describe the same classes');
  // the probe on the case's MLP records the mapping
  const m = (await openTarget(model!)).model;
  const r = await runSeparation(engine, m, s);
  assert.ok(r.warnings.some((w) => /^data: .*string labels mapped/.test(w)));
  assert.equal(r.dataset.numClasses, 4);
});

test('case string-labels: train builds K classes from either file and records the mapping in config.json', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geolens-labels-'));
  try {
    for (const [y, names] of [
      [yStr!, ['cat', 'dog', 'emu', 'fox']],
      [yOne!, ['1', '2', '3', '4']],
    ] as const) {
      const out = join(dir, names[0]!);
      const lines: string[] = [];
      assert.equal(await trainCommand(['--dataset', `npy:${x},${y}`, '--widths', '8', '--epochs', '2', '--quiet', '--threads', '1', '--out', out], (l) => lines.push(l)), 0);
      const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as RunConfig;
      assert.equal(cfg.dataset.numClasses, 4);
      assert.equal(cfg.model.kind === 'mlp' ? cfg.model.numClasses : NaN, 4);
      assert.deepEqual(cfg.dataset.classNames, names);
      assert.ok(cfg.dataset.notes!.some((n) => /mapped to classes/.test(n)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
