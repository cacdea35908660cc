/** Node adapter of the studies room: the data of an analysis, loaded from a run's dataset or a dataset spec. */
import { GeolensError } from '../errors.js';
import { probeData } from '../measure/node.js';
import type { ProbeTarget } from '../measure/target.js';
import type { AnalysisData } from './types.js';

/**
 * The data of an analysis of `target`: with `dataset`, that dataset for every probe; without, the training and
 * held-out parts of the run's own dataset (the held-out part is the training part again when the run kept none).
 * Errors: as probeData (an .onnx target without a dataset, data that do not fit the model).
 */
export async function analysisData(target: ProbeTarget, o: { dataset?: string; seed?: number } = {}): Promise<AnalysisData> {
  const seed = o.seed ?? target.run?.config.train.seed ?? 0;
  if (o.dataset !== undefined) {
    const ds = await probeData(target, { dataset: o.dataset, seed });
    return { train: ds, test: ds, spec: o.dataset, parts: 'one-dataset', seed };
  }
  const train = await probeData(target, { split: 'train', seed });
  let test = train;
  try {
    test = await probeData(target, { split: 'test', seed });
  } catch (e) {
    // a run trained with --test-fraction 0 has no held-out part: measure the training data
    if (!(e instanceof GeolensError && e.code === 'BAD_ARGUMENT')) throw e;
  }
  return { train, test, spec: target.run?.config.dataset.spec ?? null, parts: test === train ? 'one-dataset' : 'run-split', seed };
}
