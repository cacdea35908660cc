/**
 * Running a model's forward graph for probes: the data as the model's input, and the activations of chosen layers.
 */
import type { Dataset } from '../data/types.js';
import type { Engine } from '../engine/engine.js';
import type { ImportedModel, Layer } from '../onnx/import.js';
import { DataType } from '../onnx/proto.js';
import type { FloatArray, Tensor } from '../tensor.js';
import { nonFiniteRows, throwModelNonFinite } from './nonfinite.js';

/** The samples of `ds` as the model's input: [n, ...model sample shape] in the model's float type (float32/64). */
export function modelInput(model: ImportedModel, ds: Dataset): Tensor {
  const sample = model.input.shape.slice(1) as number[];
  const n = ds.y.length;
  const data: FloatArray = model.input.elemType === DataType.DOUBLE ? Float64Array.from(ds.x.data) : ds.x.data;
  return { data, shape: [n, ...sample] };
}

/**
 * Activations of the chosen layers for inputs x ([n, ...sample], the model's float type), computed in batches of
 * `batchSize` samples (default 500) with one forward session. Each layer's activations are flattened per sample to
 * [n, p]. Errors: ENGINE when onnxruntime fails; BAD_MODEL when the model produces NaN or Infinity, naming the node
 * where it first appears and the samples (`index` maps rows of x to the caller's sample indices).
 */
export async function layerFeatures(
  engine: Engine,
  model: ImportedModel,
  layers: Layer[],
  x: Tensor,
  opts: { batchSize?: number; onProgress?: (done: number, total: number) => void; index?: readonly number[] } = {},
): Promise<{ name: string; features: Tensor }[]> {
  const g = model.graph.clone();
  for (const l of layers) if (!g.outputs.some((o) => o.name === l.tensor)) g.output(l.tensor);
  const sess = await engine.load(g);
  const n = x.shape[0]!;
  const input = { data: x.data, shape: [n, ...(model.input.shape.slice(1) as number[])] };
  const out = await sess.runBatched({ [model.input.name]: input }, [model.input.name], opts.batchSize ?? 500, layers.map((l) => l.tensor), opts.onProgress);
  for (const l of layers) {
    const bad = nonFiniteRows(out[l.tensor]!.data as FloatArray, n);
    if (bad.length) await throwModelNonFinite(engine, model, input, bad, `the activations of layer '${l.name}'`, opts.index);
  }
  return layers.map((l) => {
    const t = out[l.tensor]!;
    return { name: l.name, features: { data: t.data as Float32Array, shape: [n, t.data.length / n] } };
  });
}
