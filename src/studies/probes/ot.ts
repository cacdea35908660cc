/**
 * Semi-discrete optimal transport in the latent space of an autoencoder run (AE-OT; METHODS.md §5) in an analysis:
 * `runOt` on the run's training data with caps that keep an analysis short — at most 400 target codes (a seeded
 * subset), 20,000 Sobol samples per step to start, at most 500 steps — where `geolens ot` defaults to every code,
 * 100,000 samples and 1,000 steps (and resumes a long solve). Only autoencoder runs; a classifier is skipped.
 */
import { runOt } from '../../probes/ot/run.js';
import type { AnalysisProbe, ProbeOutput } from '../types.js';

/** The analysis' caps of the OT solve (see the module's comment). */
export const OT_ANALYSIS_DEFAULTS = { targets: 400, samples: 20_000, maxSteps: 500, tolerance: 0.01, generate: 64 } as const;

const num = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);

export const otProbe: AnalysisProbe = {
  name: 'ot',
  title: 'Optimal transport in latent space',
  files: ['ot'],
  assets: ['ot-generated.png'],
  needs: 'autoencoder',
  options: {
    targets: { type: 'integer', min: 2, default: String(OT_ANALYSIS_DEFAULTS.targets), help: 'training samples encoded as the target codes, at most (a seeded subset)' },
    samples: { type: 'integer', min: 1, default: String(OT_ANALYSIS_DEFAULTS.samples), help: 'Sobol samples per step to start with (doubled when the error stalls)' },
    maxSteps: { type: 'integer', min: 0, default: String(OT_ANALYSIS_DEFAULTS.maxSteps), help: 'steps of the solve at most (geolens ot solves longer and resumes)' },
    tolerance: { type: 'number', min: 0, minExclusive: true, default: String(OT_ANALYSIS_DEFAULTS.tolerance), help: 'stop when max_i |μ(W_i) − ν_i|·N is below this' },
    source: { type: 'choice', choices: ['uniform', 'gaussian'], default: 'uniform', help: "source measure: uniform on the codes' bounding box, or a Gaussian with their mean and std" },
    generate: { type: 'integer', min: 1, default: String(OT_ANALYSIS_DEFAULTS.generate), help: 'generated samples in the picture' },
  },
  applies(target) {
    return target.autoencoder ? true : 'needs an autoencoder run (geolens train --model autoencoder); this model is a classifier.';
  },
  async run(engine, target, data, options, onProgress) {
    const ae = target.autoencoder!;
    const samples = num(options.samples, OT_ANALYSIS_DEFAULTS.samples);
    const run = await runOt(
      engine,
      { def: ae.def, params: ae.params, source: target.path },
      data.train,
      {
        targets: num(options.targets, OT_ANALYSIS_DEFAULTS.targets),
        samples,
        maxSamples: Math.max(samples, 2 ** 20),
        maxSteps: num(options.maxSteps, OT_ANALYSIS_DEFAULTS.maxSteps),
        tolerance: num(options.tolerance, OT_ANALYSIS_DEFAULTS.tolerance),
        source: options.source === 'gaussian' ? 'gaussian' : 'uniform',
        generate: num(options.generate, OT_ANALYSIS_DEFAULTS.generate),
        seed: data.seed,
        datasetSpec: data.spec,
      },
      onProgress,
    );
    const out: ProbeOutput = { results: { ot: run.result } };
    const img = run.result.generation.images;
    if (img && run.imageRange) {
      const shape = run.generated.sampleShape;
      const size = shape.reduce((a, b) => a * b, 1);
      const count = run.generated.samples.length / size;
      const frames: Float64Array[][] = [];
      for (let i = 0; i < count; i += img.columns) {
        const row: Float64Array[] = [];
        for (let j = i; j < Math.min(count, i + img.columns); j++) row.push(Float64Array.from(run.generated.samples.subarray(j * size, (j + 1) * size)));
        frames.push(row);
      }
      out.images = { [img.file]: { frames, imageShape: shape, valueRange: img.valueRange, scale: 2 } };
    }
    return out;
  },
};
