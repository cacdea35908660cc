import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Modules that must run unchanged in the browser (DESIGN.md): no Node-only imports outside `node.ts` adapters. */
const BROWSER_SAFE = ['src/onnx', 'src/autodiff', 'src/models', 'src/probes', 'src/linalg', 'src/data', 'src/train', 'src/report', 'src/util', 'src/engine'];
const NODE_ONLY = /from\s+['"](node:[\w/]+|fs|fs\/promises|path|os|zlib|child_process|worker_threads|onnxruntime-node)['"]/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('browser-safe modules import no Node-only API (file I/O and onnxruntime-node live in node.ts adapters)', () => {
  const offenders: string[] = [];
  for (const dir of BROWSER_SAFE) {
    for (const f of files(dir)) {
      if (f.endsWith('/node.ts')) continue;
      const m = NODE_ONLY.exec(readFileSync(f, 'utf8'));
      if (m) offenders.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual(offenders, []);
});
