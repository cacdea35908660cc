/** Plots of the magnitude results: the magnitude function and the magnitude-dimension profile (SVG text). */
import type { MagnitudeResult } from '../probes/magnitude/types.js';
import { lineChart, type ChartFrame } from './charts/index.js';

/** |tX| against t on the grid, with n (the number of distinct points) and the convergence scale marked (magnitude.svg). */
export function magnitudeFunctionChart(r: MagnitudeResult, title = `Magnitude function — ${r.cloud.kind}, n = ${r.cloud.distinct}`, frame: ChartFrame = {}): string {
  const pts: [number, number][] = r.scales.map((t, i) => [t, r.magnitude[i]!]);
  const tc = r.convergenceScale.t;
  return lineChart({ title, ...frame, xLabel: `scale t (1 / distance; t_conv = ${tc.toPrecision(4)})`, yLabel: '|tX| (effective number of points)' }, [
    { name: '|tX|', points: pts },
    { name: `n = ${r.cloud.distinct}`, points: [[0, r.cloud.distinct], [r.scales[r.scales.length - 1]!, r.cloud.distinct]] },
    { name: `${r.convergenceScale.share}·n at t_conv`, points: [[tc, r.convergenceScale.target]], style: 'dots' },
  ]);
}

/** The magnitude-dimension profile against log10 t, with the magnitude dimension marked (magnitude-dimension.svg). */
export function magnitudeDimensionChart(r: MagnitudeResult, title = `Magnitude dimension profile — dim = ${r.magnitudeDimension.value.toFixed(3)}`, frame: ChartFrame = {}): string {
  const p = r.dimensionProfile;
  const pts: [number, number][] = p.scales.map((t, i) => [Math.log10(t), p.values[i]!]);
  const md = r.magnitudeDimension;
  return lineChart({ title, ...frame, xLabel: 'log10 t (log-midpoints of the grid)', yLabel: 'd log|tX| / d log t' }, [
    { name: 'profile', points: pts },
    { name: `maximum ${md.value.toFixed(3)}`, points: Number.isFinite(md.value) ? [[Math.log10(md.scale), md.value]] : [], style: 'dots' },
  ]);
}
