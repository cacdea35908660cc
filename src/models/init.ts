/** Seeded parameter initialisation: He-normal for layers followed by ReLU, Glorot-uniform for the classifier. */
import type { Tensor } from '../tensor.js';
import { Rng } from '../util/random.js';
import type { BufferSpec, ModelDef, ParamSpec } from './types.js';
import { numel } from '../tensor.js';

export type Weights = Record<string, Tensor<Float32Array>>;

function initOne(spec: ParamSpec | BufferSpec, rng: Rng): Tensor<Float32Array> {
  const data = new Float32Array(numel(spec.shape));
  switch (spec.init) {
    case 'he-normal':
      rng.fillNormal(data, Math.sqrt(2 / (spec as ParamSpec).fanIn));
      break;
    case 'glorot-uniform': {
      const a = Math.sqrt(6 / ((spec as ParamSpec).fanIn + (spec as ParamSpec).fanOut));
      rng.fillUniform(data, -a, a);
      break;
    }
    case 'ones':
      data.fill(1);
      break;
    case 'zeros':
      break;
  }
  return { data, shape: [...spec.shape] };
}

/** Initial parameters and buffers; the same seed gives the same bytes. Parameters are drawn in declaration order. */
export function initWeights(def: ModelDef, seed: number): { params: Weights; buffers: Weights } {
  const rng = new Rng(seed);
  const params: Weights = {};
  for (const p of def.params) params[p.name] = initOne(p, rng);
  const buffers: Weights = {};
  for (const bspec of def.buffers) buffers[bspec.name] = initOne(bspec, rng);
  return { params, buffers };
}
