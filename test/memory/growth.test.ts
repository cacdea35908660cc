/**
 * Memory does not grow with the number of batches processed (issue 9): the DIM probe's Jacobian work and training
 * steps, each in a fresh child process (test/memory/growth-child.ts), run N batches after a warm-up of N, then N
 * more; the resident memory after 2N may exceed the one after N by at most BOUND. A leak of L bytes per batch shows
 * as N·L. The control runs the same child keeping a Jacobian-sized tensor (or a weight snapshot) per batch and must
 * be caught, so this test can fail.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'growth-child.ts');
const MB = 1024 * 1024;
/** The allowed growth of resident memory between N and 2N batches. */
const BOUND = 20 * MB;
const linux = process.platform === 'linux';

async function growth(work: 'dim' | 'train', n: number, leak = false): Promise<{ growth: number; rss: number[] }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, work, String(n), ...(leak ? ['leak'] : [])], { timeout: 120_000, maxBuffer: 4 * MB });
  const { rss } = JSON.parse(stdout.trim().split('\n').pop()!) as { rss: number[] };
  return { growth: rss[2]! - rss[1]!, rss };
}

const show = (r: { rss: number[] }): string => r.rss.map((v) => (v / MB).toFixed(1)).join(' → ') + ' MB';

for (const [work, n, what] of [['dim', 24, 'batches of the DIM Jacobian work (B = 64)'], ['train', 40, 'training steps (batch 64)']] as const) {
  test(`memory: ${n} more ${what} do not grow the resident memory by ${BOUND / MB} MB`, { skip: !linux && 'reads /proc/self/status' }, async () => {
    const r = await growth(work, n);
    assert.ok(r.growth < BOUND, `RSS after warm-up, N, 2N: ${show(r)}; grew ${(r.growth / MB).toFixed(1)} MB over ${n} batches`);
  });
  test(`memory: the ${work} check catches a deliberate leak (a retained tensor per batch)`, { skip: !linux && 'reads /proc/self/status' }, async () => {
    const r = await growth(work, n, true);
    assert.ok(r.growth >= BOUND, `the leaking child grew only ${(r.growth / MB).toFixed(1)} MB (${show(r)}); the bound cannot see a leak`);
  });
}
