/**
 * Optimizers as update subgraphs (PyTorch semantics): weight decay is added to the gradient (coupled L2),
 * SGD: p ← p − lr·g; momentum: m ← μ·m + g, p ← p − lr·m; Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * p ← p − lr·(m·c₁)/(√(v·c₂) + ε) with bias corrections c₁ = 1/(1−β₁ᵗ), c₂ = 1/(1−β₂ᵗ) fed per step.
 */
import type { GraphBuilder } from '../onnx/builder.js';

export type OptimizerName = 'sgd' | 'momentum' | 'adam';
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'adam'];

export interface OptimizerOptions {
  optimizer: OptimizerName;
  /** Momentum coefficient μ (default 0.9). */
  momentum?: number;
  /** L2 weight decay added to the gradient (default 0). */
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  /** Adam ε (default 1e-8). */
  epsilon?: number;
}

/** Per-parameter state tensors the optimizer keeps. */
export function optimizerSlots(o: OptimizerOptions): string[] {
  return o.optimizer === 'sgd' ? [] : o.optimizer === 'momentum' ? ['m'] : ['m', 'v'];
}

export interface UpdateTensors {
  param: string;
  grad: string;
  lr: string;
  slots: Record<string, string>;
  /** Adam bias corrections [c1, c2]. */
  adamScalars: string[];
}

/**
 * Plain SGD from a gradient that is already scaled by −lr (the backward pass was seeded with −lr times the loss gradient, so `t.grad` = −lr·∂L/∂p; `t.lr` is lr itself):
 * p ← p + g′, with coupled weight decay p ← p + g′ + (−lr·wd)·p. One Add per parameter instead of Mul + Sub, and the
 * Add of a weight gradient (a MatMul) fuses with it into one Gemm in onnxruntime (MatMulAddFusion). Equal to
 * {@link buildOptimizerUpdate}'s 'sgd' in exact arithmetic; float32 rounding differs (lr multiplies the scalar seed
 * instead of each gradient entry).
 */
export function buildSgdUpdateFromScaledGrad(b: GraphBuilder, o: OptimizerOptions, t: { param: string; grad: string; lr: string }): string {
  const wd = o.weightDecay ?? 0;
  const g = wd === 0 ? t.grad : b.add(t.grad, b.mul(t.param, b.mul(t.lr, b.constFloat(-wd))));
  return b.add(t.param, g);
}

export function buildOptimizerUpdate(b: GraphBuilder, o: OptimizerOptions, t: UpdateTensors): { param: string; slots: Record<string, string> } {
  let g = t.grad;
  const wd = o.weightDecay ?? 0;
  if (wd !== 0) g = b.add(g, b.mul(t.param, b.constFloat(wd)));
  switch (o.optimizer) {
    case 'sgd':
      return { param: b.sub(t.param, b.mul(g, t.lr)), slots: {} };
    case 'momentum': {
      const m = b.add(b.mul(t.slots.m!, b.constFloat(o.momentum ?? 0.9)), g);
      return { param: b.sub(t.param, b.mul(m, t.lr)), slots: { m } };
    }
    case 'adam': {
      const b1 = o.beta1 ?? 0.9;
      const b2 = o.beta2 ?? 0.999;
      const m = b.add(b.mul(t.slots.m!, b.constFloat(b1)), b.mul(g, b.constFloat(1 - b1)));
      const v = b.add(b.mul(t.slots.v!, b.constFloat(b2)), b.mul(b.mul(g, g), b.constFloat(1 - b2)));
      const [c1, c2] = t.adamScalars as [string, string];
      const denom = b.add(b.op('Sqrt', [b.mul(v, c2)]), b.constFloat(o.epsilon ?? 1e-8));
      const stepDir = b.div(b.mul(m, c1), denom);
      return { param: b.sub(t.param, b.mul(stepDir, t.lr)), slots: { m, v } };
    }
  }
}
