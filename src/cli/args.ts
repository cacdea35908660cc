/** Flag parsing for the CLI commands (node:util parseArgs, with usage errors that list the valid choices). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GeolensError } from '../errors.js';

/** A command's flags; a `multiple` string flag may be repeated and its values come back in `lists`, not `values`. */
export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean; help: string; choices?: readonly string[]; multiple?: boolean; placeholder?: string }>;

export class UsageError extends GeolensError {
  constructor(message: string) {
    super('BAD_ARGUMENT', message);
    this.name = 'UsageError';
  }
}

export function usage(command: string, summary: string, flags: FlagSpec): string {
  const lines = [`usage: geolens ${command} [options]`, '', summary, '', 'options:'];
  for (const [name, f] of Object.entries(flags)) {
    const left = `  --${name}${f.type === 'string' ? ` <${f.placeholder ?? 'value'}>` : ''}`;
    const choices = f.choices ? ` (one of: ${f.choices.join(', ')})` : '';
    const dflt = f.default !== undefined && f.default !== false ? ` [default: ${f.default}]` : '';
    lines.push(`${left.padEnd(28)} ${f.help}${choices}${dflt}`);
  }
  return lines.join('\n');
}

/**
 * Parse argv against the spec; unknown flags, missing values and bad choices throw a UsageError. Repeatable
 * (`multiple`) flags come back in `lists` (every value given, in order; [] when absent).
 */
export function parseFlags(command: string, argv: string[], flags: FlagSpec): { values: Record<string, string | boolean | undefined>; positionals: string[]; lists: Record<string, string[]> } {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, f] of Object.entries(flags)) {
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[]; lists: Record<string, string[]> };
  try {
    const raw = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
    const lists: Record<string, string[]> = {};
    for (const [name, f] of Object.entries(flags)) {
      if (!f.multiple) continue;
      lists[name] = (raw.values[name] as string[] | undefined) ?? [];
      delete raw.values[name];
    }
    parsed = { values: raw.values as Record<string, string | boolean | undefined>, positionals: raw.positionals, lists };
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`geolens ${command}: ${msg}\nvalid options: ${Object.keys(flags).map((f) => '--' + f).join(' ')}\n(run 'geolens ${command} --help' for details)`);
  }
  for (const [name, f] of Object.entries(flags)) {
    if (parsed.values[name] === undefined && f.default !== undefined) parsed.values[name] = f.default;
    const v = parsed.values[name];
    if (f.choices && typeof v === 'string' && !f.choices.includes(v)) {
      throw new UsageError(`geolens ${command}: --${name} '${v}' is not valid; choose one of: ${f.choices.join(', ')}.`);
    }
  }
  return parsed;
}

export function numberFlag(command: string, name: string, v: string | boolean | undefined, opts: { integer?: boolean; min?: number; max?: number } = {}): number {
  const n = Number(v);
  const ok = typeof v === 'string' && v.trim() !== '' && Number.isFinite(n) && (!opts.integer || Number.isInteger(n)) && (opts.min === undefined || n >= opts.min) && (opts.max === undefined || n <= opts.max);
  if (!ok) {
    const range = [opts.min !== undefined ? `≥ ${opts.min}` : '', opts.max !== undefined ? `≤ ${opts.max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(`geolens ${command}: --${name} '${String(v)}' must be ${opts.integer ? 'an integer' : 'a number'}${range ? ' ' + range : ''}.`);
  }
  return n;
}

/** `100x8` → eight layers of width 100; `256,128` → two layers; `64x2,32` mixes both. */
export function parseWidths(command: string, spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^(\d+)(?:x(\d+))?$/.exec(part.trim());
    if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1)) {
      throw new UsageError(`geolens ${command}: --widths '${spec}' is not valid; write e.g. 100x8 (eight layers of 100) or 256,256.`);
    }
    for (let i = 0; i < Number(m[2] ?? 1); i++) out.push(Number(m[1]));
  }
  return out;
}
