/**
 * Plots of the manifold-complexity study (Lei et al., arXiv 1805.10451; src/studies/manifold-complexity): the linear
 * pieces each fixed architecture cuts the manifold Σ_k into against the pieces Σ_k needs and the architecture's
 * bound, and the achieved fit against k with its ceiling. Drawn with the chart modules (Observable Plot).
 */
import type { ManifoldComplexityStudyResult } from '../studies/manifold-complexity/types.js';
import { axisLabel, Plot, renderPlot, type LegendItem } from './charts/plot.js';
import { seriesColor, type ChartFrame } from './charts/index.js';

interface Row {
  k: number;
  v: number;
  s: string;
}

const archLabel = (a: { name: string; widths: number[] }): string => `${a.name} (${a.widths.join('×')})`;

/**
 * `manifold-complexity-pieces.svg`: for each architecture, the exact linear pieces on the curve (solid, dots), its
 * convex-curve bound (dashed), and the regions on the curve's plane (dotted), against k; the pieces Σ_k needs (k) as
 * the grey diagonal. Log y.
 */
export function manifoldPiecesChart(r: ManifoldComplexityStudyResult, title = 'Linear pieces on the manifold Σ_k vs the pieces it needs', frame: ChartFrame = {}): string {
  const ks = r.manifold.ks;
  const [k0, k1] = [Math.min(...ks), Math.max(...ks)];
  const marks: Plot.Markish[] = [Plot.gridY({ strokeOpacity: 0.12 }), Plot.gridX({ strokeOpacity: 0.06 })];
  const legend: LegendItem[] = [{ label: 'pieces needed (k)', color: '#777777', symbol: 'line' }];
  marks.push(Plot.line([{ k: k0, v: k0 }, { k: k1, v: k1 }], { x: 'k', y: 'v', stroke: '#777777', strokeWidth: 3, strokeOpacity: 0.7 }));
  r.architectures.forEach((a, i) => {
    const color = seriesColor(i);
    const pts = r.points.filter((p) => p.architecture === a.name);
    const pieces: Row[] = pts.map((p) => ({ k: p.k, v: p.pieces, s: a.name }));
    const regions: Row[] = pts.map((p) => ({ k: p.k, v: p.planeRegions, s: a.name }));
    const bound = Number(a.curveBound.exact);
    marks.push(Plot.line(regions, { x: 'k', y: 'v', stroke: color, strokeWidth: 1.5, strokeDasharray: '2,3' }));
    marks.push(Plot.line([{ k: k0, v: bound }, { k: k1, v: bound }], { x: 'k', y: 'v', stroke: color, strokeWidth: 2, strokeDasharray: '6,4' }));
    marks.push(Plot.line(pieces, { x: 'k', y: 'v', stroke: color, strokeWidth: 2.2 }));
    marks.push(Plot.dot(pieces, { x: 'k', y: 'v', fill: color, r: 3.5, stroke: 'white', strokeWidth: 0.8 }));
    legend.push(
      { label: `${archLabel(a)}: pieces on Σ_k`, color, symbol: 'line' },
      { label: `its bound on a convex curve (${a.curveBound.exact})`, color, symbol: 'dash' },
      { label: `regions on the plane (Serra bound ${a.serra.value ?? `10^${a.serra.log10.toFixed(1)}`})`, color, symbol: 'dotted' },
    );
  });
  return renderPlot(
    {
      marginBottom: 44,
      marginRight: 24,
      height: 380,
      x: { ...axisLabel('k (class pairs: Σ_k is the circle cut into 2k alternating arcs)'), ticks: ks, tickFormat: 'd', inset: 8 },
      y: { type: 'log', ...axisLabel('linear pieces / regions (log scale)'), nice: true, inset: 6 },
      marks,
    },
    { ...frame, title, legend },
  );
}

/**
 * `manifold-complexity-fit.svg`: held-out accuracy of each architecture against k (solid), the ceiling its counted
 * pieces allow, min(1, 1/2 + pieces/(2k)) (dashed), and chance (1/2, dotted).
 */
export function manifoldFitChart(r: ManifoldComplexityStudyResult, title = 'Fit on Σ_k: held-out accuracy vs k', frame: ChartFrame = {}): string {
  const marks: Plot.Markish[] = [Plot.gridY({ strokeOpacity: 0.12 }), Plot.gridX({ strokeOpacity: 0.06 }), Plot.ruleY([0.5], { stroke: 'currentColor', strokeOpacity: 0.6, strokeWidth: 1.5, strokeDasharray: '2,3' })];
  const legend: LegendItem[] = [];
  r.architectures.forEach((a, i) => {
    const color = seriesColor(i);
    const pts = r.points.filter((p) => p.architecture === a.name);
    const acc: Row[] = pts.map((p) => ({ k: p.k, v: p.testAccuracy, s: a.name }));
    const ceil: Row[] = pts.map((p) => ({ k: p.k, v: p.accuracyCeiling, s: a.name }));
    marks.push(Plot.line(ceil, { x: 'k', y: 'v', stroke: color, strokeWidth: 2, strokeDasharray: '6,4' }));
    marks.push(Plot.line(acc, { x: 'k', y: 'v', stroke: color, strokeWidth: 2.2 }));
    marks.push(Plot.dot(acc, { x: 'k', y: 'v', fill: color, r: 3.5, stroke: 'white', strokeWidth: 0.8 }));
    legend.push({ label: `${archLabel(a)}: held-out accuracy`, color, symbol: 'line' }, { label: 'ceiling from its pieces', color, symbol: 'dash' });
  });
  legend.push({ label: 'chance', color: 'currentColor', symbol: 'dotted' });
  return renderPlot(
    {
      marginBottom: 44,
      marginRight: 24,
      x: { ...axisLabel('k (class pairs on the circle)'), ticks: r.manifold.ks, tickFormat: 'd', inset: 8 },
      y: { ...axisLabel('accuracy on held-out points of Σ_k'), domain: [0.4, 1.02], tickFormat: '.0%' },
      marks,
    },
    { ...frame, title, legend },
  );
}
