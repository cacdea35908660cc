/** The inference graph of a model with its weights as initializers: what `model.onnx` holds. */
import { GraphBuilder } from '../onnx/builder.js';
import type { Weights } from './init.js';
import { modelOutputShape, type ModelDef } from './types.js';

export interface ExportOptions {
  /** Also expose every probe-able layer as a named graph output (default false: only `logits`). */
  layerOutputs?: boolean;
  /** Input tensor name (default 'input'). */
  inputName?: string;
}

/**
 * Eval-mode forward graph with weights as initializers. The node producing each probe-able layer is named after
 * it (`block1`, …, `logits`), so importers, `inspect` and the probes report readable layer names. A classifier's
 * output is `logits` [N, numClasses]; an autoencoder's is `reconstruction` [N, ...inputShape].
 */
export function exportModel(def: ModelDef, params: Weights, buffers: Weights, opts: ExportOptions = {}): GraphBuilder {
  const b = new GraphBuilder('geolens_' + def.config.kind);
  const x = b.input(opts.inputName ?? 'input', ['N', ...def.config.inputShape]);
  for (const p of def.params) b.init(p.name, params[p.name]!);
  for (const s of def.buffers) b.init(s.name, buffers[s.name]!);
  const fwd = def.forward(b, x, (n) => n, 'eval');
  for (const l of fwd.layers) {
    const producer = b.nodes.find((n) => n.outputs.includes(l.tensor));
    if (producer) producer.name = l.name;
    if (opts.layerOutputs && l.name !== 'logits' && l.name !== 'reconstruction') b.output(l.tensor);
  }
  b.namedOutput(def.loss === 'mean-squared-error' ? 'reconstruction' : 'logits', fwd.logits, ['N', ...modelOutputShape(def.config)]);
  return b;
}
