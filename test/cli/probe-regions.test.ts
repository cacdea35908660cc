import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { regionsCommand } from '../../src/cli/probe-regions.js';
import { trainCommand } from '../../src/cli/train.js';
import { readResult } from '../../src/probes/node.js';
import { buildModel, exportModel, initWeights } from '../../src/models/index.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { REGIONS_OVER_TRAINING_RESULT, REGIONS_RESULT } from '../../src/probes/regions/schema.js';
import { cli } from '../helpers/cli.js';

const MNIST = '/work/shared/data/mnist';
const root = mkdtempSync(join(tmpdir(), 'geolens-probe-regions-'));
const run = join(root, 'moons');
after(() => rmSync(root, { recursive: true, force: true }));
const sink = (): { lines: string[]; out: (l: string) => void } => {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l) };
};


/** An untrained geolens MLP written as an .onnx file. */
function onnxMlp(name: string, inputShape: number[], widths: number[], numClasses: number): string {
  const def = buildModel({ kind: 'mlp', inputShape, widths, numClasses });
  const w = initWeights(def, 7);
  for (const [k, t] of Object.entries(w.params)) if (k.endsWith('.bias')) t.data.forEach((_, i) => (t.data[i] = 0.1 * Math.sin(17 * i + k.length)));
  const file = join(root, name);
  writeFileSync(file, exportModel(def, w.params, w.buffers).toBytes());
  return file;
}

before(async () => {
  const code = await trainCommand(['--dataset', 'moons#n=300', '--widths', '16x3', '--epochs', '3', '--checkpoint-every', '1', '--optimizer', 'adam', '--lr', '0.01', '--seed', '2', '--quiet', '--out', run], sink().out);
  assert.equal(code, 0);
});

test('probe regions on a 2-D run: regions.json (schema) and regions.svg, the count against both bounds printed', async () => {
  const { lines, out } = sink();
  assert.equal(await regionsCommand([run, '--quiet'], out), 0);
  const text = lines.join('\n');
  assert.match(text, /slice: the input plane; s ∈ \[/);
  assert.match(text, /\d+ linear regions \(exact\)/);
  assert.match(text, /Serra et al\. 2018 \(Theorem 7\)\s+\d+/);
  assert.match(text, /Lei et al\. Π C\(w_\{i−1\}, w_i\)\s+(\d+|10\^\d)/);
  assert.match(text, /check against onnxruntime at \d+ region interior points/);
  const r = await readResult(REGIONS_RESULT, join(run, 'results', 'regions.json'));
  assert.equal(r.sourceKind, 'run');
  assert.equal(r.dataset.spec, 'moons#n=300');
  assert.equal(r.regions!.features.length, r.count);
  assert.ok(BigInt(r.count) <= BigInt(r.bounds.serra!.exact));
  const svg = readFileSync(join(run, 'results', 'regions.svg'), 'utf8');
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /class 0/);
  assert.match(svg, /decision boundary/);
  const geo = svg.split('aria-label="geo"').slice(1);
  assert.equal(geo.length, r.boundary!.features.length ? 4 : 2, 'class fills, region edges (and the boundary with its halo)');
  if (r.boundary!.features.length) assert.equal(/ d="([^"]+)"/.exec(geo[3]!)![1]!.split('M').length - 1, r.boundary!.features.length);
});

test('--segment, --extent, --over-training with --checkpoints, --json', async () => {
  const dir = join(root, 'seg');
  const { lines, out } = sink();
  assert.equal(await regionsCommand([run, '--segment', '0,5', '--extent', '0.25', '--out', dir, '--quiet'], out), 0);
  assert.match(lines.join('\n'), /slice: the line through points 0, 5/);
  const seg = await readResult(REGIONS_RESULT, join(dir, 'regions.json'));
  assert.equal(seg.slice.kind, 'segment');
  const len = seg.slice.anchors[1]!.coords[0]!;
  assert.ok(Math.abs(seg.slice.extent[0]! + 0.25 * len) < 1e-9 && Math.abs(seg.slice.extent[1]! - 1.25 * len) < 1e-9);
  assert.match(readFileSync(join(dir, 'regions.svg'), 'utf8'), /logit/);
  const ot = join(root, 'ot');
  const o = sink();
  assert.equal(await regionsCommand([run, '--over-training', '--checkpoints', '3,0', '--extent=-2,3,-1.5,2', '--out', ot, '--quiet'], o.out), 0);
  assert.match(o.lines.join('\n'), /over training: regions on the same slice at 2 checkpoints/);
  const res = await readResult(REGIONS_OVER_TRAINING_RESULT, join(ot, 'regions-over-training.json'));
  assert.deepEqual(res.epochs.map((e) => e.epoch), [0, 3]);
  assert.deepEqual(res.slice.extent, [-2, 3, -1.5, 2]);
  assert.ok(existsSync(join(ot, 'regions-over-training.svg')) && existsSync(join(ot, 'regions-over-training-density.svg')));
  const j = await cli(['probe', 'regions', run, '--json', '--summary', '--out', join(root, 'json')]);
  assert.equal(j.code, 0, j.err);
  const parsed = JSON.parse(j.out) as { count: number; regions: unknown; files: string[] };
  assert.ok(parsed.count > 0 && parsed.regions === null && parsed.files.length === 2);
});

test('an .onnx MLP on MNIST: the plane through three digits, written without geometry', { skip: existsSync(MNIST) ? false : `${MNIST} not present` }, async () => {
  const model = onnxMlp('mnist.onnx', [1, 28, 28], [12, 12], 10);
  const { lines, out } = sink();
  assert.equal(await regionsCommand([model, '--dataset', `idx:${MNIST}#perClass=5`, '--slice', 'points:0,1,2', '--summary', '--quiet', '--out', join(root, 'mnist.results')], out), 0);
  const r = await readResult(REGIONS_RESULT, join(root, 'mnist.results', 'regions.json'));
  assert.equal(r.model.inputDim, 784);
  assert.equal(r.slice.how, 'points');
  assert.equal(r.regions, null);
  assert.ok(r.count > 1);
  assert.match(lines.join('\n'), /network: 2 piecewise-linear layers \(Relu 12, Relu 12\)/);
});

test('--manifold on a model of the embedded manifold dataset', async () => {
  const model = onnxMlp('manifold.onnx', [32], [10, 10], 5);
  const { lines, out } = sink();
  assert.equal(await regionsCommand([model, '--dataset', 'manifold#n=200', '--manifold', '2', '--manifold-resolution', '4', '--summary', '--quiet', '--out', join(root, 'man')], out), 0);
  const text = lines.join('\n');
  assert.match(text, /manifold complexity: class 2 sheet, patch over the latent square/);
  assert.match(text, /manifold complexity: class 2 sheet, curve over the latent segment/);
  const r = await readResult(REGIONS_RESULT, join(root, 'man', 'regions.json'));
  assert.equal(r.manifold!.length, 2);
  const bad = await cli(['probe', 'regions', model, '--dataset', 'manifold#n=200,normalize=0:2', '--manifold', '0', '--out', join(root, 'man2')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /manifold complexity measures a class sheet of the embedded 'manifold' dataset/);
});

test('usage errors (exit 2) and a model that is not piecewise linear (exit 1, naming the op)', async () => {
  const cases: [string[], RegExp][] = [
    [[run, '--slice', 'plane'], /--slice 'plane' is not valid; write points:i,j,k/],
    [[run, '--slice', 'points:1,2'], /--slice needs 3 data indices/],
    [[run, '--slice', 'points:1,1,2'], /repeats a point/],
    [[run, '--slice', 'input', '--segment', '0,1'], /not both/],
    [[run, '--extent', '1,2,3'], /--extent needs s0,s1,t0,t1/],
    [[run, '--checkpoints', '0'], /add --over-training/],
    [[run, '--over-training', '--checkpoints', '9'], /no checkpoint for epoch 9/],
    [[run, '--radius', '0'], /--radius/],
    [[run, '--manifold-shape', 'sphere'], /choose one of: patch, curve, both/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(['probe', 'regions', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re, args.join(' '));
  }
  const g = new GraphBuilder('tanh');
  const x = g.input('input', ['N', 2]);
  const h = g.op('Tanh', [g.op('Gemm', [x, g.init('w', { data: Float32Array.of(1, 0, 0, 1), shape: [2, 2] })])]);
  g.namedOutput('logits', h, ['N', 2]);
  const file = join(root, 'tanh.onnx');
  writeFileSync(file, g.toBytes());
  const r = await cli(['probe', 'regions', file, '--dataset', 'moons#n=50']);
  assert.equal(r.code, 1);
  assert.match(r.err, /error \[UNSUPPORTED_OP\].*Tanh \(node 'n_Tanh_\d+'\)/);
  const onnx = await cli(['probe', 'regions', join(run, 'model.onnx'), '--dataset', 'moons#n=50', '--over-training']);
  assert.equal(onnx.code, 2);
  assert.match(onnx.err, /--over-training needs a run directory/);
});
