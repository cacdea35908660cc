/**
 * A worker thread of a generalisation study: its own onnxruntime engine (one intra-op thread), taking runs one at a
 * time from the parent (`{ studyDir, spec, lossSamples }`) and answering `{ record }` or `{ error }`.
 */
import { parentPort } from 'node:worker_threads';
import { createNodeEngine } from '../../engine/node.js';
import { GeolensError } from '../../errors.js';
import type { StudyRunSpec } from './grid.js';
import { runStudyRun } from './run-one.node.js';

const engine = createNodeEngine({ threads: 1 });
parentPort!.on('message', (job: { studyDir: string; spec: StudyRunSpec; lossSamples: number }) => {
  runStudyRun(engine, job.studyDir, job.spec, { lossSamples: job.lossSamples }).then(
    (record) => parentPort!.postMessage({ record }),
    (e: unknown) => parentPort!.postMessage({ error: { message: (e as Error).message, code: e instanceof GeolensError ? e.code : undefined } }),
  );
});
