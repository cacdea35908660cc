/**
 * Report section of the metric topology of classifiers (Wu, Huang, Li, Liu 2025): the probabilistic distance between
 * networks as a heat map, the equivalence classes and the MDS embedding of the quotient, and the checks.
 */
import { TOPOLOGY_RESULT } from '../../probes/topology/schema.js';
import type { TopologyResult } from '../../probes/topology/types.js';
import { count, esc, figure, fixed, fmtNumber, grid, method, para, table, warnings } from '../markup.js';
import type { TopologyComparison } from '../../studies/compare.js';
import { topologyDistancesChart, topologyMdsChart } from '../topology.js';
import { defineSection, requiredResult } from './types.js';

/** The headline in plain words. */
export function topologyHeadline(r: TopologyResult): string {
  const n = r.models.length;
  const D = r[r.reading];
  const d = n >= 2 ? D.distance[0]![n - 1]! : 0;
  const how = r.reading === 'correctness' ? 'one is right and the other wrong' : 'they predict different classes';
  const ends = n >= 2 ? ` The first and the last, ${r.models[0]!.name} and ${r.models[n - 1]!.name}, are at d = ${fixed(d, 3)}: ${how} on ${fixed(100 * d, 1)}% of the points.` : '';
  const ok = D.checks.symmetry.ok && D.checks.triangle.ok && D.checks.accuracyBound.ok;
  const k = r.classes.list.length;
  const within = `d = 0 within ±${fixed(r.halfWidth, 3)}, ${r.reading} reading`;
  const classes = k === n ? `No two of the ${n} networks are equivalent (${within}).` : k === 1 ? `The ${n} networks cannot be told apart (${within}).` : `The ${n} networks fall into ${k} classes; within a class they cannot be told apart (${within}).`;
  return `${classes}${ends} ${ok ? 'Symmetry, triangle inequality and the accuracy bound hold.' : 'A check failed: see the table.'}`;
}

export const topologySection = defineSection({
  probe: 'topology',
  title: 'Metric topology of classifiers',
  files: { topology: requiredResult('topology', TOPOLOGY_RESULT) },
  render({ topology: r }, ctx) {
    const D = r[r.reading];
    const c = D.checks;
    const parts = [
      para(
        `The probabilistic distance between ${count(r.models.length)} networks on ${count(r.m)} labelled points: ${esc(D.definition)} Each estimate is within ±${fixed(r.halfWidth, 4)} of the true distance with probability ${fixed(r.confidence, 2)} (Hoeffding).`,
      ),
      grid(
        figure(topologyDistancesChart(r, 'Distances between networks', { standalone: false, id: `${ctx.idPrefix}-d` }), 'Estimated distance d̂ between every pair of networks.'),
        figure(topologyMdsChart(r, 'The quotient space (classical MDS)', { standalone: false, id: `${ctx.idPrefix}-mds` }), 'Networks at distance 0 are one point; colours are the equivalence classes (single linkage on d̂ within the interval).'),
      ),
      table(
        ['network', 'accuracy', 'ties', 'class'],
        r.models.map((m, i) => [esc(m.name), fixed(m.accuracy, 3), fixed(m.tieShare, 3), String(r.classes.classOf[i]! )]),
        [false, true, true, true],
      ),
      para(`Checks: symmetry ${c.symmetry.ok ? 'holds' : 'fails'}; triangle inequality ${c.triangle.ok ? 'holds' : `fails on ${c.triangle.violations} triples`}; |acc(w) − acc(w′)| ≤ d ${c.accuracyBound.ok ? 'holds' : `fails on ${c.accuracyBound.violations} pairs`}.`),
      method('Wu, Huang, Li, Liu, "A metric topology of deep learning for data classification" (arXiv 2501.11265); the exact formula is not fixed by the paper: both readings (correctness: one network right where the other is wrong; disagreement: different predicted classes) are computed, the chosen one drives classes and plots.'),
      warnings(r.warnings),
    ];
    return { headline: topologyHeadline(r), body: parts.join('\n') };
  },
});

/** The headline of a comparison in plain words: the closest and the farthest pair. */
export function topologyComparisonHeadline(r: TopologyResult): string {
  const D = r[r.reading].distance;
  const n = r.models.length;
  const pairs: [number, number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j, D[i]![j]!]);
  pairs.sort((a, b) => a[2] - b[2]);
  const say = ([i, j, d]: [number, number, number]): string =>
    `${r.reading === 'correctness' ? `one of ${r.models[i]!.name} and ${r.models[j]!.name} is right and the other wrong` : `${r.models[i]!.name} and ${r.models[j]!.name} predict different classes`} on ${fixed(100 * d, 1)}% of the points (d = ${fixed(d, 3)} ± ${fixed(r.halfWidth, 3)})`;
  const near = pairs[0]!;
  const far = pairs[pairs.length - 1]!;
  const same = r.reading === 'correctness' ? 'are right on exactly the same points' : 'predict the same class on every point';
  if (far[2] === 0 && n === 2) return `${r.models[0]!.name} and ${r.models[1]!.name} ${same}: d = 0 (± ${fixed(r.halfWidth, 3)}).`;
  if (far[2] === 0) return `The ${n} runs ${same}: d = 0 for every pair (each ± ${fixed(r.halfWidth, 3)}).`;
  if (r.classes.list.length === 1 && n > 2) return `The ${n} runs cannot be told apart: no two of them ${r.reading === 'correctness' ? 'differ in being right or wrong' : 'predict different classes'} on more than ${fixed(100 * far[2], 1)}% of the points (d ≤ ${fixed(far[2], 3)}, each ± ${fixed(r.halfWidth, 3)}).`;
  const eq = r.classes.list.length < n ? ' Some of them cannot be told apart within the interval.' : '';
  const one = say(near);
  return pairs.length === 1 ? `${one[0]!.toUpperCase()}${one.slice(1)}.${eq}` : `Closest: ${one}; farthest: ${say(far)}.${eq}`;
}

/**
 * The body of a comparison's topology distance (`geolens compare`): the data, the heat map and MDS of the distances
 * between the runs' final classifiers, and a table of every pair with both readings, the interval and the parameter
 * distance. Only the 'ok' case; the page shows the reason of an incompatible one.
 */
export function topologyComparisonBody(c: Extract<TopologyComparison, { status: 'ok' }>, idPrefix: string): { headline: string; body: string } {
  const r = c.result;
  const n = r.models.length;
  const P = c.parameterDistance;
  const pairs = (n * (n - 1)) / 2;
  let matched = 0;
  const rows: string[][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      rows.push([
        esc(r.models[i]!.name),
        esc(r.models[j]!.name),
        fixed(r.correctness.distance[i]![j]!, 3),
        `${fixed(r[r.reading].lower[i]![j]!, 3)}–${fixed(r[r.reading].upper[i]![j]!, 3)}`,
        fixed(r.disagreement.distance[i]![j]!, 3),
        P[i]![j] !== null ? fmtNumber(P[i]![j]!, 4) : '—',
      ]);
      if (P[i]![j] !== null) matched++;
    }
  }
  const parts = [
    para(
      `The probabilistic distance between the final classifiers of the ${count(n)} runs on ${esc(c.data)}: ${esc(r[r.reading].definition)} Each estimate is within ±${fixed(r.halfWidth, 3)} of the true distance with probability ${fixed(r.confidence, 2)} (Hoeffding; ±${fixed(r.simultaneousHalfWidth, 3)} for all pairs at once).`,
    ),
    c.note ? para(`Note: ${esc(c.note)}`, 'reason') : '',
    grid(
      figure(topologyDistancesChart(r, 'Distances between the runs', { standalone: false, id: `${idPrefix}-d` }), `Estimated distance d̂ (${r.reading} reading) between the runs' classifiers.`),
      figure(topologyMdsChart(r, 'The runs in the space of classifiers (classical MDS)', { standalone: false, id: `${idPrefix}-mds` }), 'Runs at distance 0 are one point (their names share a label); colours are the equivalence classes.'),
    ),
    table(
      ['run', 'run', 'd̂ correctness', `${r.reading} interval (${fixed(100 * r.confidence, 0)}%)`, 'd̂ disagreement', '‖w − w′‖₂'],
      rows,
      [false, false, true, true, true, true],
    ),
    table(
      ['run', 'accuracy', 'tied points', 'class'],
      r.models.map((m, i) => [esc(m.name), fixed(m.accuracy, 3), fixed(m.tieShare, 3), String(r.classes.classOf[i]!)]),
      [false, true, true, true],
    ),
    para(
      r.parameterDistance.distance
        ? `Parameter distance ‖w − w′‖₂ over ${count(r.parameterDistance.numParams ?? 0)} parameters${r.parameterDistance.spearman !== null ? `; Spearman correlation with d̂: ${fixed(r.parameterDistance.spearman, 2)}` : ''}.`
        : matched
          ? `Parameter distance ‖w − w′‖₂ for the ${matched} of ${pairs} pairs of the same architecture ('—': ${esc(r.parameterDistance.reason ?? 'the architectures differ')}).`
          : `No parameter distance: ${esc(r.parameterDistance.reason ?? 'the architectures differ')}.`,
    ),
    warnings(r.warnings),
  ];
  return { headline: topologyComparisonHeadline(r), body: parts.join('\n') };
}
