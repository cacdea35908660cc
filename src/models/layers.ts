/** Graph fragments shared by the architectures. */
import type { GraphBuilder } from '../onnx/builder.js';
import type { ForwardMode } from './types.js';

export interface BatchNormTensors {
  scale: string;
  bias: string;
  mean: string;
  variance: string;
}

/**
 * BatchNorm over the channel axis 1 of [N, C] or [N, C, H, W].
 * Train mode normalises with the batch's mean and biased variance (built from plain ops, so autodiff differentiates
 * through the statistics) and returns them as [C] tensors for the running-statistics update (report `batchVar` with
 * its `variancePerSample`, 1 here or H·W when `spatial`); eval mode uses the BatchNormalization op with the running
 * buffers.
 */
export function batchNorm(b: GraphBuilder, x: string, p: BatchNormTensors, mode: ForwardMode, epsilon: number, spatial = false): { y: string; batchMean?: string; batchVar?: string } {
  if (mode === 'eval') return { y: b.op('BatchNormalization', [x, p.scale, p.bias, p.mean, p.variance], { epsilon }) };
  const axes = spatial ? [0, 2, 3] : [0];
  const mean = b.op('ReduceMean', [x], { axes, keepdims: 1 });
  const centred = b.sub(x, mean);
  const variance = b.op('ReduceMean', [b.mul(centred, centred)], { axes, keepdims: 1 });
  const std = b.op('Sqrt', [b.add(variance, b.constFloat(epsilon))]);
  const bshape = spatial ? [-1, 1, 1] : [-1];
  const scale = spatial ? b.reshape(p.scale, bshape) : p.scale;
  const bias = spatial ? b.reshape(p.bias, bshape) : p.bias;
  const y = b.add(b.mul(b.div(centred, std), scale), bias);
  const flat = (t: string): string => b.reshape(t, [-1]);
  return { y, batchMean: flat(mean), batchVar: flat(variance) };
}

/** x·W + b for x [N, in], W [in, out]. */
export function dense(b: GraphBuilder, x: string, w: string, bias: string): string {
  return b.add(b.matmul(x, w), bias);
}

/** 3×3 'same' convolution, stride 1. */
export function conv3x3(b: GraphBuilder, x: string, w: string, bias: string): string {
  return b.op('Conv', [x, w, bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
}

/** 2×2 max-pooling, stride 2. */
export function maxPool2(b: GraphBuilder, x: string): string {
  return b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
}
