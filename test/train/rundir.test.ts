/** The run directory: checkpoints, metrics truncation on resume, trajectory files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeolensError } from '../../src/errors.js';
import { buildModel, initWeights } from '../../src/models/index.js';
import type { EpochMetrics } from '../../src/train/loop.js';
import { RUN_SCHEMA_VERSION, RunDir, type RunConfig } from '../../src/train/node.js';

const config: RunConfig = {
  schemaVersion: RUN_SCHEMA_VERSION,
  geolensVersion: 'test',
  createdAt: '2024-01-01T00:00:00.000Z',
  dataset: { spec: 'moons', name: 'moons', numClasses: 2, sampleShape: [3], train: 10, test: 0, splitSeed: 1 },
  model: { kind: 'mlp', inputShape: [3], widths: [4], numClasses: 2, batchNorm: true },
  train: { optimizer: 'adam', lr: 0.01, weightDecay: 0, lrSchedule: 'constant', epochs: 6, batchSize: 4, seed: 1, recordEvery: 1, recordLast: 0, checkpointEvery: 2 },
};
const metrics = (epoch: number): EpochMetrics => ({ epoch, step: 3 * epoch, lr: 0.01, trainLoss: 1 / epoch, trainAccuracy: 0.5, seconds: 0 });

test('RunDir: resuming from the last checkpoint (checkpoint-every 2) keeps its state and the metrics up to it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'geolens-run-'));
  try {
    const def = buildModel(config.model);
    const run = await RunDir.create(dir, config);
    await assert.rejects(RunDir.create(dir, config), (e: unknown) => e instanceof GeolensError && /--resume/.test(e.message));
    const { params, buffers } = initWeights(def, 1);
    const optimizer = Object.fromEntries(def.params.flatMap((p) => ['m', 'v'].map((s) => [`${p.name}.${s}`, { data: params[p.name]!.data.map((v) => v * 2), shape: [...p.shape] }])));
    for (let e = 1; e <= 5; e++) {
      await run.appendMetrics(metrics(e));
      if (e % 2 === 0) await run.saveCheckpoint(e, { step: 3 * e, params, buffers, optimizer });
    }
    await run.saveTrajectory([{ step: 0, params }, { step: 12, params }]);

    const opened = await RunDir.open(dir);
    assert.deepEqual(opened.run.metricsHistory.map((m) => m.epoch), [1, 2, 3, 4, 5]);
    assert.deepEqual(await opened.run.checkpointEpochs(), [2, 4]);
    const st = await opened.run.loadCheckpoint(4, def);
    assert.equal(st.step, 12);
    assert.deepEqual(st.params, params);
    assert.deepEqual(st.buffers, buffers);
    assert.deepEqual(st.optimizer, optimizer);
    await opened.run.truncateMetrics(4);
    assert.deepEqual(opened.run.metricsHistory.map((m) => m.epoch), [1, 2, 3, 4]);
    assert.deepEqual((await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as EpochMetrics).epoch), [1, 2, 3, 4]);
    await opened.run.appendMetrics(metrics(5));
    assert.deepEqual(opened.run.metricsHistory.map((m) => m.epoch), [1, 2, 3, 4, 5]);

    const traj = await opened.run.loadTrajectory();
    assert.deepEqual(traj.map((s) => s.step), [0, 12]);
    assert.deepEqual(traj[1]!.params, params);
    assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.tmp')), 'no temporary files left behind');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
