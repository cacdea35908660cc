import { GeolensError } from '../errors.js';
import type { Dataset } from './types.js';

export interface CsvOptions {
  /** Name used in error messages and `source` (the file path when loading from disk). */
  name?: string;
  /**
   * The label column: a header name, or a 0-based index (negative counts from the end). Default: the last column.
   */
  label?: string | number;
  /** Whether the first row is a header. Default: detected (see {@link parseCsv}). */
  header?: boolean;
  /** Field delimiter. Default: detected from the first line among `,` `;` tab. */
  delimiter?: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function isNumeric(cell: string): boolean {
  return NUMBER.test(cell);
}

/** Split text into rows of trimmed cells; double-quoted fields may hold delimiters, newlines and "" escapes. */
function splitRows(text: string, delim: string, name: string): { cells: string[]; line: number }[] {
  const rows: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let inQuotes = false;
  let quoted = false;
  const endCell = (): void => {
    cells.push(quoted ? cell : cell.trim());
    cell = '';
    quoted = false;
  };
  const endRow = (): void => {
    endCell();
    if (!(cells.length === 1 && cells[0] === '' )) rows.push({ cells, line: rowLine });
    cells = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell.trim() === '') {
      inQuotes = true;
      quoted = true;
      cell = '';
    } else if (ch === delim) endCell();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else cell += ch;
  }
  if (inQuotes) throw new GeolensError('BAD_FILE', `${name}: line ${rowLine}: unterminated quoted field`);
  endRow();
  return rows;
}

function detectDelimiter(text: string): string {
  const first = text.slice(0, Math.max(0, text.indexOf('\n')) || text.length);
  let best = ',';
  let bestCount = 0;
  for (const d of [',', '\t', ';']) {
    const c = first.split(d).length - 1;
    if (c > bestCount) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}

/**
 * Parse a CSV table: one sample per row, numeric feature columns and one label column. Accepts a string or UTF-8
 * bytes. Rules:
 * - Header: taken as present when some column holds a non-number in the first row but a number in the second, or
 *   when `label` names a cell of the first row; override with `header`.
 * - Label column: `label` by name or index (negative from the end), default the last column. Labels that are all
 *   integers ≥ 0 are used as class indices (numClasses = max + 1); otherwise each distinct value becomes a class,
 *   in sorted order (numeric order when all are numbers), and `classNames` lists them.
 * - Every feature cell must be a finite decimal number: empty cells, NaN, inf or text are `BAD_FILE` errors naming
 *   the line and the column. Rows of the wrong length are errors too. Blank lines are skipped.
 */
export function parseCsv(input: string | Uint8Array, options: CsvOptions = {}): Dataset {
  const name = options.name ?? '<csv data>';
  let text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delim = options.delimiter ?? detectDelimiter(text);
  const rows = splitRows(text, delim, name);
  if (rows.length === 0) throw new GeolensError('BAD_FILE', `${name}: the CSV file is empty`);
  const width = rows[0]!.cells.length;
  for (const r of rows) {
    if (r.cells.length !== width) {
      throw new GeolensError('BAD_FILE', `${name}: line ${r.line} has ${r.cells.length} columns but line ${rows[0]!.line} has ${width}`);
    }
  }
  if (width < 2) {
    throw new GeolensError('BAD_FILE', `${name}: need at least two columns (features and a label), found ${width} using delimiter '${delim === '\t' ? '\\t' : delim}'`);
  }
  const first = rows[0]!.cells;
  // a label given as an integer (also as a string, as specs pass it) is a column index, never a header name
  const labelIsIndex = typeof options.label === 'number' || /^-?\d+$/.test(options.label ?? '');
  let header: boolean;
  if (options.header !== undefined) header = options.header;
  else if (typeof options.label === 'string' && !labelIsIndex && first.includes(options.label)) header = true;
  else header = rows.length > 1 && first.some((c, j) => !isNumeric(c) && isNumeric(rows[1]!.cells[j]!));
  const names = header ? first : first.map((_, j) => `column ${j}`);
  const body = header ? rows.slice(1) : rows;
  if (body.length === 0) throw new GeolensError('BAD_FILE', `${name}: the CSV file has a header but no data rows`);

  let labelCol: number;
  const lab = options.label ?? -1;
  if (typeof lab === 'number' || labelIsIndex) {
    const i = Number(lab);
    labelCol = i < 0 ? width + i : i;
    if (!Number.isInteger(i) || labelCol < 0 || labelCol >= width) {
      throw new GeolensError('BAD_ARGUMENT', `${name}: label column index ${lab} is outside the ${width} columns`);
    }
  } else {
    labelCol = header ? first.indexOf(lab) : -1;
    if (labelCol < 0) {
      throw new GeolensError(
        'BAD_ARGUMENT',
        header
          ? `${name}: no column named '${lab}'; the header has: ${first.join(', ')}`
          : `${name}: no column named '${lab}': the file has no header row; give the label column by index`,
      );
    }
  }
  const colName = (j: number): string => (header ? `column '${names[j]}' (${j})` : `column ${j}`);

  const n = body.length;
  const p = width - 1;
  const x = new Float32Array(n * p);
  const rawLabels: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const { cells, line } = body[i]!;
    let k = 0;
    for (let j = 0; j < width; j++) {
      const c = cells[j]!;
      if (j === labelCol) {
        if (c === '') throw new GeolensError('BAD_FILE', `${name}: line ${line}, ${colName(j)}: empty label`);
        rawLabels[i] = c;
        continue;
      }
      if (!isNumeric(c)) {
        const what = c === '' ? 'empty cell' : /^[+-]?(nan|inf(inity)?)$/i.test(c) ? `'${c}' is not a finite number` : `'${c}' is not a number`;
        throw new GeolensError('BAD_FILE', `${name}: line ${line}, ${colName(j)}: ${what}; fill in or remove the row`);
      }
      const v = Number(c);
      if (!Number.isFinite(v) || Math.abs(v) > 3.4028234663852886e38) {
        throw new GeolensError('BAD_FILE', `${name}: line ${line}, ${colName(j)}: '${c}' overflows float32`);
      }
      x[i * p + k++] = v;
    }
  }

  let y = new Int32Array(n);
  let numClasses: number;
  let classNames: string[] | undefined;
  const asInt = rawLabels.map((s) => (/^\+?\d+$/.test(s) ? Number(s) : NaN));
  if (asInt.every((v) => Number.isSafeInteger(v) && v <= 2 ** 31 - 1)) {
    let max = 0;
    asInt.forEach((v, i) => {
      y[i] = v;
      if (v > max) max = v;
    });
    numClasses = max + 1;
  } else {
    const distinct = [...new Set(rawLabels)];
    if (distinct.every(isNumeric)) distinct.sort((a, b) => Number(a) - Number(b));
    else distinct.sort();
    const index = new Map(distinct.map((s, i) => [s, i]));
    y = Int32Array.from(rawLabels, (s) => index.get(s)!);
    numClasses = distinct.length;
    classNames = distinct;
  }
  const ds: Dataset = {
    name: 'csv',
    x: { data: x, shape: [n, p] },
    y,
    numClasses,
    sampleShape: [p],
    source: name,
  };
  if (classNames) ds.classNames = classNames;
  return ds;
}

/** Write a dataset with 1-D samples as CSV (header `f0,…,f{p-1},label`), the inverse of {@link parseCsv}. */
export function encodeCsv(ds: Dataset): string {
  const p = ds.x.data.length / Math.max(ds.y.length, 1);
  const lines = [[...Array.from({ length: p }, (_, j) => `f${j}`), 'label'].join(',')];
  for (let i = 0; i < ds.y.length; i++) {
    const row: string[] = [];
    for (let j = 0; j < p; j++) row.push(String(ds.x.data[i * p + j]));
    const label = ds.classNames ? ds.classNames[ds.y[i]!]! : String(ds.y[i]);
    row.push(/[",\n\r]/.test(label) ? `"${label.replace(/"/g, '""')}"` : label);
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}
