/** Plots of a generalisation study: each run's magnitude dimension against its generalisation gap. */
import type { GeneralisationStudyResult } from '../studies/generalisation/types.js';
import { scatterChart, type ChartFrame } from './charts/index.js';

/**
 * Magnitude dimension of each run's trajectory (x; Euclidean or loss pseudometric ρ_S) against its generalisation
 * gap (y; accuracy in points or loss), one colour per learning rate, τ in the title (generalisation-<distance>-<gap>.svg).
 */
export function studyScatterChart(r: GeneralisationStudyResult, distance: 'euclidean' | 'loss', gap: 'accuracy gap' | 'loss gap', frame: ChartFrame = {}): string {
  const lrs = [...new Set(r.runs.map((x) => x.hyperparameters.lr))].sort((a, b) => a - b);
  const c = r.correlations.find((x) => x.gap === gap && (distance === 'euclidean' ? x.measure.includes('Euclidean') : x.measure.includes('ρ_S')));
  const tau = c && Number.isFinite(c.kendall.overall) ? `, Kendall τ = ${c.kendall.overall.toFixed(2)}` : '';
  return scatterChart(
    {
      title: `Magnitude dimension vs ${gap} — ${r.runs.length} runs${tau}`,
      ...frame,
      xLabel: `magnitude dimension of the trajectory (${distance === 'euclidean' ? 'Euclidean' : 'loss pseudometric ρ_S'})`,
      yLabel: gap === 'accuracy gap' ? 'accuracy gap (train − held-out, points)' : 'loss gap (held-out − train)',
      groupNames: lrs.map((lr) => `lr ${lr}`),
      equalAspect: false,
    },
    r.runs.map((x) => ({
      x: distance === 'euclidean' ? x.magnitude.euclidean.magnitudeDimension : x.magnitude.loss.magnitudeDimension,
      y: gap === 'accuracy gap' ? 100 * x.accuracyGap : x.lossGap,
      group: lrs.indexOf(x.hyperparameters.lr),
      name: `b${x.hyperparameters.batchSize}`,
    })),
  );
}
