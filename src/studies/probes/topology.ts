/**
 * The metric topology of classifiers in an analysis (Wu et al. 2025): the probabilistic distance between the
 * checkpoints of a run (up to `maxCheckpoints`, default 8, evenly spaced, always the first and the last) on the
 * held-out data, with the quotient classes and their MDS embedding (`runTopology`). A single .onnx model has no
 * other network to compare with and is skipped.
 */
import { runTopology, TOPOLOGY_DEFAULT_CONFIDENCE, TOPOLOGY_DEFAULT_TIE_EPSILON } from '../../probes/topology/run.js';
import type { AnalysisProbe } from '../types.js';
import { spreadCheckpoints } from './separation.js';

export const topologyProbe: AnalysisProbe = {
  name: 'topology',
  title: 'Metric topology of classifiers',
  files: ['topology'],
  options: {
    maxCheckpoints: { type: 'integer', min: 2, default: '8', help: 'checkpoints of the run compared (evenly spaced, always the first and the last)' },
    reading: { type: 'choice', choices: ['correctness', 'disagreement'], default: 'correctness', help: 'the distance that defines classes and plots (both are computed)' },
    confidence: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true, default: String(TOPOLOGY_DEFAULT_CONFIDENCE), help: 'confidence 1 − δ of the Hoeffding intervals' },
    n: { type: 'integer', min: 1, default: 'all held-out points', help: 'labelled points the distances are estimated on (a seeded subset)' },
    tieEpsilon: { type: 'number', min: 0, max: 1, default: String(TOPOLOGY_DEFAULT_TIE_EPSILON), help: 'a point is tied when its top-2 softmax probabilities differ by at most this' },
  },
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
    const result = await runTopology(engine, models, data.test, {
        datasetSpec: data.spec,
        split: data.parts === 'run-split' ? 'test' : null,
        seed: data.seed,
        ...(options.reading === 'correctness' || options.reading === 'disagreement' ? { reading: options.reading } : {}),
        ...(typeof options.confidence === 'number' ? { confidence: options.confidence } : {}),
        ...(typeof options.n === 'number' ? { n: options.n } : {}),
        ...(typeof options.tieEpsilon === 'number' ? { tieEpsilon: options.tieEpsilon } : {}),
      }, onProgress);
    return { results: { topology: result } };
  },
};
