/**
 * Magnitude in an analysis (Andreeva et al. 2023): the magnitude function and magnitude dimension of the model's
 * representation of the held-out data at its last hidden layer (`runMagnitude` on a representation source; at most
 * `n` points, default 500). The magnitude of a run's training trajectory needs its recorded weights and is measured by
 * `geolens probe magnitude <run>` and `geolens study generalisation`.
 */
import { chooseLayers } from '../../measure/target.js';
import { runMagnitude } from '../../probes/magnitude/run.js';
import type { AnalysisProbe } from '../types.js';

export const magnitudeProbe: AnalysisProbe = {
  name: 'magnitude',
  title: 'Magnitude',
  files: ['magnitude'],
  options: {
    n: { type: 'integer', min: 3, default: '500', help: 'held-out points of the representation (a seeded subset)' },
    layer: { type: 'string', default: 'the last hidden layer', help: "the layer whose representation is measured (a tensor name, as geolens inspect lists, or 'input')" },
    scales: { type: 'integer', min: 2, default: '30', help: 'scales t on [0, t_conv], t = 0 included' },
    grid: { type: 'choice', choices: ['linear', 'log'], default: 'linear', help: 'spacing of the scales' },
    share: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true, default: '0.95', help: 'the convergence scale t_conv is where |tX| = share · n' },
  },
  applies(target, data) {
    if (target.model.layers.length === 0) return 'the model has no probe-able layer between input and logits.';
    if (data.test.y.length < 3) return `the held-out data (${data.test.name}) hold fewer than 3 points.`;
    return true;
  },
  async run(engine, target, data, options, onProgress) {
    const n = typeof options.n === 'number' ? options.n : 500;
    // 'auto' layers are the outputs of the nonlinearities, then the logits: the last hidden one is second to last
    const auto = chooseLayers(target.model, 'auto');
    const layer = typeof options.layer === 'string' ? options.layer : auto[Math.max(0, auto.length - 2)]!.tensor;
    const { result } = await runMagnitude(
      engine,
      { kind: 'representation', model: target.model, data: data.test, layer, path: target.path, sourceKind: target.kind },
      {
        n,
        seed: data.seed,
        datasetSpec: data.spec,
        split: data.parts === 'run-split' ? 'test' : null,
        ...(typeof options.scales === 'number' ? { scales: options.scales } : {}),
        ...(options.grid === 'linear' || options.grid === 'log' ? { grid: options.grid } : {}),
        ...(typeof options.share === 'number' ? { share: options.share } : {}),
      },
      onProgress,
    );
    return { results: { magnitude: result } };
  },
};
