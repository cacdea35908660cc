/**
 * Report section of magnitude (Andreeva, Limbeck, Rieck, Sarkar 2023): the magnitude function |tX| on [0, t_conv]
 * and the magnitude-dimension profile with its maximum, the magnitude dimension.
 */
import { MAGNITUDE_RESULT } from '../../probes/magnitude/schema.js';
import type { MagnitudeResult } from '../../probes/magnitude/types.js';
import { magnitudeDimensionChart, magnitudeFunctionChart } from '../magnitude.js';
import { count, esc, figure, fixed, fmtNumber, grid, method, para, warnings } from '../markup.js';
import { defineSection, requiredResult } from './types.js';

/** The headline in plain words. */
export function magnitudeHeadline(r: MagnitudeResult): string {
  const pct = Number((100 * r.convergenceScale.share).toPrecision(3));
  return `The ${count(r.cloud.distinct)} points look ${fixed(r.magnitudeDimension.value, 2)}-dimensional: their magnitude dimension, the steepest slope of log|tX| against log t (at t = ${fmtNumber(r.magnitudeDimension.scale)}); |tX| reaches ${pct}% of n at t_conv = ${fmtNumber(r.convergenceScale.t)}. Points: ${r.cloud.description.replace(/\.$/, '')}.`;
}

export const magnitudeSection = defineSection({
  probe: 'magnitude',
  title: 'Magnitude',
  files: { magnitude: requiredResult('magnitude', MAGNITUDE_RESULT) },
  render({ magnitude: r }, ctx) {
    const parts = [
      para(
        `Points: ${esc(r.cloud.description.replace(/\.$/, ''))}: ${count(r.cloud.distinct)} distinct points in ${count(r.cloud.dim)} dimensions. ` +
          `Magnitude |tX| = Σ w<sub>i</sub> with Z w = 1, Z<sub>ij</sub> = exp(−t·d<sub>ij</sub>), at ${r.scales.length} scales on [0, t<sub>conv</sub>] (${esc(r.grid)} grid, ${esc(r.solver)} solves, largest residual ‖Zw − 1‖ = ${fmtNumber(r.maxResidual, 2)}).`,
      ),
      grid(
        figure(magnitudeFunctionChart(r, 'Magnitude function', { standalone: false, id: `${ctx.idPrefix}-fn` }), `|tX| against the scale t; it starts at 1 (one point seen from far away) and approaches n = ${count(r.cloud.distinct)} (every point apart).`),
        figure(magnitudeDimensionChart(r, 'Magnitude dimension', { standalone: false, id: `${ctx.idPrefix}-dim` }), `The slope of log|tX| against log t; its maximum, ${fixed(r.magnitudeDimension.value, 3)}, is the magnitude dimension.`),
      ),
      method(`${r.method} Source: Andreeva, Limbeck, Rieck, Sarkar, "Metric space magnitude and generalisation in neural networks" (2023); scales as the magnipy library chooses them.`),
      warnings(r.warnings),
    ];
    return { headline: magnitudeHeadline(r), body: parts.join('\n') };
  },
});
