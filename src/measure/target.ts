/**
 * What a probe runs on: a geolens run directory (any of its checkpoints) or an .onnx classifier. Both become an
 * ImportedModel (one input, logits, probe-able layers), so probes see one kind of model. Opening one from files is
 * the Node adapter's job (`./node.ts`); this module holds the browser-safe parts.
 */
import { RULES as GRADIENT_RULES } from '../autodiff/rules/index.js';
import { exportModel, type AutoencoderDef, type ModelDef, type Weights } from '../models/index.js';
import { importClassifier, parseLayerSpec, selectLayers, type ImportedModel, type Layer } from '../onnx/import.js';
import { decodeModel } from '../onnx/proto.js';
import type { RunConfig } from '../train/config.js';

/** A geolens run: its configuration, model definition and checkpoints. */
export interface RunTarget {
  dir: string;
  config: RunConfig;
  def: ModelDef;
  /** Epochs with a checkpoint, ascending (0 = initialisation). */
  checkpoints: number[];
  /** The model with the weights of checkpoint `epoch`. */
  modelAt(epoch: number): Promise<ImportedModel>;
}

export interface ProbeTarget {
  /** The path as given (run directory or .onnx file). */
  path: string;
  kind: 'run' | 'onnx';
  /** The model to probe (the final weights for a run). */
  model: ImportedModel;
  /** Set for a run directory. */
  run?: RunTarget;
  /**
   * Set for an autoencoder run (opened with `openTarget(path, { autoencoder: true })`): its definition and final
   * weights. `model` is then its x → reconstruction graph, not a classifier (its "classes" are output features).
   */
  autoencoder?: { def: AutoencoderDef; params: Weights };
}

/** Import the eval graph of a geolens model definition with given weights (gradient support checked). */
export function importDefinition(def: ModelDef, params: Weights, buffers: Weights, source: string): ImportedModel {
  const bytes = exportModel(def, params, buffers).toBytes();
  return importClassifier(decodeModel(bytes, source), { source, gradientOps: GRADIENT_RULES });
}

/**
 * Layers chosen by a layer spec: 'auto' (default; the output of each nonlinearity, then the logits), an op name
 * such as 'relu', or tensor names separated by commas. Throws BAD_ARGUMENT for an unknown layer.
 */
export function chooseLayers(model: ImportedModel, spec = 'auto'): Layer[] {
  return selectLayers(model, parseLayerSpec(spec, model));
}
