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

export type ModelConfig = MlpConfig | CnnConfig;

export type ForwardMode = 'train' | 'eval';

export interface ForwardResult {
  logits: string;
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
  /**
   * Append the forward pass to `b`. `x` is [N, ...inputShape]; `t(name)` gives the graph tensor holding a parameter
   * or buffer. Train mode normalises with batch statistics; eval mode with the running buffers.
   */
  forward(b: GraphBuilder, x: string, t: (name: string) => string, mode: ForwardMode): ForwardResult;
}

/** BatchNorm constants (PyTorch defaults). */
export const BN_EPSILON = 1e-5;
export const BN_MOMENTUM = 0.1;
