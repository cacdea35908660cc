/**
 * Trajectory recorder: parameter vectors every k steps and/or over the last N steps (a ring buffer), the point
 * clouds the magnitude probe measures. Memory: (kept snapshots) × (number of parameters) × 4 bytes.
 */
import type { Weights } from '../models/init.js';

export interface TrajectoryOptions {
  /** Keep a snapshot every `every` steps (0: off). */
  every: number;
  /** Keep the last `last` steps (0: off). */
  last: number;
}

export interface TrajectorySnapshot {
  step: number;
  params: Weights;
}

export class TrajectoryRecorder {
  private readonly periodic: TrajectorySnapshot[] = [];
  private readonly ring: TrajectorySnapshot[] = [];
  constructor(readonly opts: TrajectoryOptions) {}

  get enabled(): boolean {
    return this.opts.every > 0 || this.opts.last > 0;
  }

  /** Offer the parameters after `step` steps; copies them only if they are kept. */
  offer(step: number, params: Weights): void {
    const periodic = this.opts.every > 0 && step % this.opts.every === 0;
    const ring = this.opts.last > 0;
    if (!periodic && !ring) return;
    const snap = { step, params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { data: v.data.slice(), shape: [...v.shape] }])) };
    if (periodic) this.periodic.push(snap);
    if (ring) {
      this.ring.push(snap);
      if (this.ring.length > this.opts.last) this.ring.shift();
    }
  }

  /** Restore from saved snapshots (on resume). */
  load(snaps: TrajectorySnapshot[]): void {
    for (const s of snaps) {
      if (this.opts.every > 0 && s.step % this.opts.every === 0) this.periodic.push(s);
    }
    if (this.opts.last > 0) this.ring.push(...snaps.slice(-this.opts.last));
  }

  /** Kept snapshots in step order, each step once. */
  snapshots(): TrajectorySnapshot[] {
    const byStep = new Map<number, TrajectorySnapshot>();
    for (const s of [...this.periodic, ...this.ring]) byStep.set(s.step, s);
    return [...byStep.values()].sort((a, b) => a.step - b.step);
  }
}

/** Flatten snapshots into `{ steps, tensors: { name: [T, ...shape] } }` for storage. */
export function stackTrajectory(snaps: TrajectorySnapshot[]): { steps: number[]; tensors: Record<string, { data: Float32Array; shape: number[] }> } {
  const steps = snaps.map((s) => s.step);
  const tensors: Record<string, { data: Float32Array; shape: number[] }> = {};
  if (snaps.length === 0) return { steps, tensors };
  for (const [name, t] of Object.entries(snaps[0]!.params)) {
    const size = t.data.length;
    const data = new Float32Array(size * snaps.length);
    snaps.forEach((s, i) => data.set(s.params[name]!.data, i * size));
    tensors[name] = { data, shape: [snaps.length, ...t.shape] };
  }
  return { steps, tensors };
}

/** Inverse of stackTrajectory. */
export function unstackTrajectory(steps: number[], tensors: Record<string, { data: Float32Array; shape: number[] }>): TrajectorySnapshot[] {
  return steps.map((step, i) => ({
    step,
    params: Object.fromEntries(
      Object.entries(tensors).map(([name, t]) => {
        const size = t.data.length / steps.length;
        return [name, { data: t.data.slice(i * size, (i + 1) * size), shape: t.shape.slice(1) }];
      }),
    ),
  }));
}
