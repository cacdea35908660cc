/** The printed summary of a magnitude result: the cloud, t_conv, the magnitude function, the magnitude dimension. */
import type { MagnitudeResult } from '../probes/magnitude/types.js';
import { formatTable } from './probe-common.js';

const g = (v: number, p = 6): string => (Number.isFinite(v) ? Number(v.toPrecision(p)).toString() : String(v));
const e = (v: number): string => (v === 0 ? '0' : v.toExponential(1));

/** Lines of the summary (with `quiet`, without the table of scales). */
export function magnitudeLines(r: MagnitudeResult, path: string, o: { quiet?: boolean } = {}): string[] {
  const c = r.cloud;
  const lines = [`magnitude: ${path}`, `  points: ${c.description}`, `  ${c.distinct} distinct point${c.distinct === 1 ? '' : 's'}${c.distinct < c.n ? ` (of ${c.n})` : ''}; solver ${r.solver === 'cg' ? 'conjugate gradient (warm-started)' : 'Cholesky'}; ${r.scales.length} ${r.grid} scales`];
  const cs = r.convergenceScale;
  lines.push(`  convergence scale t_conv = ${g(cs.t)} (|tX| = ${g(cs.magnitude)} = ${cs.share}·n; bracket [${g(cs.bracket[0])}, ${g(cs.bracket[1])}], ${cs.evaluations} evaluations)`);
  if (!o.quiet) {
    lines.push('');
    const rows = [['t', '|tX|', '|tX|/n', 'residual', 'λ', r.solver === 'cg' ? 'CG iterations' : '']];
    rows.push(['0', '1', g(1 / c.distinct, 3), '—', '—', '']);
    for (const s of r.solves) rows.push([g(s.t, 5), g(s.magnitude, 8), g(s.magnitude / c.distinct, 3), e(s.residual), e(s.regularization), s.iterations === null ? '' : `${s.iterations}${s.converged ? '' : ' (not converged)'}`]);
    lines.push(...formatTable(rows.map((row) => (r.solver === 'cg' ? row : row.slice(0, 5)))));
  }
  lines.push('');
  const md = r.magnitudeDimension;
  lines.push(`  magnitude dimension ${g(md.value, 4)} (maximum of the profile, at t = ${g(md.scale, 4)}); largest residual ‖Zw − 1‖ ${e(r.maxResidual)} (${e(r.convergenceScale.maxResidual)} in the t_conv search)`);
  lines.push(`  time: distances ${r.seconds.distances.toFixed(2)}s, solves ${r.seconds.solves.toFixed(2)}s`);
  if (r.warnings.length) {
    lines.push('', `warnings (${r.warnings.length}):`);
    for (const w of r.warnings) lines.push(`  - ${w}`);
  }
  return lines;
}
