/**
 * `geolens compare <dir-a> <dir-b> …`: several runs or models side by side from their saved results — their
 * separation curves on one plot, their DIM spectra side by side, and what the other sections compare.
 */
import { resolve } from 'node:path';
import { compareLabels, writeCompare } from '../report/node.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './args.js';
import { HELP_FLAG } from './probe-common.js';

const FLAGS: FlagSpec = {
  out: { type: 'string', default: 'compare.html', help: 'the HTML file to write' },
  labels: { type: 'string', help: 'names of the runs, separated by commas [default: the folder names]' },
  help: HELP_FLAG,
};

const SUMMARY = 'Put several analysed runs or models side by side (each folder: a run directory or analysis folder with results/, or a results folder).';

export async function compareCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseFlags('compare', argv, FLAGS);
  if (values.help) {
    out(usage('compare <dir-a> <dir-b> …', SUMMARY, FLAGS));
    return 0;
  }
  if (positionals.length < 2) throw new UsageError(`geolens compare: give at least two folders to compare (got ${positionals.length}).`);
  const labels = typeof values.labels === 'string' ? values.labels.split(',').map((s) => s.trim()) : compareLabels(positionals);
  if (labels.length !== positionals.length) throw new UsageError(`geolens compare: --labels names ${labels.length} runs, but ${positionals.length} folders are given.`);
  const file = await writeCompare(positionals, resolve(String(values.out)), labels);
  out(`comparison: ${file}`);
  return 0;
}
