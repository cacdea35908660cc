/**
 * Manifold complexity in practice (Lei, Luo, Yau & Gu, "Geometric Understanding of Deep Learning", arXiv 1805.10451
 * §3; METHODS.md §5): a fixed ReLU architecture cannot represent every manifold, because the number of linear pieces
 * it can cut a manifold into is bounded while the pieces a manifold needs are not. Made visible by a sweep:
 *
 * - the manifolds Σ_k: the unit circle (in a seeded random plane of R^n) whose 2k equal arcs alternate between two
 *   classes. A network classifies every point of Σ_k correctly only with at least k linear pieces on it: on one
 *   piece the logit difference is affine, a ⟨w, x⟩ + b, and restricted to the circle it is A·cos(θ − φ) + b, which
 *   changes sign at most twice — so p pieces allow at most 2p class changes, and Σ_k has 2k. More: with m ≤ k pairs of
 *   changes the best accuracy under the uniform measure on the circle is 1/2 + m/(2k) (each run of one predicted class
 *   of length L arcs is right on at most (L + 1)/2 of them), so a network with p pieces has accuracy ≤ min(1, 1/2 +
 *   p/(2k)) — the `accuracyCeiling`;
 * - fixed MLP architectures (default: one hidden layer of 4 units, and 32×32 for contrast), trained with geolens' own
 *   trainer (Adam, seeded) on samples of Σ_k for every k;
 * - per trained network: the exact pieces it cuts the curve into (the curve meshed into a regular polygon, every
 *   edge's regions enumerated exactly, `polylinePieces`), the exact regions on the curve's plane, the class changes
 *   and the held-out accuracy, against the bounds: `convexCurveBound` (pieces on a closed convex curve) and Lei et
 *   al.'s and Serra et al.'s bounds for the plane. A count above a bound throws (a bug).
 */
import type { Dataset } from '../../data/types.js';
import type { Engine } from '../../engine/engine.js';
import { importDefinition } from '../../measure/target.js';
import type { ProbeProgress } from '../../measure/progress.js';
import { buildModel, type MlpConfig } from '../../models/index.js';
import { bigIntJson, checkAgainstBounds, convexCurveBound, leiBound, regionBounds, serraBound } from '../../probes/regions/bounds.js';
import { subdivide } from '../../probes/regions/compute.js';
import { polylinePieces } from '../../probes/regions/manifold.js';
import { rectangle } from '../../probes/regions/polygon.js';
import { pwlProgram } from '../../probes/regions/pwl.js';
import { GeolensError } from '../../errors.js';
import { trainLoop } from '../../train/loop.js';
import { parseSchedule } from '../../train/schedule.js';
import { Trainer } from '../../train/trainer.js';
import { Rng } from '../../util/random.js';
import { VERSION } from '../../version.js';
import type { ManifoldArchitecture, ManifoldComplexityStudyResult, ManifoldSweepPoint } from './types.js';

export interface ManifoldComplexityOptions {
  /** Class pairs k of the sweep (the circle has 2k arcs). Default [1, 2, 3, 4, 6, 8, 12, 16]. */
  ks?: number[];
  /** The fixed architectures (MLP hidden widths). Default small [4] and large [32, 32]. */
  architectures?: { name: string; widths: number[] }[];
  /** Dimension of the input space the circle lies in (≥ 2). Default 2. */
  ambientDim?: number;
  /** Training samples per k (default 1024) and held-out samples (default 1024). */
  trainSamples?: number;
  testSamples?: number;
  /** Adam: epochs (default 120), learning rate (default 0.01), batch size (default 64). */
  epochs?: number;
  lr?: number;
  batchSize?: number;
  /** One seed: the plane, the samples, the initialisation and the batch order. Default 0. */
  seed?: number;
  /** Vertices of the polygon the circle is meshed into for the exact piece count (default 720). */
  mesh?: number;
  /** Called after each trained network. */
  onPoint?(p: ManifoldSweepPoint): void;
}

/** Defaults of the sweep (the CLI's defaults too). */
export const MANIFOLD_SWEEP_DEFAULTS = {
  ks: [1, 2, 3, 4, 6, 8, 12, 16],
  architectures: [
    { name: 'small', widths: [4] },
    { name: 'large', widths: [32, 32] },
  ],
  ambientDim: 2,
  trainSamples: 1024,
  testSamples: 1024,
  epochs: 120,
  lr: 0.01,
  batchSize: 64,
  seed: 0,
  mesh: 720,
} as const;

/**
 * An isometric embedding of the plane into R^n: two orthonormal vectors (the first two coordinate axes for n = 2,
 * else Gram–Schmidt on two seeded Gaussian vectors). Errors: BAD_ARGUMENT for n < 2.
 */
export function circlePlane(n: number, seed: number): [Float64Array, Float64Array] {
  if (!Number.isInteger(n) || n < 2) throw new GeolensError('BAD_ARGUMENT', `the circle needs an input space of dimension ≥ 2, got ${n}.`);
  if (n === 2) return [Float64Array.of(1, 0), Float64Array.of(0, 1)];
  const rng = new Rng(seed ^ 0x5eed);
  const a = Float64Array.from({ length: n }, () => rng.normal());
  const b = Float64Array.from({ length: n }, () => rng.normal());
  const dot = (u: Float64Array, v: Float64Array): number => u.reduce((s, x, i) => s + x * v[i]!, 0);
  const na = Math.sqrt(dot(a, a));
  for (let i = 0; i < n; i++) a[i]! /= na;
  const p = dot(a, b);
  for (let i = 0; i < n; i++) b[i]! -= p * a[i]!;
  const nb = Math.sqrt(dot(b, b));
  for (let i = 0; i < n; i++) b[i]! /= nb;
  return [a, b];
}

/** The class of angle θ on Σ_k: arcs [jπ/k, (j + 1)π/k) alternate 0, 1, 0, … */
export function alternatingClass(theta: number, k: number): number {
  const t = ((theta % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  return Math.floor((t * k) / Math.PI) % 2;
}

/** The point at angle θ on the unit circle of the plane (e1, e2). */
export function circlePoint(theta: number, [e1, e2]: [Float64Array, Float64Array]): Float64Array {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return Float64Array.from(e1, (v, i) => c * v + s * e2[i]!);
}

/** `samples` points of Σ_k at seeded uniform angles, labelled by their arc. */
export function alternatingCircleData(k: number, samples: number, plane: [Float64Array, Float64Array], seed: number): Dataset {
  if (!Number.isInteger(k) || k < 1) throw new GeolensError('BAD_ARGUMENT', `k (class pairs on the circle) must be an integer ≥ 1, got ${k}.`);
  const n = plane[0].length;
  const rng = new Rng(seed);
  const x = new Float32Array(samples * n);
  const y = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const th = 2 * Math.PI * rng.uniform();
    x.set(circlePoint(th, plane), i * n);
    y[i] = alternatingClass(th, k);
  }
  return { name: `alternating-circle-k${k}`, x: { data: x, shape: [samples, n] }, y, numClasses: 2, sampleShape: [n], source: `unit circle, ${2 * k} alternating arcs, seed ${seed}` };
}

/** The best accuracy (uniform measure on the circle) of a classifier with `pieces` linear pieces on Σ_k. */
export function accuracyCeiling(pieces: number, k: number): number {
  return Math.min(1, 0.5 + pieces / (2 * k));
}

const PLANE_HALF_WIDTH = 1.25;

/** The architecture's bounds (independent of the weights). */
function architecture(a: { name: string; widths: number[] }, inputDim: number): ManifoldArchitecture {
  let params = 0;
  let prev = inputDim;
  for (const w of [...a.widths, 2]) {
    params += prev * w + w;
    prev = w;
  }
  return { name: a.name, widths: [...a.widths], parameters: params, curveBound: bigIntJson(convexCurveBound(a.widths)), lei: bigIntJson(leiBound(2, a.widths)), serra: bigIntJson(serraBound(2, a.widths)) };
}

/**
 * Run the sweep (see the module comment): for every k and architecture, train, then count exactly. Deterministic for
 * a seed (the engine's float32 arithmetic aside). Errors: BAD_ARGUMENT for bad options; a plain Error when a count
 * exceeds a bound (a bug).
 */
export async function runManifoldComplexity(engine: Engine, options: ManifoldComplexityOptions = {}, onProgress?: ProbeProgress): Promise<ManifoldComplexityStudyResult> {
  const D = MANIFOLD_SWEEP_DEFAULTS;
  const ks = options.ks ?? [...D.ks];
  const archs = options.architectures ?? D.architectures.map((a) => ({ name: a.name, widths: [...a.widths] }));
  const n = options.ambientDim ?? D.ambientDim;
  const trainSamples = options.trainSamples ?? D.trainSamples;
  const testSamples = options.testSamples ?? D.testSamples;
  const epochs = options.epochs ?? D.epochs;
  const lr = options.lr ?? D.lr;
  const batchSize = options.batchSize ?? D.batchSize;
  const seed = options.seed ?? D.seed;
  const mesh = options.mesh ?? D.mesh;
  if (!ks.length || ks.some((k) => !Number.isInteger(k) || k < 1)) throw new GeolensError('BAD_ARGUMENT', `k values must be integers ≥ 1, got ${ks.join(', ')}.`);
  if (!archs.length || archs.some((a) => !a.widths.length || a.widths.some((w) => !Number.isInteger(w) || w < 1))) throw new GeolensError('BAD_ARGUMENT', 'every architecture needs at least one hidden layer of integer width ≥ 1.');
  if (!Number.isInteger(mesh) || mesh < 3) throw new GeolensError('BAD_ARGUMENT', `the mesh needs at least 3 vertices, got ${mesh}.`);
  if (!(trainSamples >= batchSize) || !(testSamples >= 1)) throw new GeolensError('BAD_ARGUMENT', `need at least one batch of training samples (${trainSamples} < ${batchSize}) and one held-out sample.`);
  const plane = circlePlane(n, seed);
  const ring = Array.from({ length: mesh }, (_, i) => circlePoint((2 * Math.PI * i) / mesh, plane));
  const architectures = archs.map((a) => architecture(a, n));
  const points: ManifoldSweepPoint[] = [];
  const warnings: string[] = [];
  const total = ks.length * archs.length;
  for (const [ki, k] of ks.entries()) {
    const train = alternatingCircleData(k, trainSamples, plane, seed * 1000 + 2 * k);
    const test = alternatingCircleData(k, testSamples, plane, seed * 1000 + 2 * k + 1);
    for (const [ai, a] of archs.entries()) {
      onProgress?.('manifold sweep', ki * archs.length + ai, total, `k = ${k}, ${a.name}`);
      const config: MlpConfig = { kind: 'mlp', inputShape: [n], widths: a.widths, numClasses: 2 };
      const def = buildModel(config);
      const t0 = Date.now();
      const trainer = await Trainer.create(engine, def, { optimizer: 'adam', lr, batchSize, seed });
      await trainLoop(trainer, { train: { x: train.x, y: train.y } }, { epochs, batchSize, seed, baseLr: lr, schedule: parseSchedule('constant', epochs) });
      const seconds = (Date.now() - t0) / 1000;
      const trainAccuracy = (await trainer.evaluate(train.x, train.y)).accuracy;
      const testAccuracy = (await trainer.evaluate(test.x, test.y)).accuracy;
      const program = pwlProgram(importDefinition(def, trainer.params, trainer.buffers, `mlp ${a.widths.join('×')} on Σ_${k}`));
      const curve = polylinePieces(program, ring, { closed: true });
      const arch = architectures[ai]!;
      if (BigInt(curve.pieces) > BigInt(arch.curveBound.exact)) {
        throw new Error(`geolens bug: ${curve.pieces} linear pieces on the circle, above the convex-curve bound ${arch.curveBound.exact} (widths ${a.widths.join(', ')}). Please report it.`);
      }
      const planeRegions = subdivide(program, { origin: new Float64Array(n), directions: plane, domain: rectangle(-PLANE_HALF_WIDTH, PLANE_HALF_WIDTH, -PLANE_HALF_WIDTH, PLANE_HALF_WIDTH) }).regions.length;
      checkAgainstBounds(planeRegions, regionBounds(program.layers, 2, 2, program.chain), `the plane of the circle (k = ${k}, ${a.name})`);
      const p: ManifoldSweepPoint = {
        k,
        architecture: a.name,
        piecesNeeded: k,
        pieces: curve.pieces,
        patterns: curve.patterns,
        planeRegions,
        classChanges: curve.classChanges,
        trainAccuracy,
        testAccuracy,
        accuracyCeiling: accuracyCeiling(curve.pieces, k),
        seconds,
      };
      if (testAccuracy > p.accuracyCeiling + 0.05) warnings.push(`k = ${k}, ${a.name}: held-out accuracy ${testAccuracy.toFixed(3)} above the ceiling ${p.accuracyCeiling.toFixed(3)} of its ${curve.pieces} pieces (sampling noise of ${testSamples} samples, or a mesh too coarse)`);
      points.push(p);
      options.onPoint?.(p);
    }
  }
  onProgress?.('manifold sweep', total, total);
  return {
    schemaVersion: 1,
    probe: 'manifold-complexity',
    geolensVersion: VERSION,
    manifold: {
      kind: 'alternating-circle',
      description: `the unit circle${n > 2 ? ` in a seeded random plane of R^${n}` : ''}, cut into 2k equal arcs of alternating class (two classes)`,
      ambientDim: n,
      radius: 1,
      ks,
      trainSamples,
      testSamples,
      mesh,
    },
    training: { optimizer: 'adam', lr, epochs, batchSize, seed },
    architectures,
    points,
    method: [
      'Manifold complexity in practice (Lei, Luo, Yau & Gu, arXiv 1805.10451 §3): Σ_k is the unit circle with 2k alternating arcs; a classifier correct on all of it needs ≥ k linear pieces on it (on a piece the logit difference restricted to the circle is A·cos(θ − φ) + b: at most two sign changes), and with p pieces its accuracy is ≤ min(1, 1/2 + p/(2k)).',
      `Each architecture is trained on ${trainSamples} samples of Σ_k (Adam, lr ${lr}, ${epochs} epochs, batch ${batchSize}, seed ${seed}) and evaluated on ${testSamples} held-out samples.`,
      `Pieces: exact on the circle meshed into a regular ${mesh}-gon (every edge's regions enumerated exactly; consecutive intervals with one activation pattern merged); plane regions: exact on [−${PLANE_HALF_WIDTH}, ${PLANE_HALF_WIDTH}]² of the circle's plane.`,
      'Bounds: pieces on a closed convex curve ≤ max(1, 2w₁)·Π_{l≥2}(1 + 2w_l); plane regions ≤ Serra, Tjandraatmadja & Ramalingam (2018) Theorem 7 ≤ Lei et al.\'s Π C(w_{i−1}, w_i), both with input dimension 2.',
    ].join(' '),
    warnings,
  };
}
