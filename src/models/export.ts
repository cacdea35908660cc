/** The inference graph of a model with its weights as initializers: what `model.onnx` holds. */
import { GraphBuilder } from '../onnx/builder.js';
import type { Weights } from './init.js';
import type { ModelDef } from './types.js';

export interface ExportOptions {
  /** Also expose every probe-able layer as a named graph output (default false: only `logits`). */
  layerOutputs?: boolean;
  /** Input tensor name (default 'input'). */
  inputName?: string;
}

/**
 * Eval-mode forward graph with weights as initializers. Probe-able layers are materialised under their names
 * (`input`-flattened as `layer_input`, `layer_block1`, …) so importers and `inspect` find them.
 */
export function exportModel(def: ModelDef, params: Weights, buffers: Weights, opts: ExportOptions = {}): GraphBuilder {
  const b = new GraphBuilder('geolens_' + def.config.kind);
  const x = b.input(opts.inputName ?? 'input', ['N', ...def.config.inputShape]);
  for (const p of def.params) b.init(p.name, params[p.name]!);
  for (const s of def.buffers) b.init(s.name, buffers[s.name]!);
  const fwd = def.forward(b, x, (n) => n, 'eval');
  for (const l of fwd.layers) {
    if (l.name === 'logits') continue;
    const name = `layer_${l.name}`;
    b.node('Identity', [l.tensor], {}, [name]);
    if (opts.layerOutputs) b.output(name);
  }
  b.namedOutput('logits', fwd.logits, ['N', def.config.numClasses]);
  return b;
}
