/** Architecture definitions: a JSON config, parameter specs, and a forward-graph builder. */
import type { GraphBuilder } from '../onnx/builder.js';

/** A trainable parameter: its name (PyTorch-style, e.g. `fc1.weight`), shape and initialiser. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'he-normal' | 'glorot-uniform' | 'zeros' | 'ones';
  fanIn: number;
  fanOut: number;
}

/** A non-trainable state tensor (BatchNorm running statistics). */
export interface BufferSpec {
  name: string;
  shape: number[];
  init: 'zeros' | 'ones';
}

export interface MlpConfig {
  kind: 'mlp';
  /** Per-sample input shape, e.g. [784] or [1, 28, 28] (flattened first). */
  inputShape: number[];
  /** Hidden widths, e.g. [100, 100, 100]. */
  widths: number[];
  numClasses: number;
  /** Linear–BN–ReLU blocks (as in He & Su's networks) instead of Linear–ReLU. */
  batchNorm?: boolean;
}

export interface CnnConfig {
  kind: 'cnn';
  /** [channels, height, width] */
  inputShape: number[];
  /** Channels of the conv-relu-maxpool blocks, e.g. [8, 16]. */
  channels: number[];
  /** Width of the dense hidden layer before the classifier (0: none). */
  hidden: number;
  numClasses: number;
}

/**
 * An autoencoder (the MLP one, or a small conv one when `channels` is set): the decoder mirrors the encoder; the
 * training loss is the mean squared reconstruction error (see src/models/autoencoder.ts).
 */
export interface AutoencoderConfig {
  kind: 'autoencoder';
  /** Per-sample input shape, e.g. [784] or [1, 28, 28] ([c, h, w] for a conv autoencoder). */
  inputShape: number[];
  /** Encoder hidden widths (Linear–ReLU), e.g. [256, 64]; the decoder uses them reversed. */
  widths: number[];
  /** Size of the code (the latent space). */
  bottleneck: number;
  /** Conv encoder channels (Conv3×3–ReLU–MaxPool2 blocks) before the dense layers; absent or []: an MLP autoencoder. */
  channels?: number[];
}

export type ModelConfig = MlpConfig | CnnConfig | AutoencoderConfig;

/** A classifier's config (the models whose loss is the softmax cross-entropy against labels). */
export type ClassifierConfig = MlpConfig | CnnConfig;

/**
 * The training loss of a model: 'softmax-cross-entropy' against one-hot labels (classifiers, the default) or
 * 'mean-squared-error' between the model's output and its input (autoencoders: the reconstruction error).
 */
export type ModelLoss = 'softmax-cross-entropy' | 'mean-squared-error';

/** Per-sample shape of a model's output: [numClasses] for a classifier, the input shape for an autoencoder. */
export function modelOutputShape(config: ModelConfig): number[] {
  return config.kind === 'autoencoder' ? [...config.inputShape] : [config.numClasses];
}

export type ForwardMode = 'train' | 'eval';

export interface ForwardResult {
  /** The model's output: the logits [N, numClasses] of a classifier, the reconstruction [N, ...inputShape] of an autoencoder. */
  logits: string;
  /** Autoencoders: the code [N, bottleneck]. */
  code?: string;
  /** Probe-able points in order: the flattened input, each block's output, the logits. */
  layers: { name: string; tensor: string }[];
  /**
   * Train mode: batch statistics to fold into running buffers (`buffer` ← value). A biased batch variance gives
   * `variancePerSample`, the values per channel each sample contributes (1 for [N, C], H·W for [N, C, H, W]), so the
   * trainer can make it unbiased over m = N·variancePerSample values as PyTorch does; a mean leaves it out.
   */
  batchStats: { buffer: string; value: string; variancePerSample?: number }[];
}

/** A model: its config, its parameters and buffers, and how to build its forward graph. */
export interface ModelDef {
  config: ModelConfig;
  params: ParamSpec[];
  buffers: BufferSpec[];
  /** The training loss (default 'softmax-cross-entropy'). */
  loss?: ModelLoss;
  /**
   * Append the forward pass to `b`. `x` is [N, ...inputShape]; `t(name)` gives the graph tensor holding a parameter
   * or buffer. Train mode normalises with batch statistics; eval mode with the running buffers.
   */
  forward(b: GraphBuilder, x: string, t: (name: string) => string, mode: ForwardMode): ForwardResult;
}

/** BatchNorm constants (PyTorch defaults). */
export const BN_EPSILON = 1e-5;
export const BN_MOMENTUM = 0.1;
