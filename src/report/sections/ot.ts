/**
 * Report section of semi-discrete optimal transport in latent space (AE-OT; Lei, Luo, Yau, Gu, "Geometric
 * understanding of deep learning"): how closely the Brenier potential's cells carry their target masses, the
 * convergence, the latent picture, the class shares of generated samples against the data's, and the decoded samples.
 */
import { OT_RESULT } from '../../probes/ot/schema.js';
import type { OtResult } from '../../probes/ot/types.js';
import { base64 } from '../charts/index.js';
import { count, esc, figure, fmtNumber, grid, method, para, percent, table, warnings } from '../markup.js';
import { otClassesChart, otConvergenceChart, otEnergyChart, otLatentChart } from '../ot.js';
import { defineSection, requiredResult } from './types.js';

/** Largest difference between the class shares of generated samples and of the data (a fraction), or null. */
export function otLargestShareGap(r: OtResult): number | null {
  const c = r.generation.classDistribution;
  if (!c) return null;
  return Math.max(...c.data.map((v, k) => Math.abs((c.generated[k] ?? 0) - v)));
}

/** The headline in plain words. */
export function otHeadline(r: OtResult): string {
  const s = r.solve;
  const within = `every cell within ${percent(s.maxError, s.maxError < 0.1 ? 2 : 1)} of its target mass`;
  const state = s.status === 'converged' ? `(tolerance ${percent(r.options.tolerance, 0)} reached)` : `(the tolerance ${percent(r.options.tolerance, 0)} not reached: ${s.status === 'interrupted' ? 'interrupted' : 'step limit'})`;
  const fresh = `on as many fresh samples the largest error is ${percent(s.heldOutMaxError, 1)} (their own Monte-Carlo error per cell is about √(N/M) = ${percent(Math.sqrt(r.targets.distinct / s.samples), 1)})`;
  const first =
    s.status === 'converged'
      ? `The Brenier potential places ${within} after ${count(s.steps)} steps ${state}, ${count(r.targets.distinct)} cells in the ${r.targets.dimension}-d latent space; ${fresh}.`
      : `After ${count(s.steps)} steps ${state} the Brenier potential's cells are still up to ${percent(s.maxError, 1)} off their target mass, ${count(r.targets.distinct)} cells in the ${r.targets.dimension}-d latent space; ${fresh}.`;
  const gap = otLargestShareGap(r);
  const second = gap === null ? ' No classifier was given, so the class shares of generated samples were not measured.' : ` Generated samples' class shares differ from the data's by at most ${percent(gap, 1)} (total variation ${fmtNumber(r.generation.classDistribution!.totalVariation, 2)}).`;
  return first + second;
}

export const otSection = defineSection({
  probe: 'ot',
  title: 'Optimal transport in latent space',
  files: { ot: requiredResult('ot', OT_RESULT) },
  assets: ['ot-generated.png'],
  render({ ot: r }, ctx) {
    const s = r.solve;
    const id = (k: string): { standalone: false; id: string } => ({ standalone: false, id: `${ctx.idPrefix}-${k}` });
    const charts = [
      figure(otConvergenceChart(r, id('conv')), `The largest relative error of a cell's mass, max<sub>i</sub> |μ(W<sub>i</sub>) − ν<sub>i</sub>|·N, on the solver's ${count(s.samples)} Sobol samples per step; the dot is the same on as many fresh samples. Vertical lines: the samples per step doubled.`),
      figure(otEnergyChart(r, id('energy')), 'The convex energy E(h) above its lowest value (it falls as the cells approach their masses), and Adam\u2019s learning rate, halved whenever the error stalls.'),
      figure(otLatentChart(r, id('latent')), r.latent.cells ? 'The codes by class, the power cells of the solved potential (each carries one code\u2019s mass of the uniform source) and generated codes (crosses).' : `The codes by class and generated codes (crosses) on the codes\u2019 first two principal axes.`),
    ];
    const classes = otClassesChart(r, id('classes'));
    if (classes) charts.push(figure(classes, `Shares of each class among ${count(r.generation.classDistribution!.samples)} generated samples and among the data, as the classifier labels them (its accuracy on the autoencoder\u2019s reconstructions: ${percent(r.generation.classDistribution!.reconstructionAccuracy, 1)}).`));
    const png = r.generation.images ? ctx.assets[r.generation.images.file] : undefined;
    if (png) charts.push(`<figure class="chart"><div class="plot"><img alt="generated samples" style="image-rendering:pixelated;max-width:100%" src="data:image/png;base64,${base64(png)}"></div><figcaption>${r.generation.count} generated samples, decoded (${esc(r.generation.mode)} generation).</figcaption></figure>`);
    const parts = [
      para(
        `Autoencoder ${esc(r.source.path)}: ${count(r.targets.n)} codes of ${esc(r.dataset.name)} in ${r.targets.dimension} dimensions (reconstruction error ${fmtNumber(r.autoencoder.reconstructionError, 3)}). ` +
          `Source: ${r.options.source === 'uniform' ? 'uniform on the codes\u2019 bounding box' : 'a Gaussian with the codes\u2019 mean and spread'}; the map ∇u<sub>h</sub> sends each cell W<sub>i</sub> to its code y<sub>i</sub>.`,
      ),
      ...(ctx.manifest
        ? [
            para(
              `In an analysis the solve is capped to stay short: ${count(r.targets.n)} codes at most (a seeded subset of the training data), ${count(r.options.samples)} Sobol samples per step to start, ${count(r.options.maxSteps)} steps at most${s.status === 'max-steps' ? ' — reached here' : ''}. ` +
                `Raise the caps with <code>--set ot.targets=…</code>, <code>ot.samples</code>, <code>ot.maxSteps</code>, or solve longer (and resume) with <code>geolens ot ${esc(r.source.path)}</code>.`,
            ),
          ]
        : []),
      grid(...charts),
      table(
        ['solve', 'steps', 'samples per step', 'max error', 'held-out max error', 'empty cells', 'seconds'],
        [[esc(s.status), count(s.steps), count(s.samples), fmtNumber(s.maxError, 3), fmtNumber(s.heldOutMaxError, 3), count(s.emptyCells), fmtNumber(s.seconds, 3)]],
        [false, true, true, true, true, true, true],
      ),
      method(`${r.method} Source: Lei, Luo, Yau, Gu, "Geometric understanding of deep learning" (arXiv 1805.10451); the reference solver pyOMT.`),
      warnings(r.warnings),
    ];
    return { headline: otHeadline(r), body: parts.join('\n') };
  },
});
