/** The Node.js engine adapter: onnxruntime-node with all cores by default. */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { Engine, type EngineOptions } from './engine.js';

let shared: Engine | undefined;

/** An engine over onnxruntime-node: provider `cpu` and all cores (`os.availableParallelism()`) unless `opts` say otherwise. */
export function createNodeEngine(opts: EngineOptions = {}): Engine {
  return new Engine(ort, { ...opts, defaultThreads: availableParallelism() });
}

/** A process-wide default engine (all cores, CPU). */
export function defaultEngine(): Engine {
  return (shared ??= createNodeEngine());
}
