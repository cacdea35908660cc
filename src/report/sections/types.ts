/**
 * A report section: one module per probe (src/report/sections/<probe>.ts), registered in ./index.ts. It names the
 * result files it reads (each validated with its probe's schema before `render` sees it) and the pictures it embeds,
 * and turns them into HTML: a headline in plain words and the body with its plots. `compare` puts several runs side
 * by side for `geolens compare`.
 */
import type { ResultKind } from '../../probes/result.js';
import type { AnalysisResult } from '../../studies/types.js';

/** A result file a section reads: `results/<file>.json`, validated as `kind`. */
export interface ResultFile<T, Optional extends boolean = boolean> {
  file: string;
  kind: ResultKind<T>;
  optional: Optional;
}

/** A file the section needs: the section is shown only when every required file exists. */
export function requiredResult<T>(file: string, kind: ResultKind<T>): ResultFile<T, false> {
  return { file, kind, optional: false };
}

/** A file the section uses when it exists. */
export function optionalResult<T>(file: string, kind: ResultKind<T>): ResultFile<T, true> {
  return { file, kind, optional: true };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FileSpecs = Record<string, ResultFile<any, boolean>>;

/** The validated results a section receives: required files as values, optional ones possibly undefined. */
export type ResultsOf<F extends FileSpecs> = { [K in keyof F]: F[K] extends ResultFile<infer T, infer O> ? (O extends true ? T | undefined : T) : never };

/** What a section is rendered with besides its results. */
export interface SectionContext {
  /** The analysis manifest, when the results came from `geolens analyze`. */
  manifest: AnalysisResult | null;
  /** The pictures the section declared in `assets` that exist, by file name. */
  assets: Readonly<Record<string, Uint8Array>>;
  /** Prefix for ids inside the section's charts (unique on the page). */
  idPrefix: string;
}

/** A rendered section: its headline numbers in plain words (one or two sentences, plain text) and its HTML body. */
export interface SectionView {
  headline: string;
  body: string;
}

/** One run of `geolens compare`: its label, its validated results and its manifest. */
export interface CompareRun<R> {
  label: string;
  results: R;
  manifest: AnalysisResult | null;
}

export interface ReportSection<F extends FileSpecs = FileSpecs> {
  /** The probe's name, as in the analysis registry (src/studies/probes/) and `--probes`. */
  probe: string;
  title: string;
  files: F;
  /** Pictures next to the results that the section embeds (e.g. 'dim-walks.png'). */
  assets?: readonly string[];
  /** Whether the results hold something to show: true, or the reason shown instead of the body. */
  applies?(results: ResultsOf<F>): true | string;
  render(results: ResultsOf<F>, context: SectionContext): SectionView;
  /** Several runs side by side (HTML), or null when there is nothing to compare. */
  compare?(runs: CompareRun<ResultsOf<F>>[], context: SectionContext): string | null;
}

/** Declare a section (typing its results from its files). */
export function defineSection<F extends FileSpecs>(section: ReportSection<F>): ReportSection<F> {
  return section;
}
