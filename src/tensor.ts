/** Floating-point data that crosses module boundaries. */
export type FloatArray = Float32Array | Float64Array;

/** A dense row-major tensor: `data.length === product(shape)`. */
export interface Tensor<D extends FloatArray = FloatArray> {
  data: D;
  shape: number[];
}

export type FloatDType = 'float32' | 'float64';

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function tensor<D extends FloatArray>(data: D, shape: number[]): Tensor<D> {
  if (data.length !== numel(shape)) {
    throw new RangeError(`tensor: data has ${data.length} elements but shape [${shape.join(', ')}] needs ${numel(shape)}`);
  }
  return { data, shape: [...shape] };
}

export function zeros(shape: number[], dtype: FloatDType = 'float32'): Tensor {
  const n = numel(shape);
  return { data: dtype === 'float64' ? new Float64Array(n) : new Float32Array(n), shape: [...shape] };
}

export function dtypeOf(t: Tensor): FloatDType {
  return t.data instanceof Float64Array ? 'float64' : 'float32';
}

export function allocFloat(dtype: FloatDType, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** Rows [start, end) of a tensor along its first axis (a copy). */
export function sliceRows<D extends FloatArray>(t: Tensor<D>, start: number, end: number): Tensor<D> {
  const row = numel(t.shape.slice(1));
  return { data: t.data.slice(start * row, end * row) as D, shape: [end - start, ...t.shape.slice(1)] };
}

/** Gather rows by index along the first axis. */
export function gatherRows<D extends FloatArray>(t: Tensor<D>, idx: ArrayLike<number>): Tensor<D> {
  const row = numel(t.shape.slice(1));
  const Ctor = t.data.constructor as new (n: number) => D;
  const out = new Ctor(idx.length * row);
  for (let i = 0; i < idx.length; i++) out.set(t.data.subarray(idx[i]! * row, (idx[i]! + 1) * row), i * row);
  return { data: out, shape: [idx.length, ...t.shape.slice(1)] };
}
