/**
 * The HTML report of a results folder (browser-safe): every registered section whose results are there, validated
 * with their schemas, in registry order; the probes an analysis skipped or that failed, with the reason; a header from
 * analysis.json (model, data, accuracy, what produced it and when). The same inputs give the same bytes: nothing here
 * reads a clock or a random source.
 */
import { parseResult } from '../probes/result.js';
import { ANALYSIS_RESULT } from '../studies/schema.js';
import type { TopologyComparison } from '../studies/compare.js';
import type { AnalysisResult } from '../studies/types.js';
import { facts, page } from './html.js';
import { count, esc, percent } from './markup.js';
import { SECTIONS } from './sections/index.js';
import { topologyComparisonBody } from './sections/topology.js';
import type { CompareRun, FileSpecs, ReportSection, SectionContext } from './sections/types.js';

/** What a report is rendered from: the raw (not yet validated) JSON of a results folder and its pictures. */
export interface ReportInput {
  /** The results folder, as named in messages. */
  source: string;
  /** analysis.json, or null when the folder holds results of single probes only. */
  manifest: unknown | null;
  /** Result JSON by file base name ('separation' for separation.json). */
  files: Readonly<Record<string, unknown>>;
  /** Other files by name (pictures sections embed). */
  assets: Readonly<Record<string, Uint8Array>>;
  /** Files that are not JSON, by base name, with the parser's message. */
  unreadable?: Readonly<Record<string, string>>;
}

/** One section as rendered. */
export interface RenderedSection {
  probe: string;
  title: string;
  /** ok: rendered; skipped / failed: as the analysis recorded; error: results unreadable; found: results not from this analysis. */
  status: 'ok' | 'skipped' | 'failed' | 'interrupted' | 'error' | 'found';
  headline: string | null;
  /** Markup. */
  body: string;
}

/** Validated results of one section, or why they are missing or unreadable. */
type Loaded = { kind: 'ok'; results: Record<string, unknown> } | { kind: 'missing' } | { kind: 'error'; message: string };

/** Parse the section's files from the input: every required file must be there; optional ones may be missing. */
export function loadSectionResults(section: ReportSection<FileSpecs>, input: ReportInput): Loaded {
  const results: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(section.files)) {
    const bad = input.unreadable?.[spec.file];
    if (bad !== undefined) return { kind: 'error', message: `${input.source}/${spec.file}.json: not JSON (${bad}).` };
    const raw = input.files[spec.file];
    if (raw === undefined) {
      if (!spec.optional) return { kind: 'missing' };
      continue;
    }
    try {
      results[key] = parseResult(spec.kind, raw, `${input.source}/${spec.file}.json`);
    } catch (e) {
      return { kind: 'error', message: (e as Error).message };
    }
  }
  return { kind: 'ok', results };
}

function sectionAssets(section: ReportSection<FileSpecs>, input: ReportInput): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const a of section.assets ?? []) if (input.assets[a]) out[a] = input.assets[a]!;
  return out;
}

/** The manifest, validated; a broken one is reported as a problem and the report goes on without it. */
export function readManifest(input: ReportInput, problems: string[]): AnalysisResult | null {
  if (input.manifest === null || input.manifest === undefined) return null;
  try {
    return parseResult(ANALYSIS_RESULT, input.manifest, `${input.source}/analysis.json`);
  } catch (e) {
    problems.push((e as Error).message);
    return null;
  }
}

const reasonBox = (text: string, bad = false): string => `<p class="reason${bad ? ' bad' : ''}">${esc(text)}</p>`;

const statusWord = (s: string): string => (s === 'skipped' ? 'Skipped' : s === 'interrupted' ? 'Interrupted' : 'Failed');

/** Render every section that has something to show, in registry order, then probes the registry has no section for. */
export function renderSections(input: ReportInput, manifest: AnalysisResult | null, sections: ReadonlyMap<string, ReportSection<FileSpecs>> = SECTIONS): RenderedSection[] {
  const out: RenderedSection[] = [];
  const recorded = new Map((manifest?.probes ?? []).map((p) => [p.name, p]));
  for (const section of sections.values()) {
    const rec = recorded.get(section.probe);
    const base = { probe: section.probe, title: rec?.title ?? section.title };
    if (rec && rec.status !== 'ok') {
      out.push({ ...base, status: rec.status, headline: null, body: reasonBox(`${statusWord(rec.status)}: ${rec.reason ?? 'no reason recorded'}`, rec.status === 'failed') });
      continue;
    }
    const loaded = loadSectionResults(section, input);
    if (loaded.kind === 'missing') {
      if (rec) out.push({ ...base, status: 'error', headline: null, body: reasonBox(`The analysis ran this probe, but its results are not in ${input.source}: run geolens analyze again.`, true) });
      continue;
    }
    if (loaded.kind === 'error') {
      out.push({ ...base, status: 'error', headline: null, body: reasonBox(loaded.message, true) });
      continue;
    }
    const ctx: SectionContext = { manifest, assets: sectionAssets(section, input), idPrefix: section.probe };
    try {
      const ok = section.applies ? section.applies(loaded.results) : true;
      if (ok !== true) {
        out.push({ ...base, status: 'skipped', headline: null, body: reasonBox(ok) });
        continue;
      }
      const view = section.render(loaded.results, ctx);
      const found = manifest !== null && !rec;
      out.push({ ...base, status: found ? 'found' : 'ok', headline: view.headline, body: (found ? reasonBox('These results were found in the folder; they are not part of this analysis (written earlier, e.g. by geolens probe).') : '') + view.body });
    } catch (e) {
      out.push({ ...base, status: 'error', headline: null, body: reasonBox(`The section could not be drawn: ${(e as Error).message}`, true) });
    }
  }
  for (const rec of manifest?.probes ?? []) {
    if (sections.has(rec.name)) continue;
    const body = rec.status === 'ok' ? reasonBox(`No report section for this probe yet; its results: ${rec.files.join(', ')}.`) : reasonBox(`${statusWord(rec.status)}: ${rec.reason ?? ''}`, rec.status === 'failed');
    out.push({ probe: rec.name, title: rec.title, status: rec.status === 'ok' ? 'found' : rec.status, headline: null, body });
  }
  return out;
}

/** Where the results came from when there is no manifest: the first `source` a result names. */
function sourceOf(files: Readonly<Record<string, unknown>>): string | null {
  for (const v of Object.values(files)) {
    const s = (v as { source?: unknown }).source;
    if (typeof s === 'string') return s;
    if (s && typeof (s as { path?: unknown }).path === 'string') return (s as { path: string }).path;
  }
  return null;
}

const basename = (p: string): string => p.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? p;

/** The header's facts of a manifest. */
export function manifestFacts(m: AnalysisResult): [string, string][] {
  const rows: [string, string][] = [];
  rows.push(['model', `${esc(m.model.description)} · ${count(m.model.parameters)} parameters`]);
  rows.push(['source', `<code>${esc(m.model.source)}</code> (${m.model.kind === 'run' ? 'geolens run directory' : 'ONNX file'})`]);
  const d = m.data;
  rows.push(['data', `${esc(d.spec ?? d.name)} · ${d.numClasses} classes · samples [${d.sampleShape.join('×')}] · ${d.parts === 'run-split' ? `${count(d.train)} training / ${count(d.test)} held-out` : `${count(d.test)} samples`}`]);
  if (m.model.numClasses === 0 && m.accuracy.test === null) rows.push(['accuracy', '— (an autoencoder: no classes)']);
  else rows.push(['accuracy', m.accuracy.train !== null ? `${percent(m.accuracy.train)} training · ${percent(m.accuracy.test)} held-out` : `${percent(m.accuracy.test)} on the data`]);
  if (m.training) rows.push(['training', `${m.training.epochs} epochs of ${esc(m.training.optimizer)}, lr ${m.training.lr}, batch ${m.training.batchSize}, seed ${m.training.seed} · ${m.training.checkpoints} checkpoints`]);
  rows.push(['produced', `${esc(m.createdAt)} by geolens ${esc(m.geolensVersion)}${m.command ? ` · <code>${esc(m.command)}</code>` : ''}`]);
  return rows;
}

/** The report as one HTML page. */
export function renderReport(input: ReportInput, sections: ReadonlyMap<string, ReportSection<FileSpecs>> = SECTIONS): string {
  return buildReport(input, sections).html;
}

/** The report page and its sections (their headlines, e.g. for the command line). */
export function buildReport(input: ReportInput, sections: ReadonlyMap<string, ReportSection<FileSpecs>> = SECTIONS): { html: string; sections: RenderedSection[] } {
  const problems: string[] = [];
  const manifest = readManifest(input, problems);
  const rendered = renderSections(input, manifest, sections);
  const src = manifest?.model.source ?? sourceOf(input.files) ?? input.source;
  const title = `geolens report — ${basename(src)}`;
  const headerFacts = manifest ? manifestFacts(manifest) : ([['results', `<code>${esc(input.source)}</code>`], ['source', `<code>${esc(src)}</code>`]] as [string, string][]);
  const glance = rendered.map((s) => `<li><a href="#${esc(s.probe)}">${esc(s.title)}</a>: ${s.headline ? esc(s.headline) : `<span class="status ${s.status}">${s.status}</span>`}</li>`).join('');
  const header = [
    '<header class="report">',
    `<h1>${esc(title)}</h1>`,
    `<p class="sub">${manifest?.model.numClasses === 0 ? 'The geometry of an autoencoder: how its latent space is transported' : 'The geometry of a classifier: how it separates, folds and reads its data'}${manifest ? '' : ' (results of single probes; no analysis.json)'}.</p>`,
    facts(headerFacts),
    ...problems.map((p) => reasonBox(p, true)),
    rendered.length ? `<div class="glance"><h2>At a glance</h2><ul>${glance}</ul></div>` : reasonBox(`No probe results in ${input.source}: run geolens analyze.`, true),
    '</header>',
  ].join('\n');
  const body = rendered
    .map((s) => [`<section class="probe" id="${esc(s.probe)}">`, `<h2>${esc(s.title)}${s.status !== 'ok' ? ` <span class="status ${s.status}">${s.status}</span>` : ''}</h2>`, s.headline ? `<p class="headline">${esc(s.headline)}</p>` : '', s.body, '</section>'].join('\n'))
    .join('\n');
  const footer = `Self-contained: plots are inline SVG drawn with Observable Plot; re-render with <code>geolens report ${esc(input.source)}</code>.`;
  return { html: page(title, header, body, footer), sections: rendered };
}

/** One run of a comparison: its label and its results. */
export interface CompareInput {
  label: string;
  input: ReportInput;
}

/** What a comparison shows besides the saved results: the topology distance between the runs (computed by the caller). */
export interface CompareOptions {
  topology?: TopologyComparison;
}

/** The section of the topology distance between the compared runs, or its reason when they cannot be compared. */
function topologyBetweenRuns(c: TopologyComparison): string {
  const inner = c.status === 'ok' ? topologyComparisonBody(c, 'cmp-distance') : { headline: null, body: reasonBox(`No topology distance between these runs: ${c.reason}`) };
  return [
    '<section class="probe" id="topology-distance">',
    '<h2>Topology distance between the runs</h2>',
    inner.headline ? `<p class="headline">${esc(inner.headline)}</p>` : '',
    inner.body,
    '</section>',
  ].join('\n');
}

/**
 * Several runs side by side: a table of the runs, then each section's `compare` over the runs that have its results,
 * and (given `options.topology`) the topology distance between the runs where the topology section stands.
 */
export function renderCompare(runs: CompareInput[], sections: ReadonlyMap<string, ReportSection<FileSpecs>> = SECTIONS, options: CompareOptions = {}): string {
  const problems: string[] = [];
  const manifests = runs.map((r) => readManifest(r.input, problems));
  const rows = runs.map((r, i) => {
    const m = manifests[i];
    return `<tr><td>${esc(r.label)}</td><td>${m ? esc(m.model.description) : `<code>${esc(sourceOf(r.input.files) ?? r.input.source)}</code>`}</td><td>${m ? esc(m.data.spec ?? m.data.name) : '—'}</td><td class="num">${m ? percent(m.accuracy.test) : '—'}</td><td><code>${esc(r.input.source)}</code></td></tr>`;
  });
  const parts: string[] = [];
  let distancePlaced = options.topology === undefined;
  for (const section of sections.values()) {
    if (section.probe === 'topology' && !distancePlaced) {
      parts.push(topologyBetweenRuns(options.topology!));
      distancePlaced = true;
    }
    if (!section.compare) continue;
    const have: CompareRun<Record<string, unknown>>[] = [];
    const missing: string[] = [];
    runs.forEach((r, i) => {
      const loaded = loadSectionResults(section, r.input);
      if (loaded.kind === 'ok') have.push({ label: r.label, results: loaded.results, manifest: manifests[i] ?? null });
      else missing.push(`${r.label}${loaded.kind === 'error' ? ` (${loaded.message})` : ''}`);
    });
    if (!have.length) continue;
    let html: string | null;
    try {
      html = section.compare(have, { manifest: null, assets: {}, idPrefix: `cmp-${section.probe}` });
    } catch (e) {
      html = reasonBox(`The comparison could not be drawn: ${(e as Error).message}`, true);
    }
    if (html === null) continue;
    parts.push([`<section class="probe" id="${esc(section.probe)}">`, `<h2>${esc(section.title)}</h2>`, missing.length ? reasonBox(`No ${section.probe} results for: ${missing.join(', ')}.`) : '', html, '</section>'].join('\n'));
  }
  if (!distancePlaced) parts.push(topologyBetweenRuns(options.topology!));
  const title = `geolens comparison — ${runs.map((r) => r.label).join(' · ')}`;
  const header = [
    '<header class="report">',
    `<h1>${esc(title)}</h1>`,
    `<p class="sub">${runs.length} runs or models side by side.</p>`,
    `<div class="table"><table><thead><tr><th>run</th><th>model</th><th>data</th><th class="num">held-out accuracy</th><th>results</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
    ...problems.map((p) => reasonBox(p, true)),
    parts.length ? '' : reasonBox('None of the runs has results a section can compare: run geolens analyze on each.', true),
    '</header>',
  ].join('\n');
  return page(title, header, parts.join('\n'), `Re-render with <code>geolens compare ${runs.map((r) => esc(r.input.source)).join(' ')}</code>.`);
}
