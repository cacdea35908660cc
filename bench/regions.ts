/**
 * Exact linear regions vs dense activation-pattern sampling (`npm run bench:regions`; never a unit test).
 *
 * For a 4×64 ReLU MLP on (a) a 2-D input (the square [−2, 2]²) and (b) a 784-d input sliced by the plane through three
 * MNIST digits (test images 0, 1, 2; the default extent of `geolens probe regions`), both with seeded He weights and
 * N(0, 0.5²) biases, or the trained models of run directories given as arguments:
 *   exact  — geolens' float64 subdivision (`pwlProgram` + `subdivide`), single-threaded JS; after one warm-up,
 *            `--rounds` timed runs and one more after every grid (the load of a shared machine drifts), the median;
 *   grid   — the fairest peer: a G×G grid of cell centres over the same slice, its points built in JS and pushed through
 *            the model on onnxruntime in batches (all its intra-op threads) with every Relu output fetched, the activation
 *            pattern of each point hashed (two 32-bit lanes, a 53-bit key) and the distinct patterns counted.
 * G doubles from 64 until the grid finds as many patterns as the exact count (it can never find more: every grid
 * pattern is an exact region) or until a point or time cap; the grid time at equal count over the exact time is the
 * speed-up (a lower bound "≥" when the cap stopped the grid first).
 *
 *   npm run bench:regions -- [--threads N] [--rounds R] [--max-grid G] [--grid-seconds S] [run-dir …]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../src/data/node.js';
import type { Dataset } from '../src/data/types.js';
import { createNodeEngine } from '../src/engine/node.js';
import type { Engine } from '../src/engine/engine.js';
import { openTarget, probeData } from '../src/measure/node.js';
import { importDefinition } from '../src/measure/target.js';
import { buildModel, initWeights } from '../src/models/index.js';
import type { ImportedModel } from '../src/onnx/import.js';
import { subdivide, type SliceGeometry } from '../src/probes/regions/compute.js';
import { rectangle } from '../src/probes/regions/polygon.js';
import { pwlProgram } from '../src/probes/regions/pwl.js';
import { buildSlice } from '../src/probes/regions/run.js';
import { Rng } from '../src/util/random.js';
import { HERE, median, parseBenchArgs, printHost, type BenchOptions } from './common.js';

const MNIST = join(HERE, '..', '..', 'shared', 'data', 'mnist');

interface Options extends BenchOptions {
  maxGrid: number;
  gridSeconds: number;
  runs: string[];
}

function parseArgs(argv: string[]): Options {
  const o = parseBenchArgs<Options>(argv, { maxGrid: 8192, gridSeconds: 240, runs: [] }, {
    '--max-grid': (o, num) => (o.maxGrid = Math.floor(num())),
    '--grid-seconds': (o, num) => (o.gridSeconds = num()),
  }, 'bench/regions.ts', (o, run) => o.runs.push(run));
  // the exact subdivision is timed a few times only (each run takes seconds), unless --rounds says otherwise
  if (!argv.includes('--rounds')) o.rounds = 3;
  return o;
}

/** A 4×64 ReLU MLP with seeded He weights and N(0, 0.5²) biases. */
function randomMlp(inputShape: number[], numClasses: number, seed: number): ImportedModel {
  const def = buildModel({ kind: 'mlp', inputShape, widths: [64, 64, 64, 64], numClasses });
  const w = initWeights(def, seed);
  const rng = new Rng(seed + 1);
  for (const [k, t] of Object.entries(w.params)) if (k.endsWith('.bias')) t.data.forEach((_, i) => (t.data[i] = 0.5 * rng.normal()));
  return importDefinition(def, w.params, w.buffers, `random 4×64 MLP, ${inputShape.join('×')} input`);
}

interface Case {
  name: string;
  model: ImportedModel;
  slice: SliceGeometry;
}

/** Times of the exact count: `more()` adds one timed run (the bench interleaves them with the grids). */
function exactTimes(c: Case, rounds: number): { count: number; all: number[]; more(): void } {
  const run = (): number => subdivide(pwlProgram(c.model), c.slice).regions.length;
  const count = run(); // warm-up
  const all: number[] = [];
  const more = (): void => {
    const t0 = performance.now();
    if (run() !== count) throw new Error('the exact count changed between runs');
    all.push((performance.now() - t0) / 1000);
  };
  for (let r = 0; r < rounds; r++) more();
  return { count, all, more };
}

/** Distinct activation patterns on a G×G grid of cell centres of the slice's rectangle, on onnxruntime. */
async function gridCount(engine: Engine, c: Case, G: number): Promise<{ count: number; seconds: number }> {
  const t0 = performance.now();
  const g = c.model.graph.clone();
  const relus = g.nodes.filter((n) => n.opType === 'Relu').map((n) => n.outputs[0]!);
  for (const t of relus) if (!g.outputs.some((o) => o.name === t)) g.output(t);
  const sess = await engine.load(g);
  const d = c.slice.origin.length;
  // the rectangle [s0, t0, s1, t0, s1, t1, s0, t1]
  const [s0, s1, t0y, t1y] = [c.slice.domain[0]!, c.slice.domain[2]!, c.slice.domain[1]!, c.slice.domain[5]!];
  const [u, v] = c.slice.directions as [Float64Array, Float64Array];
  const batch = Math.max(1, Math.floor(2 ** 24 / Math.max(d, 64)));
  const seen = new Set<number>();
  const total = G * G;
  const x = new Float32Array(Math.min(batch, total) * d);
  for (let start = 0; start < total; start += batch) {
    const n = Math.min(batch, total - start);
    for (let q = 0; q < n; q++) {
      const i = Math.floor((start + q) / G);
      const j = (start + q) % G;
      const s = s0 + ((i + 0.5) / G) * (s1 - s0);
      const t = t0y + ((j + 0.5) / G) * (t1y - t0y);
      const off = q * d;
      for (let k = 0; k < d; k++) x[off + k] = c.slice.origin[k]! + s * u[k]! + t * v[k]!;
    }
    const shape = [n, ...(c.model.input.shape.slice(1) as number[])];
    const out = await sess.run({ [c.model.input.name]: { data: x.subarray(0, n * d), shape } }, relus);
    const layers = relus.map((r) => out[r]!.data as Float32Array);
    for (let q = 0; q < n; q++) {
      let h1 = 0x811c9dc5;
      let h2 = 0x01000193;
      for (const a of layers) {
        const w = a.length / n;
        for (let k = 0; k < w; k += 8) {
          let byte = 0;
          for (let b = 0; b < 8 && k + b < w; b++) if (a[q * w + k + b]! > 0) byte |= 1 << b;
          h1 = Math.imul(h1 ^ byte, 16777619);
          h2 = Math.imul(h2 ^ byte, 2246822519) ^ (h2 >>> 13);
        }
      }
      seen.add((h1 >>> 0) * 2097152 + ((h2 >>> 0) & 0x1fffff));
    }
  }
  return { count: seen.size, seconds: (performance.now() - t0) / 1000 };
}

async function benchCase(engine: Engine, c: Case, o: Options): Promise<string[]> {
  console.log(`\n${c.name}`);
  const ex = exactTimes(c, o.rounds);
  console.log(`  exact: ${ex.count} regions in ${median(ex.all).toFixed(3)} s (median of ${o.rounds}: ${ex.all.map((s) => s.toFixed(3)).join(', ')})`);
  const rows: string[] = [];
  let G = 64;
  let last: { G: number; count: number; seconds: number } | undefined;
  let spent = 0;
  for (;;) {
    const gr = await gridCount(engine, c, G);
    ex.more(); // the machine's load drifts: an exact run after every grid, the median over all of them
    spent += gr.seconds;
    last = { G, ...gr };
    console.log(`  grid ${G}×${G} (${(G * G).toExponential(2)} points): ${gr.count} patterns (${((100 * gr.count) / ex.count).toFixed(1)}% of the regions) in ${gr.seconds.toFixed(2)} s`);
    if (gr.count > ex.count) throw new Error(`the grid found ${gr.count} patterns, more than the ${ex.count} exact regions: a bug`);
    if (gr.count === ex.count) break;
    // the next grid takes about 4× as long
    if (G * 2 > o.maxGrid || spent + 4 * gr.seconds > o.gridSeconds) break;
    G *= 2;
  }
  const equal = last.count === ex.count;
  const exact = median(ex.all);
  console.log(`  exact over the whole case: median ${exact.toFixed(3)} s of ${ex.all.length} runs (${Math.min(...ex.all).toFixed(3)}–${Math.max(...ex.all).toFixed(3)})`);
  const ratio = last.seconds / exact;
  rows.push(
    `| ${c.name} | ${ex.count} | ${exact.toFixed(3)} | ${last.G}×${last.G} | ${last.count} (${((100 * last.count) / ex.count).toFixed(1)}%) | ${last.seconds.toFixed(2)} | ${equal ? '' : '≥ '}${ratio.toFixed(1)}× |`,
  );
  console.log(`  speed-up at ${equal ? 'equal count' : `the last grid (${last.count} of ${ex.count}; equal count needs a finer grid, so the ratio is a lower bound)`}: ${equal ? '' : '≥ '}${ratio.toFixed(1)}× (target ≥ 10×)`);
  return rows;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  printHost(o.threads);
  console.log(`exact: single-threaded float64 JS; grid: onnxruntime with ${o.threads} intra-op threads; grid cap ${o.maxGrid}×${o.maxGrid} or ${o.gridSeconds} s per case`);
  const engine = createNodeEngine({ threads: o.threads });
  const cases: Case[] = [];
  const m2 = randomMlp([2], 2, 1);
  cases.push({ name: 'random 4×64 MLP, 2-D input, [−2, 2]²', model: m2, slice: { origin: new Float64Array(2), directions: [Float64Array.of(1, 0), Float64Array.of(0, 1)], domain: rectangle(-2, 2, -2, 2) } });
  if (existsSync(MNIST)) {
    const data = await loadDataset(`idx:${MNIST}`);
    const m784 = randomMlp([1, 28, 28], 10, 2);
    const { slice } = buildSlice(pwlProgram(m784), data, { slice: { kind: 'points', points: [0, 1, 2] } });
    cases.push({ name: 'random 4×64 MLP, MNIST, plane through test digits 0, 1, 2', model: m784, slice });
  } else console.log(`(MNIST not found at ${MNIST}: the 784-d case is skipped)`);
  for (const dir of o.runs) {
    const target = await openTarget(dir);
    const data: Dataset = await probeData(target, { split: 'test' });
    const { slice } = buildSlice(pwlProgram(target.model), data, {});
    cases.push({ name: `${dir} (trained, its default slice)`, model: target.model, slice });
  }
  const rows = ['| case | exact regions | exact s | grid | grid patterns | grid s | speed-up |', '| --- | --- | --- | --- | --- | --- | --- |'];
  try {
    for (const c of cases) rows.push(...(await benchCase(engine, c, o)));
  } finally {
    await engine.dispose();
  }
  console.log(`\n${rows.join('\n')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
