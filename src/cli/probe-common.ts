/**
 * What the `geolens probe <name>` commands share: the command line (one target path, --help), the --threads / --out /
 * --help flags, optional number flags, the engine, results folder and progress display they set up, and the
 * plain-text tables they print.
 */
import type { Engine, EngineOptions } from '../engine/engine.js';
import { createNodeEngine } from '../engine/node.js';
import { DATASET_SPEC_OPTIONS } from '../data/node.js';
import { resultsDir } from '../measure/node.js';
import type { ProbeTarget } from '../measure/target.js';
import { numberFlag, parseFlags, usage, UsageError, type FlagSpec } from './args.js';
import { createProgress, type ProgressSink } from './progress.js';

type FlagValues = Record<string, string | boolean | undefined>;

/** The one positional argument of a probe command: a run directory or an .onnx file. */
export function targetArg(command: string, positionals: string[]): string {
  if (positionals.length !== 1) {
    throw new UsageError(`geolens ${command}: give one run directory or .onnx file${positionals.length ? `, got ${positionals.length}: ${positionals.join(' ')}` : ''}.\n(run 'geolens ${command} --help' for details)`);
  }
  return positionals[0]!;
}

/**
 * --dataset and --split of a probe command. --split picks a part of the run's own dataset, so it cannot go with
 * --dataset (the spec chooses the part there); without --dataset it defaults to `defaultSplit`.
 */
export function dataFlags(
  command: string,
  values: Record<string, string | boolean | undefined>,
  defaultSplit: 'train' | 'test' | 'all',
): { dataset?: string; split?: 'train' | 'test' | 'all' } {
  const dataset = typeof values.dataset === 'string' ? values.dataset : undefined;
  if (dataset === undefined) return { split: (values.split as 'train' | 'test' | 'all' | undefined) ?? defaultSplit };
  if (values.split !== undefined) {
    throw new UsageError(`geolens ${command}: --split picks a part of the run's own dataset; with --dataset choose the part in the spec (e.g. idx:<dir>#split=test).`);
  }
  return { dataset };
}

/** The options a dataset spec's `#key=value,…` fragment takes, for --help. */
export function datasetSpecHelp(): string {
  const keys = Object.entries(DATASET_SPEC_OPTIONS);
  const w = Math.max(...keys.map(([k]) => k.length));
  return ['dataset spec options (after #, separated by commas, e.g. cifar:data#layout=nhwc,perClass=100):', ...keys.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join('\n');
}

/** --threads: onnxruntime intra-op threads. */
export const THREADS_FLAG: FlagSpec[string] = { type: 'string', help: 'onnxruntime intra-op threads [default: all cores]' };
/** --out: the results folder. */
export const OUT_FLAG: FlagSpec[string] = { type: 'string', help: 'results folder [default: <run>/results; for an .onnx file ./geolens-results/<model name>]' };
/** --json: the result as JSON on stdout instead of tables (progress is silenced). */
export const JSON_FLAG: FlagSpec[string] = { type: 'boolean', default: false, help: 'print the result as JSON instead of tables' };
/** --quiet: no progress output. */
export const QUIET_FLAG: FlagSpec[string] = { type: 'boolean', default: false, help: 'no progress output' };
/** --help / -h. */
export const HELP_FLAG: FlagSpec[string] = { type: 'boolean', short: 'h', default: false, help: 'show this help' };

/**
 * Parse a probe's command line `<run-dir | model.onnx> [flags]`: the flag values, the repeated flags' values and the
 * target path, or null after printing the usage (and the `moreHelp` paragraphs) for --help.
 */
export function probeArgs(
  command: string,
  argv: string[],
  flags: FlagSpec,
  summary: string,
  out: (line: string) => void,
  moreHelp: string[] = [],
): { values: FlagValues; lists: Record<string, string[]>; path: string } | null {
  const { values, positionals, lists } = parseFlags(command, argv, flags);
  if (values.help) {
    out([usage(`${command} <run-dir | model.onnx>`, summary, flags), ...moreHelp, datasetSpecHelp()].join('\n\n'));
    return null;
  }
  return { values, lists, path: targetArg(command, positionals) };
}

/** A number flag that may be left out: undefined when absent, else checked as `numberFlag` checks it. */
export function optionalNumberFlag(command: string, name: string, v: string | boolean | undefined, opts: Parameters<typeof numberFlag>[3] = {}): number | undefined {
  return v !== undefined ? numberFlag(command, name, v, opts) : undefined;
}

/** The --threads value (an integer ≥ 1), or undefined for the engine's default (all cores). */
export function threadsFlag(command: string, values: FlagValues): number | undefined {
  return optionalNumberFlag(command, 'threads', values.threads, { integer: true, min: 1 });
}

/** A Node engine with `threads` intra-op threads (all cores when undefined) and the other options given. */
export function probeEngine(threads: number | undefined, options: Omit<EngineOptions, 'threads'> = {}): Engine {
  return createNodeEngine({ ...(threads !== undefined ? { threads } : {}), ...options });
}

/** The results folder: --out when given, else next to the run or model. */
export function probeResultsDir(target: ProbeTarget, values: FlagValues): string {
  return resultsDir(target, typeof values.out === 'string' ? values.out : undefined);
}

/** Progress on stderr, silent with --quiet or --json (the JSON alone goes to stdout). */
export function probeProgress(values: FlagValues): ProgressSink {
  return createProgress(process.stderr, { quiet: values.quiet === true || values.json === true });
}

export interface TableOptions {
  /** Right-align column j when `right[j]` (default: every column but the first). */
  right?: readonly boolean[];
  /** Prefix of every line (default two spaces). */
  indent?: string;
  /** Width of a cell in the layout (default: its length in UTF-16 code units). */
  width?: (cell: string) => number;
}

/** Rows of cells (the first row the header) as aligned lines, columns two spaces apart, trailing spaces trimmed. */
export function formatTable(rows: string[][], options: TableOptions = {}): string[] {
  const { indent = '  ', width = (cell: string) => cell.length } = options;
  const right = options.right ?? rows[0]!.map((_, j) => j > 0);
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => width(r[j] ?? ''))));
  return rows.map((r) => indent + r.map((c, j) => (right[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd());
}
