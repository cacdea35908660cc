/**
 * Data Information Matrix D(x) = Σ_i p_i ∇log p_i ∇log p_iᵀ = Jᵀ (diag p − ppᵀ) J (METHODS.md §2), for a classifier
 * with probabilities p ∈ R^C and logits Jacobian J = ∂z/∂x ∈ R^{C×d}.
 *
 * Never forms or diagonalises a d×d matrix: with A = diag p − ppᵀ (PSD) = L Lᵀ (L = diag(√p)(I − √p√pᵀ) in closed
 * form, see `probabilityCovarianceFactor`), D = (LᵀJ)ᵀ(LᵀJ), whose non-zero eigenvalues are those of the C×C matrix
 * S = Lᵀ J Jᵀ L. If S u = λ u (λ > 0) then v = Jᵀ L u / √λ is a unit eigenvector of D with the same λ. Cost per
 * point O(C²·d + C³) with one C×C eigendecomposition (eigenvalues only unless eigenvectors are asked for). Since
 * A·1 = 0, rank D ≤ min(C − 1, d).
 *
 * p is renormalised to sum 1 in float64, and A is assembled as the weighted Laplacian
 * A_ii = p_i Σ_{j≠i} p_j, A_ij = −p_i p_j, which equals diag p − ppᵀ for Σp = 1 and keeps A·1 = 0 exact and the small
 * entries free of cancellation when p is nearly one-hot.
 */
import { fail } from '../../errors.js';
import type { FloatArray, Tensor } from '../../tensor.js';
import { symmetricEigen, symmetricEigenvalues } from '../../linalg/eigen.js';
import { gramOfRows } from '../../linalg/dense.js';
import { checkRtol } from '../../linalg/pinv.js';
import type { DimPointSpectrum, DimSpectrum, DimSpectrumOptions } from './types.js';

/** Default relative rank tolerance of D(x)'s spectrum. */
export const DIM_DEFAULT_RTOL = 1e-12;

export const DIM_METHOD =
  'non-zero eigenpairs of D(x) = Jᵀ(diag p − ppᵀ)J from the C×C matrix Lᵀ J Jᵀ L (L Lᵀ = A = diag p − ppᵀ, ' +
  'L = diag(√p)(I − √p√pᵀ) in closed form; p renormalised to sum 1), float64; input-space eigenvectors ' +
  'v = Jᵀ L u / √λ';

/** Internal per-point result with typed arrays. */
export interface PointSpectrumRaw {
  /** All C eigenvalues of S, descending (not clipped). */
  values: Float64Array;
  /** Top min(C − 1, d) eigenvalues clipped at 0. */
  eigenvalues: Float64Array;
  rank: number;
  trace: number;
  /** rank×d orthonormal input-space eigenvectors when requested. */
  vectors: Float64Array | null;
  /** The normalised probabilities. */
  p: Float64Array;
  /** |Σ p − 1| before renormalisation. */
  sumDeviation: number;
}

/** Probabilities normalised in float64; throws on negatives/non-finite/zero sum. */
export function normaliseProbabilities(p: ArrayLike<number>, offset: number, C: number, where: string): { p: Float64Array; sumDeviation: number } {
  const q = new Float64Array(C);
  let s = 0;
  for (let i = 0; i < C; i++) {
    const v = p[offset + i]!;
    if (!(v >= 0) || !Number.isFinite(v)) fail('BAD_ARGUMENT', `${where}: probability ${i} is ${v}; pass softmax outputs (non-negative, finite)`);
    q[i] = v;
    s += v;
  }
  if (!(s > 0)) fail('BAD_ARGUMENT', `${where}: the probabilities sum to 0; pass softmax outputs`);
  for (let i = 0; i < C; i++) q[i] = q[i]! / s;
  return { p: q, sumDeviation: Math.abs(s - 1) };
}

/** A = diag p − ppᵀ as a weighted Laplacian (C×C), for p summing to 1. */
export function probabilityCovariance(p: Float64Array): Float64Array {
  const C = p.length;
  const A = new Float64Array(C * C);
  for (let i = 0; i < C; i++) {
    let off = 0;
    for (let j = 0; j < C; j++) {
      if (j === i) continue;
      const v = p[i]! * p[j]!;
      A[i * C + j] = -v;
      off += p[j]!;
    }
    A[i * C + i] = p[i]! * off;
  }
  return A;
}

/**
 * A factor L of A = diag p − ppᵀ = L Lᵀ in closed form (C×C, row-major, not symmetric), for p summing to 1:
 * with P = diag √p and the unit vector u = √p, A = P (I − uuᵀ) P and I − uuᵀ is a projector, so L = P (I − uuᵀ):
 * L_ij = √p_i (δ_ij − √(p_i p_j)), the diagonal written as √p_i Σ_{j≠i} p_j (no cancellation when p_i ≈ 1).
 * It replaces the symmetric square root A^{1/2} (an eigendecomposition per point): LᵀKL and A^{1/2} K A^{1/2} have
 * the same eigenvalues (both are similar to KA on its range), and the eigenvectors map back the same way.
 */
export function probabilityCovarianceFactor(p: Float64Array): Float64Array {
  const C = p.length;
  const L = new Float64Array(C * C);
  for (let i = 0; i < C; i++) {
    const si = Math.sqrt(p[i]!);
    let off = 0;
    for (let j = 0; j < C; j++) {
      if (j === i) continue;
      L[i * C + j] = -p[i]! * Math.sqrt(p[j]!);
      off += p[j]!;
    }
    L[i * C + i] = si * off;
  }
  return L;
}

/**
 * The spectrum from the Gram matrix K = J Jᵀ (C×C) and normalised p: S = Lᵀ K L (L Lᵀ = A, see
 * `probabilityCovarianceFactor`), its eigenvalues (and eigenvectors when `vectors`), the clipped top min(C − 1, d)
 * eigenvalues, the numerical rank and trace D = Tr(A K).
 */
function gramSpectrumCore(K: ArrayLike<number>, pn: Float64Array, C: number, d: number, rtol: number, vectors: boolean) {
  const A = probabilityCovariance(pn);
  const L = probabilityCovarianceFactor(pn);
  let trace = 0;
  for (let i = 0; i < C * C; i++) trace += A[i]! * K[i]!;
  // T = K L, then S = Lᵀ T (C×C), symmetrised.
  const T = new Float64Array(C * C);
  for (let i = 0; i < C; i++) {
    for (let t = 0; t < C; t++) {
      const k = K[i * C + t]!;
      if (k === 0) continue;
      for (let j = 0; j < C; j++) T[i * C + j] = T[i * C + j]! + k * L[t * C + j]!;
    }
  }
  const S = new Float64Array(C * C);
  for (let i = 0; i < C; i++) {
    for (let j = i; j < C; j++) {
      let s = 0;
      for (let t = 0; t < C; t++) s += L[t * C + i]! * T[t * C + j]!;
      S[i * C + j] = s;
      S[j * C + i] = s;
    }
  }
  const eig = vectors ? symmetricEigen(S, C) : { values: symmetricEigenvalues(S, C), vectors: new Float64Array(0) };
  const maxRank = Math.min(C - 1, d);
  const eigenvalues = new Float64Array(maxRank);
  for (let k = 0; k < maxRank; k++) eigenvalues[k] = Math.max(0, eig.values[k]!);
  const lmax = eigenvalues.length > 0 ? eigenvalues[0]! : 0;
  let rank = 0;
  while (rank < maxRank && eigenvalues[rank]! > rtol * lmax && eigenvalues[rank]! > 0) rank++;
  return { A, L, eig, eigenvalues, rank, trace };
}

/**
 * Spectrum of D(x) at one point from J (C×d at `jOffset`) and p (length C at `pOffset`).
 * Exposed for the foliation walk; most callers want `dimSpectrum`.
 */
export function pointSpectrum(
  J: ArrayLike<number>,
  jOffset: number,
  p: ArrayLike<number>,
  pOffset: number,
  C: number,
  d: number,
  rtol: number,
  wantVectors: boolean,
  where = 'dimSpectrum',
): PointSpectrumRaw {
  const { p: pn, sumDeviation } = normaliseProbabilities(p, pOffset, C, where);
  const Jx = new Float64Array(C * d);
  for (let i = 0; i < C * d; i++) {
    const v = J[jOffset + i]!;
    if (!Number.isFinite(v)) fail('BAD_ARGUMENT', `${where}: Jacobian entry ${i} is ${v}; remove NaN/Infinity first`);
    Jx[i] = v;
  }
  const { L, eig, eigenvalues, rank, trace } = gramSpectrumCore(gramOfRows(Jx, C, d), pn, C, d, rtol, wantVectors);
  let vectors: Float64Array | null = null;
  if (wantVectors) {
    vectors = new Float64Array(rank * d);
    const w = new Float64Array(C);
    for (let k = 0; k < rank; k++) {
      const u = eig.vectors.subarray(k * C, (k + 1) * C);
      for (let i = 0; i < C; i++) {
        let s = 0;
        for (let t = 0; t < C; t++) s += L[i * C + t]! * u[t]!;
        w[i] = s;
      }
      const inv = 1 / Math.sqrt(eig.values[k]!);
      const v = vectors.subarray(k * d, (k + 1) * d);
      for (let i = 0; i < C; i++) {
        const wi = w[i]! * inv;
        if (wi === 0) continue;
        for (let j = 0; j < d; j++) v[j] = v[j]! + wi * Jx[i * d + j]!;
      }
    }
    orthonormaliseRows(vectors, rank, d);
  }
  return { values: eig.values, eigenvalues, rank, trace, vectors, p: pn, sumDeviation };
}

/**
 * Two passes of modified Gram–Schmidt over the rows (in order). The v_k = Jᵀ A^{1/2} u_k / √λ_k are orthonormal in
 * exact arithmetic; for λ_k ≪ λ_max roundoff (≈ ε·λ_max/λ_k) erodes that, which this repairs without changing the
 * spanned space. A row that vanishes is left at zero.
 */
export function orthonormaliseRows(v: Float64Array, rows: number, d: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < rows; k++) {
      const vk = v.subarray(k * d, (k + 1) * d);
      for (let m = 0; m < k; m++) {
        const vm = v.subarray(m * d, (m + 1) * d);
        let dot = 0;
        for (let j = 0; j < d; j++) dot += vk[j]! * vm[j]!;
        for (let j = 0; j < d; j++) vk[j] = vk[j]! - dot * vm[j]!;
      }
      let nrm = 0;
      for (let j = 0; j < d; j++) nrm += vk[j]! * vk[j]!;
      nrm = Math.sqrt(nrm);
      if (nrm > 0) for (let j = 0; j < d; j++) vk[j] = vk[j]! / nrm;
    }
  }
}

function shapeOf(J: Tensor, p: Tensor): { B: number; C: number; d: number } {
  if (p.shape.length !== 2) fail('BAD_SHAPE', `dimSpectrum: probabilities must have shape [B, C], got [${p.shape.join(', ')}]`);
  const [B, C] = p.shape as [number, number];
  if (J.shape.length < 3 || J.shape[0] !== B || J.shape[1] !== C) {
    fail(
      'BAD_SHAPE',
      `dimSpectrum: the Jacobian must have shape [B, C, ...input] = [${B}, ${C}, ...], got [${J.shape.join(', ')}]`,
    );
  }
  const d = B * C === 0 ? 0 : J.data.length / (B * C);
  if (C < 2) fail('BAD_SHAPE', `dimSpectrum: need at least 2 classes, got C = ${C}`);
  if (!Number.isInteger(d) || d < 1) fail('BAD_SHAPE', `dimSpectrum: input dimension must be ≥ 1, got ${d}`);
  return { B, C, d };
}

/**
 * Per-point spectrum of the Data Information Matrix D(x) = Jᵀ(diag p − ppᵀ)J from logits Jacobians J [B, C, ...input]
 * (the input dims are flattened to d) and probabilities p [B, C], through the C×C matrix A^{1/2} J Jᵀ A^{1/2}: ordered
 * eigenvalues (top min(C − 1, d)), numerical rank (≤ C − 1), trace and optionally the input-space eigenvectors.
 */
export function dimSpectrum(J: Tensor, p: Tensor, opts: DimSpectrumOptions = {}): DimSpectrum {
  const { B, C, d } = shapeOf(J, p);
  const rtol = checkRtol('dimSpectrum', opts.rtol, DIM_DEFAULT_RTOL);
  const wantVectors = opts.eigenvectors === true;
  const points: DimPointSpectrum[] = [];
  let maxDev = 0;
  for (let b = 0; b < B; b++) {
    const r = pointSpectrum(J.data, b * C * d, p.data, b * C, C, d, rtol, wantVectors);
    maxDev = Math.max(maxDev, r.sumDeviation);
    const pt: DimPointSpectrum = { eigenvalues: Array.from(r.eigenvalues), rank: r.rank, trace: r.trace };
    if (r.vectors) {
      const vs: number[][] = [];
      for (let k = 0; k < r.rank; k++) vs.push(Array.from(r.vectors.subarray(k * d, (k + 1) * d)));
      pt.eigenvectors = vs;
    }
    points.push(pt);
    opts.onProgress?.(b + 1, B);
  }
  const warnings: string[] = [];
  if (maxDev > 1e-3) warnings.push(`probabilities summed to 1 ± ${maxDev.toExponential(2)} and were renormalised; are they softmax outputs?`);
  if (d < C - 1) warnings.push(`input dimension d = ${d} < C − 1 = ${C - 1}: at most ${d} eigenvalues can be non-zero`);
  return { schemaVersion: 1, numPoints: B, numClasses: C, inputDim: d, rtol, method: DIM_METHOD, points, warnings };
}

/**
 * The same spectra as {@link dimSpectrum} (no eigenvectors) from the per-point Gram matrices K = J Jᵀ [B, C, C]
 * (e.g. the `jacobian_gram` output of the Jacobian graph, computed inside onnxruntime) and p [B, C]; `inputDim` is d.
 * Cost per point O(C³), independent of d.
 */
export function dimSpectrumFromGram(gram: Tensor, p: Tensor, inputDim: number, opts: Omit<DimSpectrumOptions, 'eigenvectors'> = {}): DimSpectrum {
  const B = p.shape[0] ?? 0;
  const C = p.shape[1] ?? 0;
  if (p.shape.length !== 2 || gram.shape.length !== 3 || gram.shape[0] !== B || gram.shape[1] !== C || gram.shape[2] !== C) {
    fail('BAD_SHAPE', `dimSpectrumFromGram: expected gram [B, C, C] and p [B, C], got [${gram.shape.join(', ')}] and [${p.shape.join(', ')}]`);
  }
  if (C < 2) fail('BAD_SHAPE', `dimSpectrumFromGram: need at least 2 classes, got C = ${C}`);
  const rtol = checkRtol('dimSpectrumFromGram', opts.rtol, DIM_DEFAULT_RTOL);
  const points: DimPointSpectrum[] = [];
  let maxDev = 0;
  for (let b = 0; b < B; b++) {
    const { p: pn, sumDeviation } = normaliseProbabilities(p.data, b * C, C, 'dimSpectrumFromGram');
    maxDev = Math.max(maxDev, sumDeviation);
    const K = gram.data.subarray(b * C * C, (b + 1) * C * C);
    for (let i = 0; i < K.length; i++) if (!Number.isFinite(K[i]!)) fail('BAD_ARGUMENT', `dimSpectrumFromGram: Gram entry ${i} of point ${b} is ${K[i]}; remove NaN/Infinity first`);
    const r = gramSpectrumCore(K, pn, C, inputDim, rtol, false);
    points.push({ eigenvalues: Array.from(r.eigenvalues), rank: r.rank, trace: r.trace });
    opts.onProgress?.(b + 1, B);
  }
  const warnings: string[] = [];
  if (maxDev > 1e-3) warnings.push(`probabilities summed to 1 ± ${maxDev.toExponential(2)} and were renormalised; are they softmax outputs?`);
  if (inputDim < C - 1) warnings.push(`input dimension d = ${inputDim} < C − 1 = ${C - 1}: at most ${inputDim} eigenvalues can be non-zero`);
  return { schemaVersion: 1, numPoints: B, numClasses: C, inputDim, rtol, method: DIM_METHOD + '; Gram J Jᵀ computed in the Jacobian graph', points, warnings };
}

/**
 * The full d×d matrix D(x) = Jᵀ(diag p − ppᵀ)J at one point (J: C×d row-major, p: length C), row-major float64.
 * O(d²) memory: meant for small d (2-D toys, tests); use `dimSpectrum` otherwise.
 */
export function dataInformationMatrix(J: FloatArray | number[], p: FloatArray | number[], C: number, d: number): Float64Array {
  if (J.length !== C * d || p.length !== C) {
    fail('BAD_SHAPE', `dataInformationMatrix: J has ${J.length} entries and p ${p.length}; expected C·d = ${C * d} and C = ${C}`);
  }
  const { p: pn } = normaliseProbabilities(p, 0, C, 'dataInformationMatrix');
  const A = probabilityCovariance(pn);
  // AJ (C×d), then Jᵀ(AJ).
  const AJ = new Float64Array(C * d);
  for (let i = 0; i < C; i++) {
    for (let t = 0; t < C; t++) {
      const a = A[i * C + t]!;
      if (a === 0) continue;
      for (let j = 0; j < d; j++) AJ[i * d + j] = AJ[i * d + j]! + a * J[t * d + j]!;
    }
  }
  const D = new Float64Array(d * d);
  for (let i = 0; i < C; i++) {
    for (let a = 0; a < d; a++) {
      const ja = J[i * d + a]!;
      if (ja === 0) continue;
      for (let b = a; b < d; b++) D[a * d + b] = D[a * d + b]! + ja * AJ[i * d + b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) D[a * d + b] = D[b * d + a]!;
  return D;
}
