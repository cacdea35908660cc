/**
 * Report section of the metric topology of classifiers (Wu, Huang, Li, Liu 2025): the probabilistic distance between
 * networks as a heat map, the equivalence classes and the MDS embedding of the quotient, and the checks.
 */
import { TOPOLOGY_RESULT } from '../../probes/topology/schema.js';
import type { TopologyResult } from '../../probes/topology/types.js';
import { count, esc, figure, fixed, grid, method, para, table, warnings } from '../markup.js';
import { topologyDistancesChart, topologyMdsChart } from '../topology.js';
import { defineSection, requiredResult } from './types.js';

/** The headline in plain words. */
export function topologyHeadline(r: TopologyResult): string {
  const n = r.models.length;
  const D = r[r.reading];
  const ends = n >= 2 ? ` ${r.models[0]!.name} and ${r.models[n - 1]!.name} are at d = ${fixed(D.distance[0]![n - 1]!, 3)}.` : '';
  const ok = D.checks.symmetry.ok && D.checks.triangle.ok && D.checks.accuracyBound.ok;
  return `${n} networks fall into ${r.classes.list.length} class${r.classes.list.length === 1 ? '' : 'es'} of equivalent networks (d = 0 within ±${fixed(r.halfWidth, 3)}, ${r.reading} reading).${ends} ${ok ? 'Symmetry, triangle inequality and the accuracy bound hold.' : 'A check failed: see the table.'}`;
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
      method('Wu, Huang, Li, Liu, "A metric topology of deep learning for data classification" (arXiv 2501.11265); the exact formula is not fixed by the paper: both readings of METHODS.md §4 are computed, the chosen one drives classes and plots.'),
      warnings(r.warnings),
    ];
    return { headline: topologyHeadline(r), body: parts.join('\n') };
  },
});
