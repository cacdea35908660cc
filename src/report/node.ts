/**
 * Node adapter of the report room: a linkedom DOM document for the chart modules (installed when this module is
 * imported, so `geolens/node` users and the CLI draw charts without a browser), and the files of an analysis —
 * results/*.json, pictures, analysis.json and report.html — read and written atomically.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DOMParser } from 'linkedom';
import { GeolensError } from '../errors.js';
import { writeResult } from '../measure/node.js';
import { writeFileAtomic } from '../models/node.js';
import { ANALYSIS_PROBES } from '../studies/probes/index.js';
import type { Analysis, AnalysisProbe, ProbeOutput } from '../studies/types.js';
import { setChartDocument } from './charts/dom.js';
import { imageGridPng } from './png.js';
import { buildReport, renderCompare, type CompareOptions, type RenderedSection, type ReportInput } from './report.js';
import { SECTIONS } from './sections/index.js';

/**
 * A fresh linkedom document for charts (Observable Plot needs createElementNS, setAttribute, appendChild, outerHTML).
 * An SVG (XML) document, not an HTML one: linkedom escapes '<' and '&' in attribute values only in XML documents, and
 * a stand-alone .svg file must be well-formed XML.
 */
export function linkedomDocument(): Document {
  return new DOMParser().parseFromString('<svg xmlns="http://www.w3.org/2000/svg"></svg>', 'image/svg+xml') as unknown as Document;
}

setChartDocument(linkedomDocument());

/** The name of an analysis' manifest in its results folder. */
export const ANALYSIS_FILE = 'analysis.json';
/** The name of the report next to the results folder. */
export const REPORT_FILE = 'report.html';

/**
 * Where the results of `dir` are and where its report goes: `<dir>/results/` and `<dir>/report.html` for an analysis
 * or run directory, or `dir` itself when it holds result files (a `geolens probe --out` folder).
 * Errors: FILE_NOT_FOUND when there is no such folder or it holds no results.
 */
export function reportPaths(dir: string): { resultsDir: string; reportFile: string } {
  const d = resolve(dir);
  if (!existsSync(d) || !statSync(d).isDirectory()) throw new GeolensError('FILE_NOT_FOUND', `${dir} is not a folder; give a run directory or the folder geolens analyze wrote (with results/ inside).`);
  const sub = join(d, 'results');
  if (existsSync(sub) && statSync(sub).isDirectory()) return { resultsDir: sub, reportFile: join(d, REPORT_FILE) };
  if (readdirSync(d).some((f) => f.endsWith('.json'))) return { resultsDir: d, reportFile: join(d, REPORT_FILE) };
  throw new GeolensError('FILE_NOT_FOUND', `${dir} holds no results (no results/ folder, no .json files); run geolens analyze ${dir} first.`);
}

/** Read a results folder for the report: every .json (analysis.json as the manifest) and the pictures sections embed. */
export async function readReportInput(resultsDir: string): Promise<ReportInput> {
  const files: Record<string, unknown> = {};
  const unreadable: Record<string, string> = {};
  let manifest: unknown = null;
  for (const f of readdirSync(resultsDir).filter((x) => x.endsWith('.json')).sort()) {
    const name = f.slice(0, -'.json'.length);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(join(resultsDir, f), 'utf8'));
    } catch (e) {
      unreadable[name] = (e as Error).message;
      continue;
    }
    if (f === ANALYSIS_FILE) manifest = value;
    else files[name] = value;
  }
  const assets: Record<string, Uint8Array> = {};
  for (const s of SECTIONS.values()) {
    for (const a of s.assets ?? []) {
      const p = join(resultsDir, a);
      if (existsSync(p)) assets[a] = new Uint8Array(await readFile(p));
    }
  }
  return { source: resultsDir, manifest, files, assets, unreadable };
}

/**
 * Render `<dir>`'s report from its saved results (nothing is recomputed) and write it; returns its path and the
 * rendered sections (status and headline per probe).
 */
export async function writeReport(dir: string): Promise<{ file: string; sections: RenderedSection[] }> {
  const { resultsDir, reportFile } = reportPaths(dir);
  const { html, sections } = buildReport(await readReportInput(resultsDir));
  await writeFileAtomic(reportFile, html);
  return { file: reportFile, sections };
}

/**
 * Write an analysis into `dir`: each probe's results as results/<name>.json, its pictures, results/analysis.json,
 * then report.html rendered from what was written (so `geolens report` re-renders the same bytes). Result files a
 * probe of this analysis wrote before and did not write now are removed. Returns the report's path and the files.
 */
export async function writeAnalysis(dir: string, analysis: Analysis, registry: ReadonlyMap<string, AnalysisProbe> = ANALYSIS_PROBES): Promise<{ report: string; files: string[]; sections: RenderedSection[] }> {
  const resultsDir = join(resolve(dir), 'results');
  const written: string[] = [];
  for (const rec of analysis.manifest.probes) written.push(...(await writeProbeOutput(dir, rec.name, analysis.outputs[rec.name], registry)));
  written.push(...(await writeResult(resultsDir, ANALYSIS_FILE.replace(/\.json$/, ''), analysis.manifest)));
  const { file, sections } = await writeReport(dir);
  return { report: file, files: written, sections };
}

/**
 * Write one probe's output into `dir`/results (each file atomically), removing the files of that probe that `output`
 * lacks (all of them when it is undefined: the probe did not finish). Returns the paths written. Used by
 * writeAnalysis, and by `geolens analyze` as each probe finishes, so an interrupted analysis keeps finished probes.
 */
export async function writeProbeOutput(dir: string, name: string, output: ProbeOutput | undefined, registry: ReadonlyMap<string, AnalysisProbe> = ANALYSIS_PROBES): Promise<string[]> {
  const resultsDir = join(resolve(dir), 'results');
  const written: string[] = [];
  const entry = registry.get(name);
  for (const f of entry?.files ?? []) if (!output?.results[f]) await rm(join(resultsDir, `${f}.json`), { force: true });
  for (const a of entry?.assets ?? []) if (!output?.images?.[a]) await rm(join(resultsDir, a), { force: true });
  if (!output) return written;
  for (const [file, result] of Object.entries(output.results)) written.push(...(await writeResult(resultsDir, file, result)));
  for (const [file, img] of Object.entries(output.images ?? {})) {
    const p = join(resultsDir, file);
    mkdirSync(resultsDir, { recursive: true });
    await writeFileAtomic(p, imageGridPng(img.frames, img.imageShape, img.valueRange, img.scale));
    written.push(p);
  }
  return written;
}

/** Labels of runs for a comparison: the folder names, made unique. */
export function compareLabels(dirs: string[]): string[] {
  const base = dirs.map((d) => {
    const parts = resolve(d).split(/[\\/]/).filter(Boolean);
    const last = parts[parts.length - 1] ?? d;
    return last === 'results' && parts.length > 1 ? parts[parts.length - 2]! : last.replace(/\.(results|analysis)$/, '');
  });
  return base.map((b, i) => (base.indexOf(b) !== i || base.lastIndexOf(b) !== i ? `${b} (${i + 1})` : b));
}

/**
 * Render the comparison of the runs in `dirs` (each: see reportPaths) into the file `out`, with what `options` adds
 * (the topology distance between the runs); returns its path.
 */
export async function writeCompare(dirs: string[], out: string, labels: string[] = compareLabels(dirs), options: CompareOptions = {}): Promise<string> {
  const runs = [];
  for (const [i, d] of dirs.entries()) runs.push({ label: labels[i] ?? d, input: await readReportInput(reportPaths(d).resultsDir) });
  const file = resolve(out);
  mkdirSync(dirname(file), { recursive: true });
  await writeFileAtomic(file, renderCompare(runs, SECTIONS, options));
  return file;
}
