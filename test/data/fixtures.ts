/** Shared helpers for the data tests: temp dirs, error assertions, small numeric tools. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GeolensError, type GeolensErrorCode } from '../../src/errors.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedData = path.resolve(repoRoot, '../shared/data');

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; file: (name: string, data?: Uint8Array | string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'geolens-data-'));
  return {
    dir,
    file: (name, data) => {
      const p = path.join(dir, name);
      if (data !== undefined) writeFileSync(p, data);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Assert that `fn` throws (or rejects with) a GeolensError with `code` whose message contains every `parts`. */
export async function assertGeolensError(
  fn: () => unknown,
  code: GeolensErrorCode,
  ...parts: (string | RegExp)[]
): Promise<GeolensError> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `expected a GeolensError ${code}, nothing was thrown`);
  assert.ok(err instanceof GeolensError, `expected a GeolensError, got ${String(err)}`);
  assert.equal(err.code, code, `wrong code for: ${err.message}`);
  for (const p of parts) {
    if (typeof p === 'string') assert.ok(err.message.includes(p), `message lacks '${p}': ${err.message}`);
    else assert.match(err.message, p);
  }
  return err;
}

/** Eigenvalues (descending) of a symmetric n×n matrix, by cyclic Jacobi. */
export function symmetricEigenvalues(a0: Float64Array, n: number): number[] {
  const a = Float64Array.from(a0);
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const th = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (th >= 0 ? 1 : -1) / (Math.abs(th) + Math.sqrt(th * th + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const x = a[k * n + p]!;
          const y = a[k * n + q]!;
          a[k * n + p] = c * x - s * y;
          a[k * n + q] = s * x + c * y;
        }
        for (let k = 0; k < n; k++) {
          const x = a[p * n + k]!;
          const y = a[q * n + k]!;
          a[p * n + k] = c * x - s * y;
          a[q * n + k] = s * x + c * y;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => y - x);
}

/** Covariance (population) of the given rows of a row-major [*, d] array. */
export function covariance(x: ArrayLike<number>, rows: ArrayLike<number>, d: number): Float64Array {
  const m = rows.length;
  const mu = new Float64Array(d);
  for (let r = 0; r < m; r++) for (let j = 0; j < d; j++) mu[j]! += x[rows[r]! * d + j]! / m;
  const c = new Float64Array(d * d);
  for (let r = 0; r < m; r++) {
    const o = rows[r]! * d;
    for (let i = 0; i < d; i++) {
      const a = x[o + i]! - mu[i]!;
      for (let j = i; j < d; j++) c[i * d + j]! += (a * (x[o + j]! - mu[j]!)) / m;
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) c[i * d + j] = c[j * d + i]!;
  return c;
}

/** Share of the variance in the top `k` eigenvalues. */
export function varianceShare(eigs: number[], k: number): number {
  const total = eigs.reduce((s, v) => s + Math.max(v, 0), 0);
  return eigs.slice(0, k).reduce((s, v) => s + Math.max(v, 0), 0) / total;
}
