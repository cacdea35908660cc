/** Model registry: a JSON config in, a ModelDef out. */
import { GeolensError } from '../errors.js';
import { autoencoder } from './autoencoder.js';
import { cnn } from './cnn.js';
import { mlp } from './mlp.js';
import type { ModelConfig, ModelDef } from './types.js';

export * from './types.js';
export { initWeights, type Weights } from './init.js';
export { exportModel, type ExportOptions } from './export.js';
export { autoencoder, autoencoderGraphs, isAutoencoder, meanSquaredError, upsample2, AUTOENCODER_IO, type AutoencoderDef } from './autoencoder.js';

export function buildModel(config: ModelConfig): ModelDef {
  switch (config.kind) {
    case 'mlp':
      return mlp(config);
    case 'cnn':
      return cnn(config);
    case 'autoencoder':
      return autoencoder(config);
    default:
      throw new GeolensError('BAD_ARGUMENT', `unknown model kind '${(config as { kind: string }).kind}'; choose mlp, cnn or autoencoder.`);
  }
}
