/**
 * The metric topology of classifiers in an analysis (Wu et al. 2025): the probabilistic distance between the
 * checkpoints of a run (up to `maxCheckpoints`, default 8, evenly spaced, always the first and the last) on the
 * held-out data, with the quotient classes and their MDS embedding (`runTopology`). A single .onnx model has no
 * other network to compare with and is skipped.
 */
import { runTopology } from '../../probes/topology/run.js';
import type { AnalysisProbe } from '../types.js';
import { spreadCheckpoints } from './separation.js';

export const topologyProbe: AnalysisProbe = {
  name: 'topology',
  title: 'Metric topology of classifiers',
  files: ['topology'],
  applies(target) {
    if (!target.run) return 'a single model has no other network to be compared with: give a run directory with checkpoints, or compare models with geolens probe topology a.onnx b.onnx.';
    if (target.run.checkpoints.length < 2) return 'the run has fewer than 2 checkpoints (train with --checkpoint-every).';
    if (target.model.numClasses < 2) return 'the model has fewer than 2 classes.';
    return true;
  },
  async run(engine, target, data, options, onProgress) {
    const run = target.run!;
    const max = typeof options.maxCheckpoints === 'number' ? options.maxCheckpoints : 8;
    const epochs = spreadCheckpoints(run.checkpoints, max);
    const models = [];
    for (const epoch of epochs) models.push({ name: `epoch ${epoch}`, model: await run.modelAt(epoch), epoch, source: `${target.path} epoch ${epoch}` });
    const result = await runTopology(engine, models, data.test, { datasetSpec: data.spec, split: data.parts === 'run-split' ? 'test' : null, seed: data.seed }, onProgress);
    return { results: { topology: result } };
  },
};
