/**
 * One run of a generalisation study (Node: it writes a run directory): train with the run's settings, recording the
 * last steps of its trajectory, then measure the magnitude dimension of the trajectory under the Euclidean distance
 * and under the loss pseudometric ρ_S, and the generalisation gap. Writes `runs/<key>/study-run.json` atomically, last,
 * so a record on disk means a finished run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../data/node.js';
import type { Engine } from '../../engine/engine.js';
import { GeolensError } from '../../errors.js';
import { writeFileAtomic } from '../../models/node.js';
import { buildModel } from '../../models/index.js';
import { openMagnitudeSource } from '../../probes/magnitude/node.js';
import { runMagnitude } from '../../probes/magnitude/run.js';
import { RunDir } from '../../train/node.js';
import { makeRunConfig, trainRun } from '../../train/run-training.js';
import type { StudyRunSpec } from './grid.js';
import { STUDY_SCHEMA_VERSION } from './schema.js';
import type { StudyRunRecord, TrajectoryMagnitude } from './types.js';

/** Where a run of the study lives, relative to the study folder. */
export const runDirOf = (key: string): string => join('runs', key);
/** The record of a finished run, relative to the study folder. */
export const recordFileOf = (key: string): string => join('runs', key, 'study-run.json');

/** Train one run of the grid into `<studyDir>/runs/<key>` and measure it; returns the record it wrote. */
export async function runStudyRun(engine: Engine, studyDir: string, spec: StudyRunSpec, o: { lossSamples: number; shouldStop?: () => boolean }): Promise<StudyRunRecord> {
  const t0 = Date.now();
  const s = spec.settings;
  const data = await loadDataset(s.datasetSpec, { seed: s.seed });
  const { widths, batchNorm, ...rest } = s;
  const config = makeRunConfig({ ...rest, model: { kind: 'mlp', inputShape: data.sampleShape, widths, numClasses: data.numClasses, batchNorm } }, data, '1970-01-01T00:00:00.000Z');
  const dir = join(studyDir, runDirOf(spec.key));
  buildModel(config.model); // fail on a bad architecture before creating the run directory
  // a run interrupted before its record was written resumes from its last checkpoint (bit-identical)
  const resume = existsSync(join(dir, 'config.json'));
  const run = resume ? (await RunDir.open(dir)).run : await RunDir.create(dir, config);
  const trained = await trainRun(engine, run, config, data, { resume, ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}) });
  if (trained.outcome !== 'complete') throw new GeolensError('INTERRUPTED', `study run ${spec.key} was interrupted; run the study again to resume it.`);
  const last = trained.last;
  if (!last || last.trainAccuracy === undefined || last.testAccuracy === undefined || last.testLoss === undefined) throw new GeolensError('BAD_ARGUMENT', `study run ${spec.key}: the run has no held-out part; give the grid a testFraction > 0.`);
  const measure = async (distance: 'euclidean' | 'loss'): Promise<TrajectoryMagnitude> => {
    const { source } = await openMagnitudeSource(dir, { cloud: 'trajectory', distance, ...(distance === 'loss' ? { split: 'train' as const } : {}) });
    const { result } = await runMagnitude(engine, source, { n: o.lossSamples, seed: s.seed });
    return {
      magnitudeDimension: result.magnitudeDimension.value,
      magnitudeDimensionScale: result.magnitudeDimension.scale,
      convergenceScale: result.convergenceScale.t,
      points: result.cloud.distinct,
    };
  };
  const record: StudyRunRecord = {
    schemaVersion: STUDY_SCHEMA_VERSION,
    probe: 'generalisation-run',
    key: spec.key,
    hyperparameters: spec.hyperparameters,
    runDir: runDirOf(spec.key),
    trainAccuracy: last.trainAccuracy,
    testAccuracy: last.testAccuracy,
    trainLoss: last.trainLoss,
    testLoss: last.testLoss,
    accuracyGap: last.trainAccuracy - last.testAccuracy,
    lossGap: last.testLoss - last.trainLoss,
    magnitude: { euclidean: await measure('euclidean'), loss: await measure('loss') },
    seconds: (Date.now() - t0) / 1000,
  };
  await writeFileAtomic(join(studyDir, recordFileOf(spec.key)), JSON.stringify(record, null, 2) + '\n');
  return record;
}
