import { GeolensError } from '../errors.js';
import { labelsToClasses } from './labels.js';
import type { Dataset } from './types.js';

export interface CsvOptions {
  /** Name used in error messages and `source` (the file path when loading from disk). */
  name?: string;
  /**
   * The label column: a header name, or a 0-based index (negative counts from the end). Default: a header column
   * named label/class/target/y, else the one non-numeric column, else (without a header) the last column.
   */
  label?: string | number;
  /** Whether the first row is a header. Default: detected (see {@link parseCsv}). */
  header?: boolean;
  /** Field delimiter. Default: sniffed among `,` `;` tab `|` (see {@link sniffDelimiter}). */
  delimiter?: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** A number written with a decimal comma (1,198 or -0,5e3), optionally with '.' or thin-space thousands (1.234,5). */
const DECIMAL_COMMA = /^[+-]?(\d{1,3}([. \u202f]\d{3})+|\d+)?,\d+([eE][+-]?\d+)?$/;

function isNumeric(cell: string): boolean {
  return NUMBER.test(cell);
}

/** The value of a numeric cell (decimal point, or a decimal comma in a decimal-comma file), else NaN. */
function numberOf(cell: string, decimalComma: boolean): number {
  if (NUMBER.test(cell)) return Number(cell);
  if (decimalComma && DECIMAL_COMMA.test(cell)) return Number(cell.replace(/[. \u202f]/g, '').replace(',', '.'));
  return NaN;
}

/** Header names that mark the label column (compared case-insensitively). */
export const LABEL_COLUMN_NAMES: readonly string[] = ['label', 'labels', 'class', 'classes', 'target', 'y', 'category'];
/** Header names of a leading index column (pandas writes '' or 'Unnamed: 0'). */
const INDEX_COLUMN_NAMES = new Set(['', 'unnamed: 0', 'index', 'id', 'idx']);

/** Split text into rows of trimmed cells; double-quoted fields may hold delimiters, newlines and "" escapes. */
function splitRows(text: string, delim: string, name: string, maxRows = Infinity): { cells: string[]; line: number }[] {
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
  for (let i = 0; i < text.length && rows.length < maxRows; i++) {
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
  if (rows.length >= maxRows || maxRows !== Infinity) return rows;
  if (inQuotes) throw new GeolensError('BAD_FILE', `${name}: line ${rowLine}: unterminated quoted field`);
  endRow();
  return rows;
}

/**
 * Sniff the delimiter from the first 20 rows: among , ; tab | the one that splits every row into the same number (> 1)
 * of cells; ties go to the one whose cells read as numbers more often (decimal commas count for ; tab |), then to
 * the one with more cells.
 */
export function sniffDelimiter(text: string): string {
  let best = ',';
  let bestScore = [-1, -1, -1];
  for (const d of [',', ';', '\t', '|']) {
    const rows = splitRows(text, d, '', 20).map((r) => r.cells);
    if (rows.length === 0) continue;
    const w = rows[0]!.length;
    const consistent = w > 1 && rows.every((r) => r.length === w) ? 1 : 0;
    const cells = rows.slice(1).flat();
    const numeric = cells.length ? cells.filter((c) => Number.isFinite(numberOf(c, d !== ','))).length / cells.length : 0;
    const score = [consistent, numeric, w];
    if (score[0]! > bestScore[0]! || (score[0] === bestScore[0] && (score[1]! > bestScore[1]! + 1e-9 || (Math.abs(score[1]! - bestScore[1]!) <= 1e-9 && score[2]! > bestScore[2]!)))) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

const showDelim = (d: string): string => (d === '\t' ? 'tab' : `'${d}'`);

/**
 * Parse a CSV table: one sample per row, numeric feature columns and one label column. Accepts a string or UTF-8
 * bytes. Rules:
 * - Delimiter: sniffed among , ; tab | ({@link sniffDelimiter}) unless given. Decimal commas (1,198; 1.234,5) are
 *   read as decimal numbers when the delimiter is not a comma (or inside quotes), and said so in `notes`.
 * - Header: taken as present when some column holds a non-number in the first row but a number in the second, or
 *   when `label` names a cell of the first row; override with `header`.
 * - Label column: `label` by name or index (negative from the end). Otherwise a header column named label, class,
 *   target or y (any case; {@link LABEL_COLUMN_NAMES}), wherever it stands; else the one column that is not numeric;
 *   else, without a header, the last column. A header that names no label column among several numeric ones is a
 *   BAD_ARGUMENT error saying how to name it (`#label=<column>`).
 * - A leading index column (pandas' unnamed index, a column named index/id holding increasing integers, or without
 *   a header the integers 0..n−1 or 1..n) is dropped, with a note.
 * - Labels become classes by {@link labelsToClasses} (strings in sorted order, 1..K shifted to 0..K−1, …; the mapping
 *   in `classNames` and `notes`).
 * - Every feature cell must be a finite number: empty cells, NaN, inf or text are `BAD_FILE` errors naming the line
 *   and the column. Rows of the wrong length are errors too. Blank lines are skipped.
 */
export function parseCsv(input: string | Uint8Array, options: CsvOptions = {}): Dataset {
  const name = options.name ?? '<csv data>';
  let text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const notes: string[] = [];
  const delim = options.delimiter ?? sniffDelimiter(text);
  const rows = splitRows(text, delim, name);
  if (rows.length === 0) throw new GeolensError('BAD_FILE', `${name}: the CSV file is empty`);
  const width = rows[0]!.cells.length;
  for (const r of rows) {
    if (r.cells.length !== width) {
      throw new GeolensError('BAD_FILE', `${name}: line ${r.line} has ${r.cells.length} columns but line ${rows[0]!.line} has ${width} (delimiter ${showDelim(delim)}${options.delimiter === undefined ? ', sniffed; set another with #delimiter=comma|semicolon|tab' : ''})`);
    }
  }
  if (width < 2) {
    throw new GeolensError('BAD_FILE', `${name}: need at least two columns (features and a label), found ${width} using delimiter ${showDelim(delim)}`);
  }
  if (options.delimiter === undefined && delim !== ',') notes.push(`delimiter ${showDelim(delim)} (sniffed)`);
  const decimalComma = rows.some((r) => r.cells.some((c) => !NUMBER.test(c) && DECIMAL_COMMA.test(c)));
  const num = (c: string): boolean => Number.isFinite(numberOf(c, decimalComma));
  const first = rows[0]!.cells;
  // a label given as an integer (also as a string, as specs pass it) is a column index, never a header name
  const labelIsIndex = typeof options.label === 'number' || /^-?\d+$/.test(options.label ?? '');
  let header: boolean;
  if (options.header !== undefined) header = options.header;
  else if (typeof options.label === 'string' && !labelIsIndex && first.includes(options.label)) header = true;
  else header = rows.length > 1 && first.some((c, j) => !num(c) && num(rows[1]!.cells[j]!));
  const names = header ? first : first.map((_, j) => `column ${j}`);
  const body = header ? rows.slice(1) : rows;
  if (body.length === 0) throw new GeolensError('BAD_FILE', `${name}: the CSV file has a header but no data rows`);
  const colName = (j: number): string => (header ? `column '${names[j]}' (${j})` : `column ${j}`);
  const numericCol = (j: number): boolean => body.every((r) => num(r.cells[j]!));

  let labelCol: number;
  const lab = options.label;
  if (lab !== undefined && (typeof lab === 'number' || labelIsIndex)) {
    const i = Number(lab);
    labelCol = i < 0 ? width + i : i;
    if (!Number.isInteger(i) || labelCol < 0 || labelCol >= width) {
      throw new GeolensError('BAD_ARGUMENT', `${name}: label column index ${lab} is outside the ${width} columns`);
    }
  } else if (lab !== undefined) {
    labelCol = header ? first.indexOf(lab) : -1;
    if (labelCol < 0) {
      throw new GeolensError(
        'BAD_ARGUMENT',
        header
          ? `${name}: no column named '${lab}'; the header has: ${first.join(', ')}`
          : `${name}: no column named '${lab}': the file has no header row; give the label column by index`,
      );
    }
  } else {
    const named = header ? first.flatMap((c, j) => (LABEL_COLUMN_NAMES.includes(c.trim().toLowerCase()) ? [j] : [])) : [];
    const text = Array.from({ length: width }, (_, j) => j).filter((j) => !numericCol(j));
    if (named.length > 1) {
      throw new GeolensError('BAD_ARGUMENT', `${name}: several columns could be the label (${named.map((j) => `'${first[j]}'`).join(', ')}); name the one to use: csv:<file>#label=<column>`);
    }
    if (named.length === 1) labelCol = named[0]!;
    else if (text.length === 1) {
      labelCol = text[0]!;
      notes.push(`${colName(labelCol)} is the only column that is not numeric: taken as the label`);
    } else if (!header) {
      labelCol = width - 1;
      if (width > 2) notes.push(`no header: the last column is the label (choose another with #label=<index>)`);
    } else {
      throw new GeolensError(
        'BAD_ARGUMENT',
        `${name}: cannot tell which column holds the labels: no header column is named ${LABEL_COLUMN_NAMES.slice(0, 6).join(', ')}${text.length > 1 ? `, and ${text.length} columns are not numeric` : ''}. Name it in the spec: csv:<file>#label=<column name or index> (columns: ${first.slice(0, 12).join(', ')}${width > 12 ? ', …' : ''}).`,
      );
    }
  }

  // a leading index column (pandas' DataFrame.to_csv writes one unless index=False)
  let dropped = -1;
  if (labelCol !== 0 && width > 2 && numericCol(0)) {
    const v = body.map((r) => numberOf(r.cells[0]!, decimalComma));
    const ints = v.every((x) => Number.isInteger(x));
    const increasing = ints && v.every((x, i) => i === 0 || x > v[i - 1]!);
    const distinct = ints && new Set(v).size === v.length;
    const range = ints && (v.every((x, i) => x === i) || v.every((x, i) => x === i + 1));
    const h = header ? first[0]!.trim().toLowerCase() : undefined;
    if ((h === '' || h === 'unnamed: 0' || h === 'index') && distinct) dropped = 0;
    else if ((h === 'id' || h === 'idx') && increasing) dropped = 0;
    else if (h === undefined && range && body.length >= 3) dropped = 0;
    if (dropped === 0) notes.push(`${colName(0)} holds ${range ? `the row numbers ${v[0]}..${v[v.length - 1]}` : 'distinct integers'}: taken as an index column and dropped (keep it as a feature with #label=… and a header naming it)`);
  }
  if (decimalComma) notes.push(`decimal commas read as decimal points (e.g. ${body.flatMap((r) => r.cells).find((c) => !NUMBER.test(c) && DECIMAL_COMMA.test(c))} = ${numberOf(body.flatMap((r) => r.cells).find((c) => !NUMBER.test(c) && DECIMAL_COMMA.test(c))!, true)})`);

  const n = body.length;
  const p = width - 1 - (dropped >= 0 ? 1 : 0);
  const x = new Float32Array(n * p);
  const rawLabels: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const { cells, line } = body[i]!;
    let k = 0;
    for (let j = 0; j < width; j++) {
      const c = cells[j]!;
      if (j === labelCol) {
        if (c === '') throw new GeolensError('BAD_FILE', `${name}: line ${line}, ${colName(j)}: empty label`);
        rawLabels[i] = decimalComma && !NUMBER.test(c) && DECIMAL_COMMA.test(c) ? String(numberOf(c, true)) : c;
        continue;
      }
      if (j === dropped) continue;
      const v = numberOf(c, decimalComma);
      if (Number.isNaN(v)) {
        const what =
          c === ''
            ? 'empty cell'
            : /^[+-]?(nan|inf(inity)?)$/i.test(c)
              ? `'${c}' is not a finite number`
              : /^[+-]?\d+,\d+$/.test(c) && delim === ','
                ? `'${c}' is not a number (a decimal comma in a comma-separated file is ambiguous: quote the cell, or use ';' as the delimiter)`
                : `'${c}' is not a number`;
        throw new GeolensError('BAD_FILE', `${name}: line ${line}, ${colName(j)}: ${what}; fill in or remove the row`);
      }
      if (!Number.isFinite(v) || Math.abs(v) > 3.4028234663852886e38) {
        throw new GeolensError('BAD_FILE', `${name}: line ${line}, ${colName(j)}: '${c}' overflows float32`);
      }
      x[i * p + k++] = v;
    }
  }
  const labels = labelsToClasses(rawLabels, `${name}, ${colName(labelCol)}`);
  notes.push(...labels.notes.map((note) => `${colName(labelCol)}: ${note}`));
  const ds: Dataset = {
    name: 'csv',
    x: { data: x, shape: [n, p] },
    y: labels.y,
    numClasses: labels.numClasses,
    sampleShape: [p],
    source: name,
  };
  if (labels.classNames) ds.classNames = labels.classNames;
  if (notes.length) ds.notes = notes;
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
