/**
 * geolens analyze on classifiers exported from PyTorch (test/crosscheck/export_models.py: an MLP, a CNN with
 * BatchNorm and pooling, a residual CNN): the same command as for a geolens run, on data labelled by the model itself
 * (Gaussian inputs, labels = argmax of the logits centred over the samples), gives a report with every probe.
 *
 * Skipped, with the reason printed, when /usr/bin/python3 has no torch (apt-get install -y python3-torch).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ANALYSIS_PROBES } from '../../src/studies/probes/index.js';
import { analyzeCommand } from '../../src/cli/analyze.js';
import { encodeNpy } from '../../src/data/npy.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { importModelFile } from '../../src/onnx/node.js';
import { Rng } from '../../src/util/random.js';
import type { AnalysisResult } from '../../src/studies/types.js';

const PYTHON = process.env.GEOLENS_PYTHON ?? '/usr/bin/python3';
const HERE = dirname(fileURLToPath(import.meta.url));

function skipReason(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found (${r.error.message}); install with: apt-get install -y python3-torch`;
  if (r.status !== 0) return `${PYTHON} has no torch/numpy; install with: apt-get install -y python3-torch`;
  return undefined;
}

const reason = skipReason();
if (reason) console.log(`# crosscheck skipped: ${reason}`);
const opts = reason ? { skip: reason } : {};
let dir = '';

before(() => {
  if (reason) return;
  dir = mkdtempSync(join(tmpdir(), 'geolens-analyze-torch-'));
  const r = spawnSync(PYTHON, [join(HERE, 'export_models.py'), dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

after(() => dir && rmSync(dir, { recursive: true, force: true }));

/** n Gaussian samples for the model, labelled by its own prediction, as x.npy / y.npy. */
async function selfLabelled(model: string, n: number): Promise<string> {
  const m = importModelFile(model);
  const sample = m.input.shape.slice(1) as number[];
  const d = sample.reduce((a, b) => a * b, 1);
  const x = new Rng(7).fillNormal(new Float32Array(n * d));
  const engine = createNodeEngine({ threads: 1 });
  try {
    const sess = await engine.load(m.graph);
    const z = (await sess.run({ [m.input.name]: { data: x, shape: [n, ...sample] } }))[m.logits]!.data as Float32Array;
    const C = m.numClasses;
    // argmax of the logits centred over the samples: an untrained network may prefer one class everywhere, and the
    // law of data separation needs at least two classes in the data
    const mean = new Float64Array(C);
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) mean[c]! += z[i * C + c]! / n;
    const y = new Int32Array(n).map((_, i) => {
      let best = 0;
      for (let c = 1; c < C; c++) if (z[i * C + c]! - mean[c]! > z[i * C + best]! - mean[best]!) best = c;
      return best;
    });
    assert.ok(new Set(y).size >= 2, `${model}: one class only`);
    const base = model.replace(/\.onnx$/, '');
    writeFileSync(`${base}.data-x.npy`, encodeNpy({ data: x, shape: [n, ...sample] }));
    writeFileSync(`${base}.data-y.npy`, encodeNpy({ data: y, shape: [n] }));
    return `npy:${base}.data-x.npy,${base}.data-y.npy`;
  } finally {
    await engine.dispose();
  }
}

for (const name of ['mlp', 'cnn', 'resnet']) {
  test(`geolens analyze on the PyTorch ${name}: every probe runs, the report has their sections`, opts, async () => {
    const model = join(dir, `${name}.onnx`);
    const spec = await selfLabelled(model, 300);
    const lines: string[] = [];
    assert.equal(await analyzeCommand([model, '--dataset', spec, '--threads', '1', '--quiet'], (l) => lines.push(l)), 0);
    const out = join(dir, `${name}.analysis`);
    const m = JSON.parse(readFileSync(join(out, 'results', 'analysis.json'), 'utf8')) as AnalysisResult;
    assert.equal(m.model.kind, 'onnx');
    assert.match(m.model.description, /^ONNX classifier \[/);
    assert.ok(m.accuracy.test! > 0 && m.accuracy.test! <= 1, `accuracy ${m.accuracy.test}`);
    // every registered probe, in order; all run, but topology (a single model has no other network to compare with),
    // on the CNNs regions (an exact tiling of an image plane takes minutes: not a default of analyze), and OT (it
    // measures an autoencoder's latent space; these are classifiers)
    assert.deepEqual(m.probes.map((p) => p.name), [...ANALYSIS_PROBES.keys()]);
    for (const p of m.probes) assert.ok(p.status === 'ok' || (p.name === 'topology' && p.status === 'skipped' && /single model/.test(p.reason ?? '')) || (p.name === 'regions' && p.status === 'skipped' && /convolutional/.test(p.reason ?? '')) || (p.name === 'ot' && p.status === 'skipped' && /needs an autoencoder/.test(p.reason ?? '')), `${p.name}: ${p.status} ${p.reason}`);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /<section class="probe" id="separation">/);
    assert.match(html, /<section class="probe" id="dim">/);
    assert.equal(lines[lines.length - 1], `report: ${join(out, 'report.html')}`);
  });
}
