/**
 * The unscrambled Sobol sequence in up to 1024 dimensions (Joe–Kuo direction numbers, 32-bit integers, Gray-code
 * order: the points torch.quasirandom.SobolEngine(d, scramble=False).draw(n) gives, the sampler of pyOMT).
 *
 * Written here, not taken from npm (measured 2026-11): the `sobol` package (1.1.4) builds 52-bit direction numbers
 * with JavaScript's 32-bit `<<`/`^`, so its points lose their low bits (beyond 2^20 points they repeat structure), and it
 * reads its table with `fs` (not browser-safe); `low-discrepancy-sequence` (0.2.1) is a 2-D Halton sequence only. The
 * Gray-code recurrence below is a dozen lines; test/crosscheck/ot-sobol.test.ts checks it against PyTorch.
 */
import { GeolensError } from '../../errors.js';
import { JOE_KUO_DIRECTIONS, SOBOL_MAX_DIMENSION } from './sobol-directions.js';

export { SOBOL_MAX_DIMENSION } from './sobol-directions.js';

const BITS = 32;
let table: number[][] | undefined;

/** The parsed direction entries [s, a, m_1…m_s] of dimensions 2…1024. */
function entries(): number[][] {
  return (table ??= JOE_KUO_DIRECTIONS.split(';')
    .filter((e) => e.length > 0)
    .map((e) => e.split(' ').map(Number)));
}

/** Direction integers V[j][k] (k = 0…31) of dimensions j = 0…d−1, as 32-bit unsigned integers. */
export function sobolDirections(d: number): Uint32Array[] {
  if (!Number.isInteger(d) || d < 1 || d > SOBOL_MAX_DIMENSION) {
    throw new GeolensError('BAD_ARGUMENT', `Sobol sequence: dimension ${d} is outside 1…${SOBOL_MAX_DIMENSION}; use a smaller code size (--bottleneck).`);
  }
  const out: Uint32Array[] = [];
  const first = new Uint32Array(BITS);
  for (let k = 0; k < BITS; k++) first[k] = 2 ** (BITS - 1 - k);
  out.push(first);
  const tab = entries();
  for (let j = 1; j < d; j++) {
    const [s, a, ...m] = tab[j - 1]!;
    const v = new Uint32Array(BITS);
    for (let k = 0; k < s! && k < BITS; k++) v[k] = (m[k]! * 2 ** (BITS - 1 - k)) >>> 0;
    for (let k = s!; k < BITS; k++) {
      let x = (v[k - s!]! ^ (v[k - s!]! >>> s!)) >>> 0;
      for (let l = 1; l < s!; l++) if ((a! >>> (s! - 1 - l)) & 1) x = (x ^ v[k - l]!) >>> 0;
      v[k] = x;
    }
    out.push(v);
  }
  return out;
}

/**
 * A Sobol sequence generator: `fill(start, count, out)` writes points start…start+count−1 (row-major [count, d],
 * values in [0, 1), exact multiples of 2^−32) into `out`. Point 0 is the origin. Any start can be reached directly
 * (the Gray-code state of a point is the XOR of the directions of the set bits of its Gray code).
 */
export class SobolSequence {
  private readonly v: Uint32Array[];
  constructor(readonly dimension: number) {
    this.v = sobolDirections(dimension);
  }

  fill<T extends Float32Array | Float64Array>(start: number, count: number, out: T): T {
    const d = this.dimension;
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 0 || start + count > 2 ** BITS) {
      throw new GeolensError('BAD_ARGUMENT', `Sobol sequence: points ${start}…${start + count - 1} are outside 0…2^${BITS} − 1.`);
    }
    if (out.length < count * d) throw new GeolensError('BAD_SHAPE', `Sobol sequence: the output holds ${out.length} values, ${count}×${d} needed.`);
    if (count === 0) return out;
    const x = new Uint32Array(d);
    // state of point `start`: XOR of V[k] over the set bits k of gray(start)
    const gray = start ^ Math.floor(start / 2);
    for (let k = 0; k < BITS; k++) {
      if (Math.floor(gray / 2 ** k) % 2 === 1) for (let j = 0; j < d; j++) x[j] = (x[j]! ^ this.v[j]![k]!) >>> 0;
    }
    const scale = 2 ** -BITS;
    for (let i = 0; i < count; i++) {
      const row = i * d;
      for (let j = 0; j < d; j++) out[row + j] = x[j]! * scale;
      // next point: flip the direction of the lowest zero bit of the current index
      const n = start + i;
      let c = 0;
      let m = n;
      while (m % 2 === 1) {
        m = Math.floor(m / 2);
        c++;
      }
      if (c < BITS) for (let j = 0; j < d; j++) x[j] = (x[j]! ^ this.v[j]![c]!) >>> 0;
    }
    return out;
  }
}
