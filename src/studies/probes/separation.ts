/**
 * The law of data separation in an analysis: `runSeparation` on the training data (at most `perClass` samples per
 * class, default 250), and `runSeparationOverTraining` over up to `maxCheckpoints` (default 16) evenly spaced
 * checkpoints of a run.
 */
import { subsetPerClass } from '../../data/split.js';
import { classCounts } from '../../data/types.js';
import { runSeparation, runSeparationOverTraining } from '../../probes/separation/run.js';
import type { AnalysisProbe } from '../types.js';

/** Up to `max` of the epochs, evenly spaced, always the first and the last (ascending). */
export function spreadCheckpoints(epochs: readonly number[], max: number): number[] {
  if (epochs.length <= max) return [...epochs];
  const out = new Set<number>();
  for (let i = 0; i < max; i++) out.add(epochs[Math.round((i * (epochs.length - 1)) / (max - 1))]!);
  return [...out].sort((a, b) => a - b);
}

export const separationProbe: AnalysisProbe = {
  name: 'separation',
  title: 'Law of data separation',
  files: ['separation', 'separation-over-training'],
  options: {
    perClass: { type: 'integer', min: 2, default: '250', help: 'training samples per class (a seeded, balanced subset)' },
    layers: { type: 'string', default: 'auto', help: "layers to measure: 'auto' (after each nonlinearity) or a selection as geolens probe separation --layers takes" },
    maxCheckpoints: { type: 'integer', min: 3, default: '16', help: 'checkpoints of a run the law over training is measured at (evenly spaced)' },
    overTraining: { type: 'boolean', default: 'true', help: 'measure the law over training at the checkpoints of a run' },
  },
  applies(target, data) {
    const counts = classCounts(data.train.y, data.train.numClasses);
    if (counts.filter((c) => c > 0).length < 2) return `the training data (${data.train.name}) hold fewer than 2 classes; D_l = Tr(SS_w SS_b⁺) needs at least 2.`;
    if (target.model.layers.length === 0) return 'the model has no probe-able layer between input and logits.';
    return true;
  },
  async run(engine, target, data, options, onProgress) {
    const perClass = typeof options.perClass === 'number' ? options.perClass : 250;
    const maxCheckpoints = typeof options.maxCheckpoints === 'number' ? options.maxCheckpoints : 16;
    const layers = typeof options.layers === 'string' ? options.layers : 'auto';
    const most = Math.max(...classCounts(data.train.y, data.train.numClasses));
    const ds = most > perClass ? subsetPerClass(data.train, perClass, data.seed) : data.train;
    const opts = {
      layers,
      source: target.path,
      sourceKind: target.kind,
      datasetSpec: data.spec ?? data.train.name,
      split: data.parts === 'run-split' ? ('train' as const) : null,
      perClass: most > perClass ? perClass : null,
      seed: data.seed,
    };
    const results: Record<string, unknown> = { separation: await runSeparation(engine, target.model, ds, opts, onProgress) };
    const run = target.run;
    if (run && run.checkpoints.length >= 3 && options.overTraining !== false) {
      results['separation-over-training'] = await runSeparationOverTraining(engine, { epochs: spreadCheckpoints(run.checkpoints, maxCheckpoints), modelAt: run.modelAt }, ds, opts, onProgress);
    }
    return { results };
  },
};
