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
import { parameterDistanceMatrix } from '../probes/topology/compute.js';
import { parameterVectors, runTopology, type TopologyModel, type TopologyRunOptions } from '../probes/topology/run.js';
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
      /**
       * ‖w − w′‖₂ of every pair whose architectures match (null where they differ; 0 on the diagonal): the result's
       * matrix when every architecture matches, else pair by pair.
       */
      parameterDistance: (number | null)[][];
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
 * ‖w − w′‖₂ of each pair of networks whose parameters match in names and shapes (`parameterVectors` of the topology
 * probe), null for the other pairs: runs of different architectures still get the distance of the pairs that match.
 */
export function pairParameterDistances(models: readonly TopologyModel[], result: TopologyResult): (number | null)[][] {
  if (result.parameterDistance.distance) return result.parameterDistance.distance.map((row) => [...row]);
  const n = models.length;
  const P: (number | null)[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : null)));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = parameterVectors([models[i]!, models[j]!]);
      if (v.vectors) P[i]![j] = P[j]![i] = parameterDistanceMatrix(v.vectors)[1]!;
    }
  }
  return P;
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
  const models: TopologyModel[] = nets.map((n) => ({ name: n.label, model: n.target.model, source: n.target.path }));
  try {
    const result = await runTopology(
      engine,
      models,
      data.data,
      { ...options, datasetSpec: data.spec, split: data.split },
      onProgress,
    );
    return { status: 'ok', data: data.description, note: data.note, result, parameterDistance: pairParameterDistances(models, result) };
  } catch (e) {
    if (e instanceof GeolensError && (e.code === 'BAD_SHAPE' || e.code === 'BAD_MODEL')) return { status: 'incompatible', reason: e.message };
    throw e;
  }
}
