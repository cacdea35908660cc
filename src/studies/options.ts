/**
 * Options of the probes in an analysis: each registry entry declares its main options (`AnalysisProbe.options`: type,
 * range, default, meaning), and this module reads them from `<probe>.<key>=<value>` assignments (the CLI's `--set`),
 * checks options given by a library caller, and writes the help text. Every bad name or value is a BAD_ARGUMENT that
 * says what is valid.
 */
import { GeolensError } from '../errors.js';
import { ANALYSIS_PROBES } from './probes/index.js';
import type { AnalysisProbe, ProbeOptions, ProbeOptionSpec } from './types.js';

function bad(message: string): never {
  throw new GeolensError('BAD_ARGUMENT', message);
}

/** 'max-checkpoints' → 'maxCheckpoints' (the command line may write a key either way). */
export const camelKey = (key: string): string => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The valid range or choices of an option in words: 'an integer ≥ 2', 'a number in (0, 1)', 'one of: linear, log'. */
export function describeOption(spec: ProbeOptionSpec): string {
  if (spec.type === 'boolean') return 'true or false';
  if (spec.type === 'string') return 'text';
  if (spec.type === 'choice') return `one of: ${(spec.choices ?? []).join(', ')}`;
  const what = spec.type === 'integer' ? 'an integer' : 'a number';
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) return `${what} in ${spec.minExclusive ? '(' : '['}${min}, ${max}${spec.maxExclusive ? ')' : ']'}`;
  if (min !== undefined) return `${what} ${spec.minExclusive ? '>' : '≥'} ${min}`;
  if (max !== undefined) return `${what} ${spec.maxExclusive ? '<' : '≤'} ${max}`;
  return what;
}

function inRange(v: number, s: ProbeOptionSpec): boolean {
  if (s.min !== undefined && (s.minExclusive ? !(v > s.min) : !(v >= s.min))) return false;
  if (s.max !== undefined && (s.maxExclusive ? !(v < s.max) : !(v <= s.max))) return false;
  return true;
}

/** The spec of `probe.key`. Errors: BAD_ARGUMENT naming the valid probes or keys. */
function specOf(registry: ReadonlyMap<string, AnalysisProbe>, probe: string, key: string): ProbeOptionSpec {
  const entry = registry.get(probe);
  if (!entry) bad(`unknown probe '${probe}'; choose from: ${[...registry.keys()].join(', ')}.`);
  const options = entry.options ?? {};
  const spec = options[camelKey(key)];
  if (!spec) {
    const keys = Object.keys(options);
    bad(`the ${probe} probe has no option '${key}'; ${keys.length ? `its options: ${keys.join(', ')}` : 'it takes no options'}.`);
  }
  return spec;
}

/** A value given as text, typed and checked against its spec. Errors: BAD_ARGUMENT with the valid range. */
export function parseOptionValue(name: string, spec: ProbeOptionSpec, text: string): string | number | boolean {
  const t = text.trim();
  const fail = (): never => bad(`${name} '${text}' is not valid; it must be ${describeOption(spec)}.`);
  switch (spec.type) {
    case 'boolean':
      if (t === 'true' || t === 'false') return t === 'true';
      return fail();
    case 'choice':
      return spec.choices?.includes(t) ? t : fail();
    case 'string':
      return t !== '' ? t : fail();
    default: {
      const v = Number(t);
      if (t === '' || !Number.isFinite(v) || (spec.type === 'integer' && !Number.isInteger(v)) || !inRange(v, spec)) return fail();
      return v;
    }
  }
}

/**
 * Options per probe from `<probe>.<key>=<value>` assignments (keys in camelCase or kebab-case), each typed and
 * checked; a later assignment of the same key wins. Errors: BAD_ARGUMENT for a malformed assignment, an unknown
 * probe or key, or a value out of its range.
 */
export function parseProbeOptions(assignments: readonly string[], registry: ReadonlyMap<string, AnalysisProbe> = ANALYSIS_PROBES): Record<string, ProbeOptions> {
  const out: Record<string, ProbeOptions> = {};
  for (const a of assignments) {
    const m = /^\s*([A-Za-z][\w-]*)\.([A-Za-z][\w-]*)\s*=(.*)$/s.exec(a);
    if (!m) bad(`'${a}' is not an option assignment; write <probe>.<key>=<value>, e.g. dim.n=128.`);
    const [, probe, key, text] = m as unknown as [string, string, string, string];
    const spec = specOf(registry, probe, key);
    (out[probe] ??= {})[camelKey(key)] = parseOptionValue(`${probe}.${camelKey(key)}`, spec, text);
  }
  return out;
}

/**
 * Check options given by a library caller against the probes' specs (probes without declared options take anything).
 * Errors: BAD_ARGUMENT for an unknown probe or key, or a value of the wrong type or out of its range.
 */
export function checkProbeOptions(options: Readonly<Record<string, ProbeOptions>>, registry: ReadonlyMap<string, AnalysisProbe> = ANALYSIS_PROBES): void {
  for (const [probe, opts] of Object.entries(options)) {
    const entry = registry.get(probe);
    if (!entry) bad(`options for unknown probe '${probe}'; choose from: ${[...registry.keys()].join(', ')}.`);
    if (!entry.options) continue;
    for (const [key, v] of Object.entries(opts)) {
      const spec = specOf(registry, probe, key);
      const name = `${probe}.${key}`;
      const ok =
        spec.type === 'boolean' ? typeof v === 'boolean'
        : spec.type === 'string' ? typeof v === 'string' && v.trim() !== ''
        : spec.type === 'choice' ? typeof v === 'string' && (spec.choices ?? []).includes(v)
        : typeof v === 'number' && Number.isFinite(v) && (spec.type !== 'integer' || Number.isInteger(v)) && inRange(v, spec);
      if (!ok) bad(`${name} ${JSON.stringify(v)} is not valid; it must be ${describeOption(spec)}.`);
    }
  }
}

/** The options of every probe as help lines: '  dim.n  an integer ≥ 8 [default: 256]  points …'. */
export function probeOptionsHelp(registry: ReadonlyMap<string, AnalysisProbe> = ANALYSIS_PROBES): string[] {
  const rows: [string, string][] = [];
  for (const p of registry.values()) {
    for (const [key, s] of Object.entries(p.options ?? {})) rows.push([`${p.name}.${key}`, `${s.help}${s.type === 'string' ? '' : ` (${describeOption(s)})`} [default: ${s.default}]`]);
  }
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`);
}
