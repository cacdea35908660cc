/** Einsum equations: parsing (ellipsis expanded to letters) and output shapes, for shape inference and autodiff. */
import { GeolensError } from '../errors.js';
import type { Dim } from './proto.js';

export interface EinsumTerms {
  inputs: string[];
  output: string;
}

/**
 * Parse an einsum equation into one letter string per operand and the output's, with '...' replaced by fresh
 * capital letters (as many as the operand's rank beyond its letters; right-aligned across operands). Implicit output
 * (no '->'): the letters that appear once, in alphabetical order, after the ellipsis letters.
 */
export function parseEinsum(equation: string, ranks: number[], where = 'Einsum'): EinsumTerms {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== ranks.length) throw new GeolensError('BAD_MODEL', `${where}: equation '${equation}' has ${terms.length} operands but the node has ${ranks.length} inputs.`);
  const ell = Math.max(0, ...terms.map((t, i) => (t.includes('...') ? ranks[i]! - t.replace('...', '').length : 0)));
  // letters for the ellipsis dims that the equation does not use
  const free = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'].filter((c) => !eq.includes(c));
  const fresh = free.slice(0, ell);
  const expand = (t: string, rank?: number): string => {
    if (!t.includes('...')) return t;
    const n = rank === undefined ? ell : rank - t.replace('...', '').length;
    return t.replace('...', fresh.slice(ell - n).join(''));
  };
  const inputs = terms.map((t, i) => expand(t, ranks[i]));
  let output: string;
  if (rhs !== undefined) output = expand(rhs);
  else {
    const counts = new Map<string, number>();
    for (const t of inputs) for (const c of t) counts.set(c, (counts.get(c) ?? 0) + 1);
    output = fresh.join('') + [...counts].filter(([c, k]) => k === 1 && !fresh.includes(c)).map(([c]) => c).sort().join('');
  }
  return { inputs, output };
}

/** The output shape of an einsum (dims of each letter from the operands). */
export function einsumShape(t: EinsumTerms, shapes: Dim[][]): Dim[] {
  const dim = new Map<string, Dim>();
  t.inputs.forEach((s, i) => [...s].forEach((c, j) => {
    const d = shapes[i]![j] ?? null;
    const prev = dim.get(c);
    if (prev === undefined || prev === 1 || (prev === null && d !== null)) dim.set(c, d);
  }));
  return [...t.output].map((c) => dim.get(c) ?? null);
}

