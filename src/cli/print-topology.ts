/** The printed tables of `geolens probe topology`: networks, distance matrices, classes, checks. */
import type { TopologyChecks, TopologyResult } from '../probes/topology/types.js';
import { formatTable } from './probe-common.js';

/** Networks beyond this count are left out of the printed matrices (all of them are in topology.json). */
export const PRINTED_MATRIX_MAX = 16;

const table = (rows: string[][], right?: boolean[]): string[] => formatTable(rows, { ...(right ? { right } : {}), width: (c) => [...c].length });
const pct = (c: number): string => `${Number((100 * c).toPrecision(6))}%`;
const f4 = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : '—');

/** A square matrix with network indices as row and column headers (the first PRINTED_MATRIX_MAX networks). */
export function matrixLines(matrix: readonly (readonly number[])[], format: (v: number) => string = f4): string[] {
  const n = Math.min(matrix.length, PRINTED_MATRIX_MAX);
  const rows = [['', ...Array.from({ length: n }, (_, j) => String(j))]];
  for (let i = 0; i < n; i++) rows.push([String(i), ...matrix[i]!.slice(0, n).map((v, j) => (i === j ? '·' : format(v)))]);
  const lines = table(rows);
  if (matrix.length > n) lines.push(`  … ${matrix.length - n} more networks: the full matrix is in topology.json`);
  return lines;
}

function checkLines(label: string, c: TopologyChecks): string[] {
  const ok = (b: boolean): string => (b ? 'ok' : 'FAILED');
  return [
    `  ${label}:`,
    `    symmetry: max |d̂_ij − d̂_ji| = ${c.symmetry.maxAsymmetry}, max |d̂_ii| = ${c.symmetry.maxDiagonal}: ${ok(c.symmetry.ok)}`,
    `    triangle inequality d̂_ik ≤ d̂_ij + d̂_jk: ${c.triangle.violations} violations in ${c.triangle.triples} triples${c.triangle.worst ? ` (worst ${c.triangle.maxViolation.toExponential(2)} at ${c.triangle.worst.join(', ')})` : ''}: ${ok(c.triangle.ok)}`,
    `    |acc(w) − acc(w′)| ≤ d̂(w, w′): ${c.accuracyBound.violations} violations in ${c.accuracyBound.pairs} pairs${c.accuracyBound.violations ? ` (worst by ${c.accuracyBound.maxViolation.toExponential(2)})` : ''}: ${ok(c.accuracyBound.ok)}`,
  ];
}

/** Everything printed for a result (without the 'wrote …' line). */
export function topologyLines(r: TopologyResult, header: string[], quiet: boolean): string[] {
  const n = r.models.length;
  const lines = [...header];
  const pairs = (n * (n - 1)) / 2;
  lines.push(`  reading: ${r.reading} — ${r[r.reading].definition}`);
  lines.push(`  Hoeffding at ${pct(r.confidence)}: |d̂ − d| ≤ h = ${r.halfWidth.toFixed(4)} for each pair${pairs > 1 ? ` (${r.simultaneousHalfWidth.toFixed(4)} for all ${pairs} pairs at once)` : ''}`);
  lines.push(`  ties: top-2 softmax probabilities within ε = ${r.tieEpsilon} (the non-unique-label set); argmax ties go to the lowest class`);
  lines.push('');
  const rows = [['#', 'network', 'accuracy', `${pct(r.confidence)} interval`, 'tied']];
  for (const m of r.models) rows.push([String(m.index), m.name, f4(m.accuracy), `${f4(m.accuracyInterval[0])}–${f4(m.accuracyInterval[1])}`, f4(m.tieShare)]);
  lines.push(...table(rows, [true, false, true, true, true]));
  const order: ('correctness' | 'disagreement')[] = r.reading === 'correctness' ? ['correctness', 'disagreement'] : ['disagreement', 'correctness'];
  for (const reading of quiet ? [r.reading] : order) {
    lines.push('');
    lines.push(`d̂ (${reading} reading${reading === r.reading ? '' : ', for comparison'}):`);
    lines.push(...matrixLines(r[reading].distance));
  }
  const p = r.parameterDistance;
  lines.push('');
  if (p.distance) {
    lines.push(`parameter distance ‖w − w′‖₂ (${p.numParams} parameters):`);
    if (!quiet) lines.push(...matrixLines(p.distance, (v) => v.toPrecision(4)));
    const corr = p.spearman === null ? 'undefined (fewer than 3 pairs, or a constant matrix)' : `Spearman ${p.spearman.toFixed(3)}, Pearson ${p.pearson === null ? '—' : p.pearson.toFixed(3)}`;
    lines.push(`  correlation of d̂ (${r.reading}) with ‖w − w′‖₂ over the ${pairs} pairs: ${corr}`);
  } else lines.push(`parameter distance: not computed — ${p.reason}.`);
  lines.push('');
  const c = r.classes;
  lines.push(`equivalence classes (single linkage on d̂ ≤ h = ${r.halfWidth.toFixed(4)}): ${c.list.length} of ${n} networks; exact classes (d̂ = 0): ${c.numExactClasses}`);
  for (const k of c.list) {
    const names = k.members.map((i) => r.models[i]!.name);
    const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, … (${names.length})` : names.join(', ');
    lines.push(`  class ${k.id}: ${shown}${k.members.length > 1 ? `   (diameter ${f4(k.diameter)})` : ''}`);
  }
  lines.push('');
  lines.push('checks (on the estimates):');
  lines.push(...checkLines(`${r.reading} reading`, r[r.reading].checks));
  if (!quiet) lines.push(...checkLines(`${order[1]} reading`, r[order[1]!].checks));
  lines.push(`  correctness d̂ ≤ disagreement d̂ for every pair: ${r.readingOrder.ok ? 'ok' : `FAILED (${r.readingOrder.violations} pairs)`}`);
  lines.push('');
  const ex = r.mds.explained === null ? 'all networks coincide' : `the 2 axes hold ${(100 * r.mds.explained).toFixed(1)}% of the positive eigenvalue mass`;
  lines.push(`classical MDS of the quotient (${r.mds.numPoints} points): ${ex}; negative eigenvalue share ${r.mds.negativeShare.toFixed(3)} (0 for a Euclidean matrix)`);
  if (r.warnings.length) {
    lines.push('');
    lines.push(`warnings (${r.warnings.length}):`);
    for (const w of r.warnings.slice(0, 10)) lines.push(`  - ${w}`);
    if (r.warnings.length > 10) lines.push(`  … ${r.warnings.length - 10} more in the JSON`);
  }
  return lines;
}
