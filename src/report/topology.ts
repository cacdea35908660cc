/**
 * Plots of the metric-topology result (Wu et al. 2025): the distance matrix as a heat map, the classical-MDS
 * embedding of the quotient coloured by equivalence class, and d̂ against the parameter distance of each pair. Drawn
 * with the chart modules (Observable Plot) — the same in stand-alone SVG files and in the report.
 */
import type { TopologyResult } from '../probes/topology/types.js';
import { fmtNumber, heatmapChart, scatterChart, type ChartFrame } from './charts/index.js';
import { joinNames } from './charts/labels.js';

const readingName = (r: TopologyResult['reading']): string => (r === 'correctness' ? 'correctness' : 'disagreement');

/** `topology-distances.svg`: the chosen reading's distance matrix (estimates d̂, with the interval half-width). */
export function topologyDistancesChart(r: TopologyResult, title: string, frame: ChartFrame = {}): string {
  const labels = r.models.map((m) => m.name);
  return heatmapChart(
    { title, ...frame, valueLabel: `d̂ (${readingName(r.reading)}), m = ${r.m} points, ±${r.halfWidth.toFixed(3)} at ${Number((100 * r.confidence).toPrecision(6))}% (Hoeffding)`, axisLabel: 'network' },
    labels,
    r[r.reading].distance,
  );
}

/** `topology-mds.svg`: classical MDS of the quotient, coloured by equivalence class, labelled by network. */
export function topologyMdsChart(r: TopologyResult, title: string, frame: ChartFrame = {}): string {
  const share = r.mds.explained === null ? '' : `, ${(100 * r.mds.explained).toFixed(0)}% of the eigenvalue mass`;
  const groupNames = r.classes.list.map((c) => `class ${c.id}: ${joinNames(c.members.map((i) => r.models[i]!.name), 4)}`);
  return scatterChart(
    { title, ...frame, xLabel: `MDS axis 1, units of d̂ (λ₁ = ${fmtNumber(r.mds.eigenvalues[0] ?? 0)}${share})`, yLabel: `MDS axis 2, units of d̂ (λ₂ = ${fmtNumber(r.mds.eigenvalues[1] ?? 0)})`, groupNames },
    r.models.map((m, i) => ({ x: r.mds.coordinates[i]![0], y: r.mds.coordinates[i]![1], name: m.name, group: r.classes.classOf[i]! })),
  );
}

/** `topology-parameters.svg`: d̂ of each pair against its parameter distance; null without parameter distances. */
export function topologyParametersChart(r: TopologyResult, title: string, frame: ChartFrame = {}): string | null {
  const P = r.parameterDistance.distance;
  if (!P) return null;
  const D = r[r.reading].distance;
  const pts = [];
  for (let i = 0; i < r.models.length; i++) for (let j = i + 1; j < r.models.length; j++) pts.push({ x: P[i]![j]!, y: D[i]![j]! });
  const corr = r.parameterDistance.spearman === null ? '' : ` (Spearman ${r.parameterDistance.spearman.toFixed(2)})`;
  return scatterChart({ title: `${title}${corr}`, ...frame, xLabel: '‖w − w′‖₂ (parameter distance)', yLabel: `d̂ (${readingName(r.reading)})`, equalAspect: false }, pts);
}
