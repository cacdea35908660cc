/** The Jacobian-graph evaluator that foliation walks call at every step, batched across concurrent walks. */
import type { CompiledGraph } from '../../engine/engine.js';
import { GeolensError } from '../../errors.js';
import type { ImportedModel } from '../../onnx/import.js';
import { DataType } from '../../onnx/proto.js';
import { numel, type FloatArray } from '../../tensor.js';
import type { WalkEvaluation } from './types.js';

/**
 * `evaluate(x)` for foliation walks that coalesces the requests of concurrently running walks into one batched run
 * of the Jacobian graph (requests queued until the event loop is idle, then run in chunks of `maxBatch`).
 */
export function batchedEvaluator(session: CompiledGraph, model: ImportedModel, maxBatch: number): { evaluate: (x: Float64Array) => Promise<WalkEvaluation>; runs: () => number } {
  const sample = model.input.shape.slice(1) as number[];
  const d = numel(sample);
  const C = model.numClasses;
  const f64 = model.input.elemType === DataType.DOUBLE;
  let queue: { x: Float64Array; resolve: (e: WalkEvaluation) => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;
  let runs = 0;
  const flush = async (): Promise<void> => {
    const items = queue;
    queue = [];
    const results: WalkEvaluation[] = [];
    try {
      for (let s = 0; s < items.length; s += maxBatch) {
        const chunk = items.slice(s, s + maxBatch);
        const b = chunk.length;
        const data = f64 ? new Float64Array(b * d) : new Float32Array(b * d);
        chunk.forEach((it, i) => data.set(it.x, i * d));
        const r = await session.run({ [model.input.name]: { data, shape: [b, ...sample] } }, ['probs', 'jacobian']);
        runs++;
        const P = r.probs!.data as FloatArray;
        const J = r.jacobian!.data as FloatArray;
        for (let i = 0; i < b; i++) results.push({ J: J.subarray(i * C * d, (i + 1) * C * d), p: P.subarray(i * C, (i + 1) * C) });
      }
    } catch (e) {
      for (const it of items) it.reject(e);
      return;
    } finally {
      scheduled = false;
      if (queue.length) schedule();
    }
    items.forEach((it, i) => it.resolve(results[i]!));
  };
  const schedule = (): void => {
    scheduled = true;
    setImmediate(() => void flush());
  };
  return {
    evaluate: (x) =>
      new Promise<WalkEvaluation>((resolve, reject) => {
        if (x.length !== d) return reject(new GeolensError('BAD_SHAPE', `walk point has ${x.length} values; the model takes ${d}`));
        queue.push({ x, resolve, reject });
        if (!scheduled) schedule();
      }),
    runs: () => runs,
  };
}
