/**
 * Explicit registration lists (gradient rules, analysis probes, report sections): a list in source order becomes a
 * map by name, and a second entry under a name already taken is refused when the module loads — two files that
 * claim one name are a bug to fix, not a choice to make silently.
 */
import { GeolensError } from '../errors.js';

/** Map the entries of `list` by `key`, in list order. Errors: BAD_ARGUMENT when two entries share a key. */
export function registry<T>(what: string, list: readonly T[], key: (entry: T) => string): ReadonlyMap<string, T> {
  const map = new Map<string, T>();
  for (const entry of list) {
    const k = key(entry);
    if (map.has(k)) throw new GeolensError('BAD_ARGUMENT', `${what}: '${k}' is registered twice; every entry needs its own name.`);
    map.set(k, entry);
  }
  return map;
}
