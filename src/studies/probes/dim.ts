/**
 * The Data Information Matrix in an analysis: `runDim` on the held-out data — spectra at `n` points (default 256),
 * foliation walks along and across the leaves (a leaf field for 2-D inputs, an image strip for images), and the
 * distances between the spectra on the data and on shifts of them (resampled points, Gaussian noise, uniform noise;
 * rotated and inverted images).
 */
import { transformName, type DatasetTransform } from '../../data/shifts.js';
import type { Dataset } from '../../data/types.js';
import { DIM_DEFAULT_RTOL } from '../../probes/dim/compute.js';
import { RESAMPLE, runDim, type DimCompareItem } from '../../probes/dim/run.js';
import type { AnalysisProbe, ProbeOutput } from '../types.js';

/** σ of the Gaussian-noise shift: a quarter of the data's mean per-feature standard deviation, 2 significant digits. */
export function noiseSigma(ds: Dataset): number {
  const n = ds.y.length;
  const d = n ? ds.x.data.length / n : 0;
  if (!n || !d) return 0.1;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = ds.x.data[i * d + j]!;
      s += v;
      s2 += v * v;
    }
    const m = s / n;
    total += Math.sqrt(Math.max(0, s2 / n - m * m));
  }
  const sigma = (0.25 * total) / d;
  return sigma > 0 ? Number(sigma.toPrecision(2)) : 0.1;
}

/** The shifts the analysis compares the data with. */
export function defaultComparisons(ds: Dataset, n: number): DimCompareItem[] {
  const items: DimCompareItem[] = [];
  if (ds.y.length >= 2 * n) items.push({ spec: RESAMPLE });
  const shape = ds.sampleShape;
  const image = shape.length === 2 || (shape.length === 3 && (shape[0] === 1 || shape[0] === 3));
  const ts: DatasetTransform[] = [{ kind: 'noise', sigma: noiseSigma(ds) }];
  if (image || (shape.length === 1 && shape[0] === 2)) ts.push({ kind: 'rotated', degrees: 30 });
  if (image) ts.push({ kind: 'inverted' });
  ts.push({ kind: 'uniform' });
  for (const t of ts) items.push({ spec: transformName(t), transform: t });
  return items;
}

export const dimProbe: AnalysisProbe = {
  name: 'dim',
  title: 'Data Information Matrix',
  files: ['dim', 'dim-walks', 'dim-distances'],
  assets: ['dim-walks.png'],
  options: {
    n: { type: 'integer', min: 2, default: '256', help: 'held-out points the spectra are measured at (a seeded subset)' },
    walk: { type: 'boolean', default: 'true', help: 'foliation walks along and across the leaves' },
    compare: { type: 'boolean', default: 'true', help: 'spectrum distances to shifts of the data (resampled, noise, uniform; rotated, inverted)' },
    rtol: { type: 'number', min: 0, max: 1, maxExclusive: true, default: String(DIM_DEFAULT_RTOL), help: 'relative tolerance of the rank of D(x)' },
  },
  applies(target) {
    const m = target.model;
    if (m.numClasses < 2) return `the model has ${m.numClasses} output(s); the DIM needs a classifier with at least 2 classes.`;
    if (m.unsupported.length) return `input-Jacobians cannot pass ${[...new Set(m.unsupported.map((u) => u.op))].join(', ')} (no gradient rule); see geolens inspect.`;
    return true;
  },
  async run(engine, target, data, options, onProgress) {
    const n = typeof options.n === 'number' ? options.n : 256;
    const ds = data.test;
    const run = await runDim(
      engine,
      target.model,
      ds,
      {
        n,
        seed: data.seed,
        ...(typeof options.rtol === 'number' ? { rtol: options.rtol } : {}),
        source: { path: target.path, kind: target.kind },
        datasetSpec: data.spec,
        ...(options.walk === false ? {} : { walk: { mode: 'both' as const, steps: 40, points: 3, grid: 15 } }),
        ...(options.compare === false ? {} : { compare: defaultComparisons(ds, n) }),
      },
      onProgress,
    );
    const out: ProbeOutput = { results: { dim: run.spectrum } };
    if (run.walks) out.results['dim-walks'] = run.walks;
    if (run.distances) out.results['dim-distances'] = run.distances;
    if (run.walkFrames && run.walks?.images) {
      out.images = { [run.walks.images.file]: { ...run.walkFrames, scale: run.walks.images.scale } };
    }
    return out;
  },
};
