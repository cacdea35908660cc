/** Where probe results go: `<run>/results/<name>.json` (+ .svg plots), or next to an .onnx file / under --out. */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../models/node.js';
import type { ProbeTarget } from './target.js';

/** The results folder of a target: `--out` when given, else `<run>/results` or `<model folder>/<model>.results`. */
export function resultsDir(target: ProbeTarget, out?: string): string {
  if (out) return resolve(out);
  if (target.kind === 'run') return join(target.path, 'results');
  return join(dirname(resolve(target.path)), basename(target.path).replace(/\.onnx$/i, '') + '.results');
}

/** Write a JSON result and its plots atomically; returns the paths written. */
export async function writeResult(dir: string, name: string, result: unknown, plots: Record<string, string> = {}): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const json = join(dir, `${name}.json`);
  await writeFileAtomic(json, JSON.stringify(result, null, 2) + '\n');
  written.push(json);
  for (const [suffix, svg] of Object.entries(plots)) {
    const p = join(dir, `${name}${suffix ? '-' + suffix : ''}.svg`);
    await writeFileAtomic(p, svg);
    written.push(p);
  }
  return written;
}
