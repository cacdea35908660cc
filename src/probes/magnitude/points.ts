/**
 * Point clouds from arrays and text: an [n, d] NumPy array or a numeric table (CSV / TSV / whitespace), one point per
 * row, every column a coordinate (no label column: a point cloud is not a dataset).
 */
import { GeolensError } from '../../errors.js';
import type { NpyArray } from '../../data/npy.js';
import type { FloatArray, Tensor } from '../../tensor.js';

const bad = (message: string): never => {
  throw new GeolensError('BAD_FILE', message);
};

/** An [n, d] (or [n], read as [n, 1]) numeric NumPy array as a point cloud: float32 stays float32, the rest float64. */
export function npyToPoints(a: NpyArray, name: string): Tensor {
  if (a.shape.length !== 1 && a.shape.length !== 2) bad(`${name}: a point cloud is an array of shape (n, d), one point per row; got shape (${a.shape.join(', ')}).`);
  const [n, d] = a.shape.length === 1 ? [a.shape[0]!, 1] : (a.shape as [number, number]);
  let data: FloatArray;
  if (a.data instanceof Float32Array || a.data instanceof Float64Array) data = a.data;
  else if (a.data instanceof BigInt64Array) data = Float64Array.from(a.data, Number);
  else data = Float64Array.from(a.data as ArrayLike<number>);
  return { data, shape: [n, d] };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d*,\d+([eE][+-]?\d+)?$/;

/**
 * A numeric table as a point cloud [n, d] (float64). Delimiter: `;` if the first line has one, else tab, else `,`,
 * else whitespace; a first row with any non-number is a header and skipped; with `;` or tab as delimiter, decimal
 * commas (`1,5`) are read as decimal points. Every cell must be a finite number and every row as long as the
 * first: anything else is a BAD_FILE error naming the line and column.
 */
export function parsePointCloudCsv(text: string, name: string): Tensor<Float64Array> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r\n|\n|\r/);
  const firstLine = lines.find((l) => l.trim() !== '') ?? '';
  const delim = [';', '\t', ','].find((c) => firstLine.includes(c));
  const split = (l: string): string[] => (delim ? l.split(delim) : l.trim().split(/\s+/)).map((c) => c.trim());
  const decimalComma = delim === ';' || delim === '\t';
  const values: number[] = [];
  let d = -1;
  let n = 0;
  let header = false;
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const cells = split(line);
    const parsed = cells.map((c) => (NUMBER.test(c) ? Number(c) : decimalComma && DECIMAL_COMMA.test(c) ? Number(c.replace(',', '.')) : NaN));
    if (d < 0 && !header && parsed.some((v) => Number.isNaN(v))) {
      header = true; // a header row: names, not numbers
      d = cells.length;
      continue;
    }
    if (d < 0) d = cells.length;
    if (cells.length !== d) bad(`${name}: line ${i + 1} has ${cells.length} columns but the first row has ${d}; every point needs the same number of coordinates.`);
    parsed.forEach((v, j) => {
      if (!Number.isFinite(v)) bad(`${name}: line ${i + 1}, column ${j + 1}: '${cells[j]}' is not a finite number; a point cloud table holds numbers only (no label column).`);
      values.push(v);
    });
    n++;
  }
  if (n === 0) bad(`${name}: no rows of numbers; give one point per line, coordinates separated by commas.`);
  return { data: Float64Array.from(values), shape: [n, d] };
}
