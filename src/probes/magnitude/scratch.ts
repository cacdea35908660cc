/**
 * Reusable n×n working buffers for the magnitude probe's dense solves.
 *
 * Why: touching freshly allocated memory is the single largest cost of a dense solve on a virtual machine whose
 * host backs guest pages lazily. Measured on the 2-core Firecracker VM this project runs on: allocating and filling a
 * new 160 MB Float64Array took 1.4–2.1 s (≈ 10 ms per MB, a page fault per 4 KiB page), filling it a second time
 * 15 ms; NumPy does not pay this twice because it asks for transparent huge pages and glibc keeps its freed memory.
 * So distances, similarity matrices and factors are taken from this pool and given back when a solve is done; the
 * pool keeps at most {@link SCRATCH_MAX_BYTES} and empties itself {@link SCRATCH_IDLE_MS} after its last use.
 * Buffers come back with arbitrary contents (callers overwrite them).
 */

/** The most bytes the pool keeps between uses (older buffers are dropped first). */
export const SCRATCH_MAX_BYTES = 4 * 2 ** 30;
/** The pool empties itself this long after the last take or give. */
export const SCRATCH_IDLE_MS = 15_000;

const pool: ArrayBuffer[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

function touch(): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    pool.length = 0;
    timer = undefined;
  }, SCRATCH_IDLE_MS);
  (timer as { unref?: () => void }).unref?.();
}

function takeBytes(bytes: number): ArrayBuffer {
  touch();
  // the smallest pooled buffer that fits and wastes at most half of itself
  let best = -1;
  for (let i = 0; i < pool.length; i++) {
    const b = pool[i]!.byteLength;
    if (b >= bytes && b <= 2 * bytes + 4096 && (best < 0 || b < pool[best]!.byteLength)) best = i;
  }
  if (best >= 0) return pool.splice(best, 1)[0]!;
  return new ArrayBuffer(bytes);
}

/** A Float64Array of `length` values (contents arbitrary), from the pool when one fits. */
export function takeFloat64(length: number): Float64Array {
  return new Float64Array(takeBytes(length * 8), 0, length);
}

/** A Float32Array of `length` values (contents arbitrary), from the pool when one fits. */
export function takeFloat32(length: number): Float32Array {
  return new Float32Array(takeBytes(length * 4), 0, length);
}

/**
 * Give buffers back for reuse (the caller must not use them afterwards). Small ones (< 1 MiB) are left to the
 * garbage collector; undefined entries are ignored.
 */
export function giveBack(...arrays: (Float64Array | Float32Array | undefined)[]): void {
  touch();
  for (const a of arrays) {
    if (!a || a.buffer.byteLength < 2 ** 20 || !(a.buffer instanceof ArrayBuffer) || pool.includes(a.buffer)) continue;
    pool.push(a.buffer);
  }
  let total = pool.reduce((s, b) => s + b.byteLength, 0);
  while (total > SCRATCH_MAX_BYTES && pool.length) total -= pool.shift()!.byteLength;
}

/** Bytes the pool holds now. */
export function scratchBytes(): number {
  return pool.reduce((s, b) => s + b.byteLength, 0);
}
