/** The trajectory recorder: periodic and last-N snapshots, and their state after a resume from a checkpoint. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Weights } from '../../src/models/index.js';
import { stackTrajectory, TrajectoryRecorder, unstackTrajectory, type TrajectoryOptions } from '../../src/train/trajectory.js';

const paramsAt = (step: number): Weights => ({ w: { data: Float32Array.of(step, -step), shape: [2] }, b: { data: Float32Array.of(step / 2), shape: [1] } });

/**
 * The CLI's flow: offer step 0, then every step; at every `checkpointEvery`-th epoch (and the last) the trajectory
 * is saved (stacked, as in trajectory.safetensors). Returns the recorder and the saved trajectories by epoch.
 */
function run(opts: TrajectoryOptions, stepsPerEpoch: number, epochs: number, checkpointEvery: number, from?: { epoch: number; saved: ReturnType<typeof stackTrajectory> }): { rec: TrajectoryRecorder; saved: Map<number, ReturnType<typeof stackTrajectory>> } {
  const rec = new TrajectoryRecorder(opts);
  const saved = new Map<number, ReturnType<typeof stackTrajectory>>();
  let step = 0;
  if (from) {
    step = from.epoch * stepsPerEpoch;
    rec.load(unstackTrajectory(from.saved.steps, from.saved.tensors).filter((s) => s.step <= step));
  } else rec.offer(0, paramsAt(0));
  for (let e = (from?.epoch ?? 0) + 1; e <= epochs; e++) {
    for (let k = 0; k < stepsPerEpoch; k++) rec.offer(++step, paramsAt(step));
    if (e % checkpointEvery === 0 || e === epochs) saved.set(e, stackTrajectory(rec.snapshots()));
  }
  return { rec, saved };
}

for (const opts of [{ every: 4, last: 3 }, { every: 0, last: 5 }, { every: 2, last: 0 }, { every: 5, last: 7 }]) {
  test(`trajectory every=${opts.every} last=${opts.last}: resuming from a checkpoint (checkpoint-every 2) records what an uninterrupted run does`, () => {
    const full = run(opts, 3, 7, 2);
    const crashed = run(opts, 3, 5, 2); // crashed during epoch 6: the last checkpoint is epoch 4
    const resumed = run(opts, 3, 7, 2, { epoch: 4, saved: crashed.saved.get(4)! });
    const a = full.rec.snapshots();
    const b = resumed.rec.snapshots();
    assert.deepEqual(b.map((s) => s.step), a.map((s) => s.step));
    for (let i = 0; i < a.length; i++) assert.deepEqual(b[i]!.params, a[i]!.params);
    if (opts.last > 0) assert.deepEqual(a.slice(-opts.last).map((s) => s.step), Array.from({ length: opts.last }, (_, i) => 21 - opts.last + 1 + i));
    if (opts.every > 0) assert.ok(a.every((s) => s.step % opts.every === 0 || s.step > 21 - opts.last));
  });
}

test('trajectory: a snapshot is a copy, and a step offered twice (a resumed run re-offering step 0) is kept once', () => {
  const rec = new TrajectoryRecorder({ every: 1, last: 2 });
  const p = paramsAt(0);
  rec.offer(0, p);
  p.w!.data[0] = 99;
  rec.offer(0, paramsAt(0));
  rec.offer(1, paramsAt(1));
  const snaps = rec.snapshots();
  assert.deepEqual(snaps.map((s) => s.step), [0, 1]);
  assert.equal(snaps[0]!.params.w!.data[0], 0);
  assert.equal(rec.enabled, true);
  assert.equal(new TrajectoryRecorder({ every: 0, last: 0 }).enabled, false);
});
