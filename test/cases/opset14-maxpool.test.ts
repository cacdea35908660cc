/**
 * Case opset14-maxpool (../shared/cases): an ordinary CNN (Conv, MaxPool, view-flatten) exported by torch 1.13 at
 * its default opset 14. The MaxPool gradient needs ScatterElements with reduction (opset ≥ 16): the Jacobian graph
 * geolens builds is its own and is built at the opset it needs (GRADIENT_OPSET), so every probe runs, and inspect
 * and the probes agree. Guards the kind, not the file: the forward graph stays at opset 14, the Jacobian agrees with
 * finite differences of the forward pass.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { GRADIENT_OPSET } from '../../src/autodiff/grad.js';
import { buildInputJacobian } from '../../src/autodiff/jacobian.js';
import { inspectCommand, type InspectReport } from '../../src/cli/inspect.js';
import { loadDataset } from '../../src/data/node.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { modelInput } from '../../src/measure/features.js';
import { inputJacobian } from '../../src/measure/jacobians.js';
import { openTarget } from '../../src/measure/node.js';
import { runDim } from '../../src/probes/dim/run.js';
import { runSeparation } from '../../src/probes/separation/run.js';
import { Rng } from '../../src/util/random.js';
import { caseFiles } from './helpers.js';

const { paths: [model, data], skip } = caseFiles('opset14-maxpool', 'cnn.onnx', 'data.npz');
const engine = createNodeEngine({ threads: 1 });
after(() => engine.dispose());

test('case opset14-maxpool: inspect says every probe runs, and dim and separation do run', { skip }, async () => {
  const lines: string[] = [];
  assert.equal(await inspectCommand([model!, '--json'], (l) => lines.push(l)), 0);
  const r = JSON.parse(lines.join('\n')) as InspectReport;
  assert.equal(r.opset, 14);
  assert.deepEqual(r.probes.map((p) => [p.probe, p.ok]), [['separation', true], ['dim', true]]);
  const target = await openTarget(model!);
  const ds = await loadDataset(`npz:${data}`);
  const dim = await runDim(engine, target.model, ds, { n: 20 });
  assert.equal(dim.spectrum.n, 20);
  assert.ok(dim.spectrum.points.every((p) => p.rank === 9 && p.trace > 0));
  const sep = await runSeparation(engine, target.model, ds);
  assert.ok(sep.layers.every((l) => Number.isFinite(l.D)));
});

test('case opset14-maxpool: the Jacobian graph is raised to the gradient opset, the forward graph is not, and J matches finite differences', { skip }, async () => {
  const { model: m } = await openTarget(model!);
  assert.equal(m.graph.opset, 14);
  const jg = buildInputJacobian(m.graph, { input: m.input.name, logits: m.logits, numClasses: m.numClasses });
  assert.equal(jg.opset, GRADIENT_OPSET);
  assert.equal(m.graph.opset, 14, 'the imported graph is left at its opset');
  const ds = await loadDataset(`npz:${data}`);
  const x = modelInput(m, ds);
  const samples = [0, 7];
  const d = 784;
  const xs = new Float32Array(samples.length * d);
  samples.forEach((s, i) => xs.set(x.data.subarray(s * d, (s + 1) * d), i * d));
  // MNIST's flat background gives equal conv outputs, so MaxPool windows tie and finite differences take one side
  // of a kink; a small seeded jitter separates the ties
  const rng = new Rng(3);
  for (let i = 0; i < xs.length; i++) xs[i]! += 0.05 * rng.uniform();
  const J = await inputJacobian(engine, m.graph, { input: m.input.name, logits: m.logits, numClasses: 10 }, { data: xs, shape: [samples.length, 1, 28, 28] });
  // central differences, every pixel of both samples in one batch (MaxPool is piecewise linear: exact away from ties)
  const h = 1e-3;
  const batch = new Float32Array(samples.length * d * 2 * d);
  for (let s = 0; s < samples.length; s++) {
    for (let j = 0; j < d; j++) {
      for (let sign = 0; sign < 2; sign++) {
        const row = (s * d + j) * 2 + sign;
        batch.set(xs.subarray(s * d, (s + 1) * d), row * d);
        batch[row * d + j]! += sign ? -h : h;
      }
    }
  }
  const sess = await engine.load(m.graph);
  const out = (await sess.run({ [m.input.name]: { data: batch, shape: [batch.length / d, 1, 28, 28] } }))[m.logits]!.data as Float32Array;
  let err = 0;
  let scale = 0;
  for (let s = 0; s < samples.length; s++) {
    for (let c = 0; c < 10; c++) {
      for (let j = 0; j < d; j++) {
        const row = (s * d + j) * 2;
        const fd = (out[row * 10 + c]! - out[(row + 1) * 10 + c]!) / (2 * h);
        const an = J.jacobian.data[(s * 10 + c) * d + j]!;
        err = Math.max(err, Math.abs(fd - an));
        scale = Math.max(scale, Math.abs(an));
      }
    }
  }
  assert.ok(scale > 1e-3, 'the Jacobian is not trivially zero');
  assert.ok(err / scale < 1e-2, `finite differences disagree: max |fd − J| / max |J| = ${(err / scale).toExponential(2)}`);
});
