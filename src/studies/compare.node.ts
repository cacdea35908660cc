/**
 * Node adapter of a comparison's topology distance: the model behind each compared folder (a run directory, or the
 * model an analysis folder's analysis.json names) and the labelled data they are compared on (--dataset, or the
 * dataset the runs share), then `compareClassifiers`. Whatever cannot be compared is a reason, never a throw.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Engine } from '../engine/engine.js';
import { GeolensError } from '../errors.js';
import { openTarget, probeData } from '../measure/node.js';
import type { ProbeProgress } from '../measure/progress.js';
import type { ProbeTarget } from '../measure/target.js';
import { readResult } from '../probes/node.js';
import type { TopologyRunOptions } from '../probes/topology/run.js';
import { compareClassifiers, type ComparedNetwork, type ComparisonData, type TopologyComparison } from './compare.js';
import { ANALYSIS_RESULT } from './schema.js';
import type { AnalysisResult } from './types.js';

/** A compared folder with its model, or the reason it has none. */
export type OpenedComparison = { label: string; target: ProbeTarget; manifest: AnalysisResult | null } | { label: string; reason: string };

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

async function manifestOf(dir: string): Promise<AnalysisResult | null> {
  for (const f of [join(dir, 'results', 'analysis.json'), join(dir, 'analysis.json')]) if (existsSync(f)) return readResult(ANALYSIS_RESULT, f);
  return null;
}

/**
 * The model of a compared folder: the run itself for a run directory (or its results/ folder), else the model its
 * analysis.json names (a run directory or an .onnx file). A folder of `geolens probe` results has no model: a reason.
 */
export async function openCompared(label: string, dir: string): Promise<OpenedComparison> {
  const d = resolve(dir);
  try {
    const runDir = isDir(d) && existsSync(join(d, 'config.json')) ? d : basename(d) === 'results' && existsSync(join(dirname(d), 'config.json')) ? dirname(d) : null;
    const manifest = await manifestOf(runDir ?? d);
    if (runDir) return { label, target: await openTarget(runDir), manifest };
    const source = manifest?.model.source;
    if (!source) return { label, reason: `${label} (${dir}) names no model: it is neither a run directory nor a folder written by geolens analyze (no analysis.json).` };
    if (!existsSync(source)) return { label, reason: `the model of ${label}, ${source}, no longer exists.` };
    return { label, target: await openTarget(source), manifest };
  } catch (e) {
    return { label, reason: `${label}: ${e instanceof GeolensError ? e.message : (e as Error).message}` };
  }
}

/** What a network was measured on: a run's dataset spec, else the spec its analysis recorded. */
function specOf(o: { target: ProbeTarget; manifest: AnalysisResult | null }): string | null {
  return o.target.run?.config.dataset.spec ?? o.manifest?.data.spec ?? null;
}

/**
 * The labelled data a comparison measures: `dataset` when given (every sample of it); else the held-out part of the
 * first run when every network is a run of the same dataset spec (with a note when the runs generated or split it
 * with other seeds); else the dataset spec every analysis recorded. A reason when the runs were measured on
 * different data or on none recorded.
 */
export async function comparisonData(nets: readonly { label: string; target: ProbeTarget; manifest: AnalysisResult | null }[], dataset?: string, seed = 0): Promise<ComparisonData | string> {
  const first = nets[0]!;
  try {
    if (dataset !== undefined) {
      const ds = await probeData(first.target, { dataset, seed });
      return { data: ds, description: `${dataset} (${ds.y.length} labelled points, from --dataset)`, note: null, spec: dataset, split: null };
    }
    const specs = nets.map(specOf);
    const missing = nets.filter((_, i) => specs[i] === null).map((n) => n.label);
    if (missing.length) return `no dataset is recorded for ${missing.join(', ')} (an .onnx file analysed without --dataset?): give --dataset <spec> to compare on one labelled dataset.`;
    if (new Set(specs).size > 1) return `the runs were measured on different data (${nets.map((n, i) => `${n.label}: ${specs[i]}`).join('; ')}): give --dataset <spec> to compare them on one labelled dataset.`;
    const spec = specs[0]!;
    if (nets.every((n) => n.target.run)) {
      const key = (t: ProbeTarget): string => JSON.stringify([t.run!.config.train.seed, t.run!.config.dataset.splitSeed, t.run!.config.dataset.testFraction ?? 0.2, t.run!.config.dataset.limit ?? null]);
      const same = nets.every((n) => key(n.target) === key(first.target));
      const held = await probeData(first.target, { split: 'test' }).catch(() => null);
      const part = held ? 'held-out part' : 'training part (it kept no held-out part)';
      const ds = held ?? (await probeData(first.target, { split: 'train' }));
      const note = same ? null : `the runs generated or split ${spec} with different seeds: these points are ${first.label}'s held-out data, and another run may have trained on some of them.`;
      return { data: ds, description: `the ${part} of ${spec}${same ? ', shared by the runs' : ` of ${first.label}`} (${ds.y.length} labelled points)`, note, spec, split: held ? 'test' : 'train' };
    }
    const ds = await probeData(first.target, { dataset: spec, seed });
    return { data: ds, description: `${spec}, the dataset the analyses recorded (${ds.y.length} labelled points)`, note: null, spec, split: null };
  } catch (e) {
    return `the data could not be loaded for ${first.label}: ${(e as Error).message}`;
  }
}

/**
 * The topology distance between the models of `dirs` (labelled `labels`): open each, choose the data
 * (`comparisonData`), then `compareClassifiers`. Returns the result or the reason there is none.
 */
export async function compareFolders(
  engine: Engine,
  dirs: readonly string[],
  labels: readonly string[],
  options: { dataset?: string; seed?: number } & Omit<TopologyRunOptions, 'datasetSpec' | 'split' | 'seed'> = {},
  onProgress?: ProbeProgress,
): Promise<TopologyComparison> {
  const opened = await Promise.all(dirs.map((d, i) => openCompared(labels[i] ?? d, d)));
  const bad = opened.filter((o): o is { label: string; reason: string } => 'reason' in o);
  if (bad.length) return { status: 'incompatible', reason: bad.map((b) => b.reason).join(' ') };
  const nets = opened as { label: string; target: ProbeTarget; manifest: AnalysisResult | null }[];
  const { dataset, seed, ...topo } = options;
  const data = await comparisonData(nets, dataset, seed ?? 0);
  if (typeof data === 'string') return { status: 'incompatible', reason: data };
  const compared: ComparedNetwork[] = nets.map((n) => ({ label: n.label, target: n.target }));
  return compareClassifiers(engine, compared, data, { ...topo, ...(seed !== undefined ? { seed } : {}) }, onProgress);
}
