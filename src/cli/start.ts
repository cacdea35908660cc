/**
 * `geolens start` (what `npm start` runs): train the default model on the embedded data, analyze it with every probe,
 * write the report and print the one path to open.
 */
import { resolve } from 'node:path';
import { parseFlags, usage, type FlagSpec } from './args.js';
import { runAnalysis } from './analyze.js';
import { HELP_FLAG, threadsFlag, THREADS_FLAG } from './probe-common.js';
import { trainCommand } from './train.js';

const FLAGS: FlagSpec = {
  out: { type: 'string', help: 'run directory [default: runs/start-<time>]' },
  epochs: { type: 'string', default: '30', help: 'training epochs' },
  threads: THREADS_FLAG,
  quiet: { type: 'boolean', default: false, help: 'print only the report path' },
  help: HELP_FLAG,
};

const SUMMARY = 'Train the default model (a ReLU MLP 64×3 on the embedded manifold data), analyze it with every probe and write the HTML report.';

export async function startCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseFlags('start', argv, FLAGS);
  if (values.help) {
    out(usage('start', SUMMARY, FLAGS));
    return 0;
  }
  const quiet = values.quiet === true;
  const dir = resolve(typeof values.out === 'string' ? values.out : `runs/start-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  const threads = threadsFlag('start', values);
  const trainArgs = ['--quiet', '--epochs', String(values.epochs), '--out', dir, ...(threads !== undefined ? ['--threads', String(threads)] : [])];
  const code = await trainCommand(trainArgs, quiet ? () => {} : out);
  if (code !== 0) return code;
  if (!quiet) out('');
  const { interrupted } = await runAnalysis(dir, { command: `geolens start ${argv.join(' ')}`.trim(), quiet, ...(threads !== undefined ? { threads } : {}) }, out);
  return interrupted ? 130 : 0;
}
