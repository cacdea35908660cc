/**
 * Labels as people have them → class indices 0..K−1, with the mapping recorded. One function for every loader
 * (CSV, NPY/NPZ), so the same labels give the same classes whatever the file format.
 */
import { GeolensError } from '../errors.js';

/** A label value as read from a file. */
export type LabelValue = string | number | boolean | bigint;

export interface LabelClasses {
  /** Class index per sample, 0..numClasses−1. */
  y: Int32Array;
  numClasses: number;
  /**
   * The original label of each class (class c ↔ classNames[c]) whenever the labels were not already the class
   * indices 0..K−1; undefined when they were.
   */
  classNames?: string[];
  /** What the mapping did, in words (recorded in a run and in probe results; empty when nothing was mapped). */
  notes: string[];
}

/** Most distinct non-integer numeric labels mapped to classes before they are taken for regression targets. */
const MAX_FLOAT_CLASSES = 256;

const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function listMapping(names: string[], offset = 0): string {
  const shown = names.slice(0, 8).map((n, i) => `${JSON.stringify(n)} → ${i + offset}`);
  return shown.join(', ') + (names.length > 8 ? `, … (${names.length} in all)` : '');
}

function unusedNote(counts: number[], what: string): string[] {
  const unused = counts.flatMap((c, i) => (c === 0 ? [i] : []));
  if (unused.length === 0) return [];
  const list = unused.length > 10 ? `${unused.slice(0, 10).join(', ')}, … (${unused.length} in all)` : unused.join(', ');
  return [`class${unused.length > 1 ? 'es' : ''} ${list} ${unused.length > 1 ? 'have' : 'has'} no samples (${what}); a model trained on these labels has ${counts.length} outputs, ${unused.length} of them never trained`];
}

/**
 * Map labels to class indices:
 * - integers 0..K−1 (also as floats with integer values, or strings of digits) are the classes themselves; classes
 *   without samples are reported in `notes`;
 * - integers 1..K (every value from 1 to K present, none 0) are shifted to 0..K−1 (classNames '1'…'K');
 * - other integers (negative ones, e.g. −1/+1), and numbers written as text (CSV cells; at most 256 distinct
 *   non-integer values) become classes in numeric order; booleans: false → 0, true → 1; strings (or a mix) become
 *   classes in sorted order; non-integer numbers (not text) are refused: labels are not regression targets;
 * `classNames` records the original label of each class whenever the labels were not already the class indices.
 * Throws BAD_FILE (naming `name` and the sample) for empty, NaN or infinite labels and for labels that look like
 * regression targets (more than 256 distinct non-integer values).
 */
export function labelsToClasses(values: readonly LabelValue[], name: string): LabelClasses {
  const n = values.length;
  if (n === 0) return { y: new Int32Array(0), numClasses: 1, notes: [] };
  const kinds = new Set(values.map((v) => typeof v));
  if (kinds.size === 1 && kinds.has('boolean')) {
    const y = Int32Array.from(values as boolean[], (v) => (v ? 1 : 0));
    return { y, numClasses: 2, classNames: ['false', 'true'], notes: ['boolean labels mapped to classes: false → 0, true → 1'] };
  }
  // numbers, or strings that all read as numbers
  const nums: number[] = [];
  let numeric = true;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let x: number;
    if (typeof v === 'number') x = v;
    else if (typeof v === 'bigint') x = Number(v);
    else if (typeof v === 'string' && NUM.test(v.trim())) x = Number(v.trim());
    else {
      numeric = false;
      break;
    }
    if (!Number.isFinite(x)) throw new GeolensError('BAD_FILE', `${name}: label ${String(v)} of sample ${i} is not a class (NaN or infinite); remove the sample or give it a label.`);
    nums.push(x);
  }
  if (numeric) {
    const allInt = nums.every((x) => Number.isInteger(x) && Math.abs(x) <= 2 ** 31 - 1);
    const stringInts = kinds.has('string') ? (values as string[]).every((s) => typeof s !== 'string' || INT.test(s.trim())) : true;
    if (allInt && stringInts) {
      let min = Infinity;
      let max = -Infinity;
      for (const x of nums) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
      if (min >= 0) {
        const counts = new Array<number>(max + 1).fill(0);
        for (const x of nums) counts[x]! += 1;
        if (min >= 1 && max >= 2 && counts.slice(1).every((c) => c > 0)) {
          const y = Int32Array.from(nums, (x) => x - 1);
          return { y, numClasses: max, classNames: Array.from({ length: max }, (_, i) => String(i + 1)), notes: [`labels 1..${max} mapped to classes 0..${max - 1} (class c is label c + 1)`] };
        }
        return { y: Int32Array.from(nums), numClasses: max + 1, notes: unusedNote(counts, `the labels run from ${min} to ${max}`) };
      }
    }
    if (!allInt && !kinds.has('string')) {
      const i = nums.findIndex((x) => !Number.isInteger(x));
      throw new GeolensError('BAD_FILE', `${name}: label ${nums[i]} at index ${i} is not a whole number; class labels are integers (floats with whole values such as 3.0 are fine) or strings. If these numbers name categories, save them as strings (np.save(path, y.astype(str))).`);
    }
    const distinct = [...new Set(nums)].sort((a, b) => a - b);
    if (!allInt && distinct.length > MAX_FLOAT_CLASSES) {
      throw new GeolensError('BAD_FILE', `${name}: the labels take ${distinct.length} distinct non-integer values (e.g. ${distinct.slice(0, 3).join(', ')}): they look like regression targets, not classes. geolens measures classifiers; give class labels.`);
    }
    const index = new Map(distinct.map((v, i) => [v, i]));
    const classNames = distinct.map((v) => String(v));
    return { y: Int32Array.from(nums, (x) => index.get(x)!), numClasses: distinct.length, classNames, notes: [`${allInt ? 'integer' : 'numeric'} labels mapped to classes in numeric order: ${listMapping(classNames)}`] };
  }
  const strs = values.map((v, i) => {
    const s = typeof v === 'string' ? v : String(v);
    if (s.trim() === '') throw new GeolensError('BAD_FILE', `${name}: sample ${i} has an empty label; remove the sample or give it a label.`);
    return s;
  });
  const distinct = [...new Set(strs)].sort();
  const index = new Map(distinct.map((s, i) => [s, i]));
  return { y: Int32Array.from(strs, (s) => index.get(s)!), numClasses: distinct.length, classNames: distinct, notes: [`string labels mapped to classes in sorted order: ${listMapping(distinct)}`] };
}
