/**
 * The topology distance between compared runs or models (`geolens compare`): the probabilistic distance of Wu, Huang,
 * Li, Liu 2025 (METHODS.md §4) between their final classifiers on one labelled dataset — both readings with Hoeffding
 * intervals, equivalence classes, classical MDS — and the parameter distance where the architectures match. One
 * library call (`compareClassifiers`, on `runTopology`); inputs that cannot be compared (different input sizes or
 * classes, no model) give a reason, never a throw, so that the comparison page can say so.
 */
import type { Dataset } from '../data/types.js';
import type { Engine } from '../engine/engine.js';
import { GeolensError } from '../errors.js';
import type { ProbeProgress } from '../measure/progress.js';
import type { ProbeTarget } from '../measure/target.js';
import { runTopology, type TopologyRunOptions } from '../probes/topology/run.js';
import type { TopologyResult } from '../probes/topology/types.js';
import { numel } from '../tensor.js';

/** One compared network: its label (the run's name in the comparison) and its model. */
export interface ComparedNetwork {
  label: string;
  target: ProbeTarget;
}

/** The topology distance between the compared networks, or why there is none. */
export type TopologyComparison =
  | {
      status: 'ok';
      /** The labelled data the distances are measured on, in words (e.g. 'the held-out part of moons#n=500 (100 points)'). */
      data: string;
      /** What the reader should know about that choice (e.g. runs that split the data with other seeds), or null. */
      note: string | null;
      result: TopologyResult;
    }
  | { status: 'incompatible'; reason: string };

/** The labelled data of a comparison, chosen by the caller (see studies/compare.node.ts: comparisonData). */
export interface ComparisonData {
  data: Dataset;
  /** The data in words, shown above the table. */
  description: string;
  note: string | null;
  /** Written into the result. */
  spec: string | null;
  split: 'train' | 'test' | 'all' | null;
}

/** Why `nets` cannot be compared on `data` (different input sizes, classes, too few networks), or true. */
export function comparable(nets: readonly ComparedNetwork[], data: Dataset): true | string {
  if (nets.length < 2) return `a topology distance needs at least 2 networks (got ${nets.length}).`;
  const d = numel(data.sampleShape);
  const C = nets[0]!.target.model.numClasses;
  for (const n of nets) {
    const shape = n.target.model.input.shape.slice(1) as number[];
    if (numel(shape) !== d) return `${n.label} takes inputs of shape [${shape.join('×')}] (${numel(shape)} values) but the data have samples of shape [${data.sampleShape.join('×')}] (${d} values); the networks must read the same inputs.`;
    if (n.target.model.numClasses !== C) return `${n.label} has ${n.target.model.numClasses} classes but ${nets[0]!.label} has ${C}; the distance compares classifiers of the same classes.`;
  }
  if (C < 2) return `the networks have ${C} output(s); a classifier needs at least 2 classes.`;
  return true;
}

/**
 * The probabilistic distance between the final classifiers of the compared runs on `data` (`runTopology` with the
 * networks named by their labels), or the reason they cannot be compared. Errors: ENGINE, and BAD_ARGUMENT for
 * options out of range (as runTopology); a network that does not take the data or has other classes is a reason.
 */
export async function compareClassifiers(
  engine: Engine,
  nets: readonly ComparedNetwork[],
  data: ComparisonData,
  options: Omit<TopologyRunOptions, 'datasetSpec' | 'split'> = {},
  onProgress?: ProbeProgress,
): Promise<TopologyComparison> {
  const ok = comparable(nets, data.data);
  if (ok !== true) return { status: 'incompatible', reason: ok };
  try {
    const result = await runTopology(
      engine,
      nets.map((n) => ({ name: n.label, model: n.target.model, source: n.target.path })),
      data.data,
      { ...options, datasetSpec: data.spec, split: data.split },
      onProgress,
    );
    return { status: 'ok', data: data.description, note: data.note, result };
  } catch (e) {
    if (e instanceof GeolensError && (e.code === 'BAD_SHAPE' || e.code === 'BAD_MODEL')) return { status: 'incompatible', reason: e.message };
    throw e;
  }
}
