/** `geolens report <dir>`: re-render report.html from saved results (nothing is recomputed). */
import { writeReport } from '../report/node.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';
import { HELP_FLAG } from './probe-common.js';

const FLAGS: FlagSpec = {
  quiet: { type: 'boolean', default: false, help: 'print only the report path' },
  help: HELP_FLAG,
};

const SUMMARY = [
  'Render report.html again from the results a previous geolens analyze (or geolens probe) saved: a run directory or',
  'analysis folder (with results/ inside) or a results folder. The same results give the same bytes.',
].join('\n');

export async function reportCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseFlags('report', argv, FLAGS);
  if (values.help) {
    out(usage('report <dir>', SUMMARY, FLAGS));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`geolens report: give one folder (a run directory or the folder geolens analyze wrote)${positionals.length ? `, got ${positionals.length}` : ''}.`);
  const { file, sections } = await writeReport(positionals[0]!);
  if (values.quiet !== true) for (const s of sections) out(`  ${s.probe}: ${s.status}${s.headline ? ` — ${s.headline}` : ''}`);
  out(`report: ${file}`);
  return 0;
}
