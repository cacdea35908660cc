/**
 * Foliation walks (METHODS.md §2): Euler paths whose every step is projected onto the image of D(x) ('along', the
 * data-leaf directions) or onto its kernel ('across', where p is locally constant). Model-agnostic: the caller
 * supplies `evaluate(x) → {J, p}`.
 */
import { fail } from '../../errors.js';
import { Rng } from '../../util/random.js';
import { checkRtol } from '../../linalg/pinv.js';
import { DIM_DEFAULT_RTOL, pointSpectrum } from './compute.js';
import type { FoliationWalk, FoliationWalkOptions, WalkEvaluation } from './types.js';

/** A projected step shorter than this fraction of the heading counts as zero (the walk stops). */
const VANISHING_STEP = 1e-10;

/**
 * Walk from `start` for `steps` Euler steps of Euclidean length `stepSize`. At each point x the current heading h
 * (initially `direction`, or a Gaussian vector drawn with `seed`) is projected with P = Σ_k v_k v_kᵀ (v_k orthonormal
 * eigenvectors of D(x) with λ_k > rtol·λ_max): 'along' moves along P h, 'across' along h − P h; the normalised
 * projection becomes the next heading, so the path turns smoothly with the distribution. Stops early when the
 * projection vanishes (e.g. 'across' with d ≤ rank D). Returns the points and p along the path.
 */
export async function foliationWalk(
  start: Float64Array | number[],
  evaluate: (x: Float64Array) => Promise<WalkEvaluation>,
  opts: FoliationWalkOptions,
): Promise<FoliationWalk> {
  const mode = opts?.mode;
  if (mode !== 'along' && mode !== 'across') fail('BAD_ARGUMENT', `foliationWalk: mode must be 'along' or 'across', got ${JSON.stringify(mode)}`);
  const { stepSize, steps } = opts;
  if (!(stepSize > 0) || !Number.isFinite(stepSize)) fail('BAD_ARGUMENT', `foliationWalk: stepSize must be a positive number, got ${stepSize}`);
  if (!Number.isInteger(steps) || steps < 0) fail('BAD_ARGUMENT', `foliationWalk: steps must be a non-negative integer, got ${steps}`);
  const rtol = checkRtol('foliationWalk', opts.rtol, DIM_DEFAULT_RTOL);
  const d = start.length;
  if (d < 1) fail('BAD_SHAPE', 'foliationWalk: the start point is empty');
  const heading = new Float64Array(d);
  if (opts.direction !== undefined) {
    if (opts.direction.length !== d) fail('BAD_SHAPE', `foliationWalk: direction has length ${opts.direction.length}, the start point ${d}`);
    heading.set(opts.direction);
  } else {
    new Rng(opts.seed ?? 0).fillNormal(heading);
  }
  let hn = 0;
  for (let j = 0; j < d; j++) hn += heading[j]! * heading[j]!;
  hn = Math.sqrt(hn);
  if (!(hn > 0) || !Number.isFinite(hn)) fail('BAD_ARGUMENT', 'foliationWalk: direction must be a finite non-zero vector');
  for (let j = 0; j < d; j++) heading[j] = heading[j]! / hn;

  let x = Float64Array.from(start);
  const points: number[][] = [Array.from(x)];
  const probabilities: number[][] = [];
  const ranks: number[] = [];
  let C = -1;
  const look = async (at: Float64Array) => {
    const ev = await evaluate(Float64Array.from(at));
    if (C < 0) C = ev.p.length;
    if (ev.p.length !== C || ev.J.length !== C * d) {
      fail('BAD_SHAPE', `foliationWalk: evaluate returned p of length ${ev.p.length} and J of length ${ev.J.length}; expected C = ${C} and C·d = ${C * d}`);
    }
    if (C < 2) fail('BAD_SHAPE', 'foliationWalk: need at least 2 classes');
    const s = pointSpectrum(ev.J, 0, ev.p, 0, C, d, rtol, true, 'foliationWalk');
    probabilities.push(Array.from(s.p));
    ranks.push(s.rank);
    return s;
  };
  let spec = await look(x);
  let stoppedEarly: string | null = null;
  let taken = 0;
  for (let s = 0; s < steps; s++) {
    const V = spec.vectors!;
    const proj = new Float64Array(d);
    for (let k = 0; k < spec.rank; k++) {
      const v = V.subarray(k * d, (k + 1) * d);
      let c = 0;
      for (let j = 0; j < d; j++) c += v[j]! * heading[j]!;
      for (let j = 0; j < d; j++) proj[j] = proj[j]! + c * v[j]!;
    }
    const step = mode === 'along' ? proj : heading.map((h, j) => h - proj[j]!);
    let sn = 0;
    for (let j = 0; j < d; j++) sn += step[j]! * step[j]!;
    sn = Math.sqrt(sn);
    if (!(sn > VANISHING_STEP)) {
      stoppedEarly =
        mode === 'along'
          ? `step ${s}: the heading has no component in the image of D(x) (rank ${spec.rank})`
          : `step ${s}: the heading has no component in the kernel of D(x) (rank ${spec.rank}, d = ${d})`;
      break;
    }
    const next = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      heading[j] = step[j]! / sn;
      next[j] = x[j]! + stepSize * heading[j]!;
    }
    x = next;
    points.push(Array.from(x));
    spec = await look(x);
    taken++;
    opts.onProgress?.(taken, steps);
  }
  return { schemaVersion: 1, mode, stepSize, stepsRequested: steps, stepsTaken: taken, stoppedEarly, points, probabilities, ranks };
}
