/**
 * Exact linear regions in an analysis (Lei, Luo, Yau, Gu 2018): `runRegions` on its default slice — the input plane
 * for 2-D inputs, else the plane through one held-out point of each of three classes — with the decision boundary,
 * the bounds of Lei et al. and Serra et al., and the region density near the data. Skipped, with the op named, for a
 * network that is not piecewise linear.
 */
import { GeolensError } from '../../errors.js';
import { DEFAULT_MAX_REGIONS } from '../../probes/regions/compute.js';
import { pwlProgram } from '../../probes/regions/pwl.js';
import { runRegions } from '../../probes/regions/run.js';
import type { AnalysisProbe } from '../types.js';

export const regionsProbe: AnalysisProbe = {
  name: 'regions',
  title: 'Linear regions',
  files: ['regions'],
  options: {
    maxRegions: { type: 'integer', min: 1, default: String(DEFAULT_MAX_REGIONS), help: 'the most linear regions the tiling may have (more: the probe fails and says so)' },
    margin: { type: 'number', min: 0, default: '0.1 (input plane), 0.5 (plane through points)', help: 'the plane extends beyond the data by this fraction of its larger side' },
    checkPoints: { type: 'integer', min: 0, default: '256', help: 'points whose affine maps are checked against onnxruntime (0: none)' },
  },
  applies(target, data) {
    // a convolutional network's exact tiling of an image plane runs to 10^5 regions and minutes: not a default
    if ((target.model.ops.Conv ?? 0) > 0) return 'exact regions of a convolutional network take minutes on an image plane; run geolens probe regions on it (with --summary) when you want them.';
    try {
      pwlProgram(target.model);
    } catch (e) {
      if (e instanceof GeolensError) return e.message;
      throw e;
    }
    if (new Set(data.test.y).size < 3 && data.test.sampleShape.reduce((a, b) => a * b, 1) !== 2) return 'a plane through data points needs held-out points of 3 classes.';
    return true;
  },
  async run(engine, target, data, options, onProgress) {
    const result = await runRegions(
      engine,
      target.model,
      data.test,
      {
        seed: data.seed,
        source: target.path,
        sourceKind: target.kind,
        ...(data.spec ? { datasetSpec: data.spec } : {}),
        ...(typeof options.maxRegions === 'number' ? { maxRegions: options.maxRegions } : {}),
        ...(typeof options.margin === 'number' ? { margin: options.margin } : {}),
        ...(typeof options.checkPoints === 'number' ? { checkPoints: options.checkPoints } : {}),
      },
      onProgress,
    );
    return { results: { regions: result } };
  },
};
