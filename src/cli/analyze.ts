/**
 * `geolens analyze <run-dir | model.onnx>`: every probe that applies on one model and its data (`analyze`), the
 * results written to <dir>/results/ and the HTML report to <dir>/report.html (`writeAnalysis`); one progress bar per
 * probe and an overall one. A probe that cannot apply is skipped with its reason; one that fails does not stop the
 * others.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { openTarget } from '../measure/node.js';
import type { ProbeTarget } from '../measure/target.js';
import type { ProbeOptions } from '../studies/types.js';
import { writeAnalysis, writeProbeOutput } from '../report/node.js';
import { analyze, parseProbeList } from '../studies/analyze.js';
import { analysisData } from '../studies/node.js';
import { parseProbeOptions, probeOptionsHelp } from '../studies/options.js';
import { ANALYSIS_PROBES } from '../studies/probes/index.js';
import { UsageError, type FlagSpec } from './args.js';
import { analysisProgress } from './analysis-progress.js';
import { gracefulInterrupt } from './interrupt.js';
import { HELP_FLAG, optionalNumberFlag, probeArgs, probeEngine, threadsFlag, THREADS_FLAG } from './probe-common.js';

const CMD = 'analyze';

const FLAGS: FlagSpec = {
  dataset: { type: 'string', help: "data to measure (spec as in geolens train) [default: the run's own training and held-out parts; required for an .onnx file]" },
  probes: { type: 'string', default: 'all', help: `probes to run: 'all' (every one that applies) or names separated by commas: ${[...ANALYSIS_PROBES.keys()].join(', ')}` },
  set: { type: 'string', multiple: true, placeholder: 'probe.key=value', help: "a probe's option, e.g. --set dim.n=128 --set separation.perClass=100 (repeatable; the options are listed below)" },
  out: { type: 'string', help: 'analysis folder: results/ and report.html go there [default: the run directory, or <model>.analysis next to an .onnx file]' },
  seed: { type: 'string', help: "seed of point subsets, walk headings and noise [default: the run's seed, else 0]" },
  threads: THREADS_FLAG,
  json: { type: 'boolean', default: false, help: 'print the manifest (analysis.json) and the files written as JSON' },
  quiet: { type: 'boolean', default: false, help: 'no progress bars; print only the report path' },
  help: HELP_FLAG,
};

const SUMMARY = [
  'Run every probe that applies (or --probes) on a model and its data, write results/<probe>.json (versioned) and a',
  'self-contained report.html with a section per probe: headline numbers in plain words and plots. A probe that cannot',
  'apply (e.g. a DIM on a graph without gradient rules) is skipped with its reason shown in the report.',
].join('\n');

/** The analysis folder of a target: --out, the run directory, or <model>.analysis next to an .onnx file. */
export function analysisDir(target: ProbeTarget, out?: string): string {
  if (out) return resolve(out);
  if (target.kind === 'run') return resolve(target.path);
  return join(dirname(resolve(target.path)), basename(target.path).replace(/\.onnx$/i, '') + '.analysis');
}

export interface AnalysisRunOptions {
  dataset?: string;
  probes?: string[];
  /** Options per probe (see --set). */
  probeOptions?: Record<string, ProbeOptions>;
  out?: string;
  seed?: number;
  threads?: number;
  quiet?: boolean;
  json?: boolean;
  command: string;
}

/**
 * Analyze `path` and write the results and report; prints a line per probe and the report path. Each probe's results
 * are written as it finishes; at a Ctrl-C the running probe is abandoned, the rest not started, and analysis.json and
 * report.html are written from what finished, with a line saying how to finish. Returns the report's path and whether
 * the analysis was interrupted.
 */
export async function runAnalysis(path: string, o: AnalysisRunOptions, out: (line: string) => void): Promise<{ report: string; interrupted: boolean }> {
  const target = await openTarget(path, { autoencoder: true });
  const abs = { ...target, path: resolve(target.path) };
  const data = await analysisData(abs, { ...(o.dataset !== undefined ? { dataset: o.dataset } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) });
  const dir = analysisDir(target, o.out);
  const progress = analysisProgress(process.stderr, { quiet: o.quiet === true || o.json === true });
  const engine = probeEngine(o.threads, { maxSessions: 4 });
  const t0 = Date.now();
  const interrupt = gracefulInterrupt({ line: progress.line, update: () => {}, done: () => {} }, 'the running probe stops at its next step; finished probes are kept');
  try {
    const analysis = await analyze(
      engine,
      abs,
      data,
      {
        ...(o.probes ? { probes: o.probes } : {}),
        ...(o.probeOptions ? { probeOptions: o.probeOptions } : {}),
        command: o.command,
        shouldStop: interrupt.stopped,
        onProbeDone: async (name, output) => void (await writeProbeOutput(dir, name, output)),
      },
      progress.onEvent,
    );
    progress.stop();
    const written = await writeAnalysis(dir, analysis);
    const missing = analysis.manifest.probes.filter((p) => p.status === 'interrupted').map((p) => p.name);
    if (missing.length) {
      const kept = analysis.manifest.probes.filter((p) => p.status === 'ok').map((p) => p.name);
      const outFlag = o.out !== undefined ? ` --out ${dir}` : '';
      out(`interrupted: kept ${kept.length ? kept.join(', ') : 'no probe'} in ${join(dir, 'results')} and the report ${written.report}; not finished: ${missing.join(', ')}. Finish with: geolens analyze ${path}${outFlag} --probes ${missing.join(',')} (add your other options), or rerun the whole analysis.`);
      return { report: written.report, interrupted: true };
    }
    if (o.json) {
      out(JSON.stringify({ analysis: analysis.manifest, report: written.report, files: written.files }, null, 2));
      return { report: written.report, interrupted: false };
    }
    if (!o.quiet) {
      const m = analysis.manifest;
      out(`analyzed ${path}: ${m.model.description}; ${m.data.spec ?? m.data.name} (${m.data.parts === 'run-split' ? `${m.data.train} training / ${m.data.test} held-out` : `${m.data.test} samples`}) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      const width = Math.max(...m.probes.map((p) => p.name.length));
      for (const p of m.probes) {
        const headline = written.sections.find((s) => s.probe === p.name)?.headline;
        const what = p.status === 'ok' ? (headline ?? '') : (p.reason ?? '');
        out(`  ${p.name.padEnd(width)}  ${p.status.padEnd(7)} ${p.seconds !== null ? `${p.seconds.toFixed(1).padStart(5)}s` : '      '}  ${what}`);
      }
    }
    out(`report: ${written.report}`);
    return { report: written.report, interrupted: false };
  } finally {
    interrupt.dispose();
    progress.stop();
    await engine.dispose();
  }
}

export async function analyzeCommand(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const args = probeArgs(CMD, argv, FLAGS, SUMMARY, out, [['probe options (--set <probe>.<key>=<value>; keys also in kebab-case, e.g. separation.per-class):', ...probeOptionsHelp()].join('\n')]);
  if (!args) return 0;
  const { values, lists, path } = args;
  let probeOptions: Record<string, ProbeOptions>;
  try {
    probeOptions = parseProbeOptions(lists.set ?? []);
  } catch (e) {
    throw new UsageError(`geolens ${CMD}: --set: ${(e as Error).message}`);
  }
  let probes: string[] | undefined;
  try {
    probes = parseProbeList(String(values.probes));
  } catch (e) {
    throw new UsageError(`geolens ${CMD}: --probes: ${(e as Error).message}`);
  }
  const seed = optionalNumberFlag(CMD, 'seed', values.seed, { integer: true, min: 0 });
  const { interrupted } = await runAnalysis(
    path,
    {
      ...(typeof values.dataset === 'string' ? { dataset: values.dataset } : {}),
      ...(probes ? { probes } : {}),
      ...(Object.keys(probeOptions).length ? { probeOptions } : {}),
      ...(typeof values.out === 'string' ? { out: values.out } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(threadsFlag(CMD, values) !== undefined ? { threads: threadsFlag(CMD, values)! } : {}),
      quiet: values.quiet === true,
      json: values.json === true,
      command: ['geolens', CMD, ...argv].join(' '),
    },
    out,
  );
  return interrupted ? 130 : 0;
}
