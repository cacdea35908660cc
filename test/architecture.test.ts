import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** Modules that must run unchanged in the browser (DESIGN.md): no Node-only imports outside `node.ts` / `*.node.ts` adapters. */
const BROWSER_SAFE = ['src/onnx', 'src/autodiff', 'src/models', 'src/probes', 'src/linalg', 'src/data', 'src/train', 'src/report', 'src/util', 'src/engine', 'src/measure', 'src/studies'];
const NODE_ONLY = /from\s+['"](node:[\w/]+|fs|fs\/promises|path|os|zlib|child_process|worker_threads|onnxruntime-node)['"]/;

/**
 * The street of DESIGN.md, from the ground up: a file may import only from its own room or from rooms further
 * down this list (data → model graph → engine → probe → result → report, with the CLI and the package faces on top).
 */
const STREET: string[][] = [
  ['src/util', 'src/tensor.ts', 'src/errors.ts', 'src/version.ts'],
  ['src/onnx'],
  ['src/data'],
  ['src/linalg'],
  ['src/models'],
  ['src/engine'],
  ['src/autodiff'],
  ['src/train'],
  ['src/measure'],
  ['src/probes'],
  ['src/studies'],
  ['src/report'],
  ['src/cli'],
  ['src/index.ts', 'src/node.ts'],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Floor of a source file on the street (the index in STREET); throws for a file in no room. */
function floorOf(file: string): number {
  const i = STREET.findIndex((rooms) => rooms.some((r) => file === r || file.startsWith(r + '/')));
  if (i < 0) throw new Error(`${file} is in no room of the street: add its folder to STREET in test/architecture.test.ts (and DESIGN.md)`);
  return i;
}

/** Relative imports of a source file (static `from '…'` and dynamic `import('…')`), resolved to .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    out.push(normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
  }
  return out;
}

const SRC = files('src').map((f) => relative('.', f));

test('browser-safe modules import no Node-only API (file I/O and onnxruntime-node live in node.ts adapters)', () => {
  const offenders: string[] = [];
  for (const dir of BROWSER_SAFE) {
    let list: string[];
    try {
      list = files(dir);
    } catch {
      continue; // a room not built yet
    }
    for (const f of list) {
      if (f.endsWith('/node.ts') || f.endsWith('.node.ts')) continue;
      const m = NODE_ONLY.exec(readFileSync(f, 'utf8'));
      if (m) offenders.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('one street: every import points to the same room or a room further down (no arrow back up or across)', () => {
  const offenders: string[] = [];
  for (const f of SRC) {
    const from = floorOf(f);
    for (const to of importsOf(f)) {
      const floor = floorOf(to);
      if (floor > from) offenders.push(`${f} (${STREET[from]![0]}) imports ${to} (${STREET[floor]![0]}), which stands higher on the street`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('no import cycles between source files', () => {
  const graph = new Map(SRC.map((f) => [f, importsOf(f).filter((t) => SRC.includes(t))]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
      return;
    }
    state.set(f, 'open');
    for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of SRC) visit(f, []);
  assert.deepEqual(cycles, []);
});

test('the street test sees real arrows: a probe imports the measure room, the CLI imports probes', () => {
  // guards the import scanner itself (a scanner that found no imports would pass the tests above vacuously)
  assert.ok(importsOf('src/probes/separation/run.ts').some((t) => t.startsWith('src/measure/')));
  assert.ok(importsOf('src/cli/probe-dim.ts').some((t) => t.startsWith('src/probes/dim/')));
  assert.equal(floorOf('src/measure/node.ts') < floorOf('src/probes/dim/run.ts'), true);
});

test('commands stay thin: every src/cli file holds at most 250 lines (the work is in library calls)', () => {
  const long = SRC.filter((f) => f.startsWith('src/cli/')).map((f) => [f, readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 250);
  assert.deepEqual(long, []);
});
