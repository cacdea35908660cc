/**
 * Peak resident memory of two library workloads, each in a fresh Node process (`npm run bench:memory`; not a test —
 * test/memory/growth.test.ts is the test that RSS does not grow with the number of batches):
 *   (1) dim: the DIM probe's measurement (`measureSpectrum`: the input-Jacobian graph with J Jᵀ inside, then the
 *       C×C spectra) at B = 1024 on 3×32×32 inputs of a small CNN classifier (conv8-pool-conv16-pool-fc64-fc10),
 *       --dim-batches batches of 1024 one after another;
 *   (2) separation: a separation-style training run (`trainRun`: MLP 100-100x3-10 with batch norm, momentum, batch
 *       128, 600 epochs, a checkpoint every 10 epochs: 61 checkpoints) on a small Gaussian mixture (10 classes × 60
 *       points in 100-d), then the law of data separation at every checkpoint (`runSeparationOverTraining`).
 * Each child prints its resident memory (VmRSS) after loading, after each batch / phase, and its peak (VmHWM from
 * /proc/self/status, and process.resourceUsage().maxRSS); the summary table gives the peak and how much the
 * resident memory moved between the first and the last batch (checkpoint).
 *
 *   npm run bench:memory -- [--threads N] [--dim-batches K] [--epochs E]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeEngine } from '../src/engine/node.js';
import { buildModel, initWeights, type ModelConfig } from '../src/models/index.js';
import { importDefinition } from '../src/measure/target.js';
import { openTarget } from '../src/measure/node.js';
import type { Dataset } from '../src/data/types.js';
import { measureSpectrum } from '../src/probes/dim/run.js';
import { runSeparationOverTraining } from '../src/probes/separation/run.js';
import { RunDir } from '../src/train/node.js';
import { makeRunConfig, trainRun } from '../src/train/run-training.js';
import { Rng } from '../src/util/random.js';
import { fmt, loadAverage, printHost, runBench } from './common.js';

const SELF = fileURLToPath(import.meta.url);
const MB = 1024 * 1024;

/** Resident and peak resident memory in bytes (Linux /proc; maxRSS elsewhere). */
export function residentMemory(): { rss: number; peak: number } {
  try {
    const s = readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { rss: process.memoryUsage().rss, peak: process.resourceUsage().maxRSS * 1024 };
  }
}

interface ChildReport {
  work: string;
  seconds: number;
  /** Resident memory after loading (before the first batch). */
  base: number;
  /** Resident memory after each batch / checkpoint. */
  after: number[];
  peak: number;
  maxRSS: number;
  notes: string[];
}

/** The DIM workload: K batches of B = 1024 through measureSpectrum on a CNN at 3×32×32. */
async function dimChild(threads: number, batches: number): Promise<ChildReport> {
  const B = 1024;
  const config: ModelConfig = { kind: 'cnn', inputShape: [3, 32, 32], channels: [8, 16], hidden: 64, numClasses: 10 };
  const def = buildModel(config);
  const { params, buffers } = initWeights(def, 1);
  const model = importDefinition(def, params, buffers, 'memory-cnn');
  const rng = new Rng(2);
  const points: Dataset = { name: 'noise', x: { data: rng.fillUniform(new Float32Array(B * 3 * 32 * 32), 0, 1), shape: [B, 3, 32, 32] }, y: Int32Array.from({ length: B }, () => rng.int(10)), numClasses: 10, sampleShape: [3, 32, 32] };
  const engine = createNodeEngine({ threads });
  const base = residentMemory().rss;
  const after: number[] = [];
  const t0 = performance.now();
  let rank = 0;
  for (let i = 0; i < batches; i++) {
    const m = await measureSpectrum(engine, model, points, { batchSize: B });
    rank = m.spectrum.points[0]!.rank;
    after.push(residentMemory().rss);
  }
  const seconds = (performance.now() - t0) / 1000;
  await engine.dispose();
  return { work: `DIM (measureSpectrum), CNN on 3×32×32, ${batches} batches of B = ${B}`, seconds, base, after, ...peaks(), notes: [`rank of point 0: ${rank}`] };
}

/** The separation workload: a 600-epoch run with 61 checkpoints, then the law at every checkpoint. */
async function separationChild(threads: number, epochs: number): Promise<ChildReport> {
  const K = 10;
  const perClass = 60;
  const d = 100;
  const rng = new Rng(3);
  const centres = rng.fillNormal(new Float32Array(K * d), 1);
  const n = K * perClass;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % K;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[y[i]! * d + j]! + rng.normal();
  }
  const data: Dataset = { name: 'gaussian-mixture', x: { data: x, shape: [n, d] }, y, numClasses: K, sampleShape: [d] };
  const dir = await mkdtemp(join(tmpdir(), 'geolens-memory-'));
  const engine = createNodeEngine({ threads, maxSessions: 4 }); // as geolens probe separation (one session per checkpoint)
  try {
    const config = makeRunConfig({ datasetSpec: 'synthetic gaussian mixture (bench/memory.ts)', model: { kind: 'mlp', inputShape: [d], widths: [100, 100, 100], numClasses: K, batchNorm: true }, optimizer: 'momentum', lr: 0.3, weightDecay: 5e-4, lrSchedule: `multistep:${Math.round(epochs / 3)},${Math.round((2 * epochs) / 3)}:0.1`, epochs, batchSize: 128, seed: 666, checkpointEvery: 10, testFraction: 0.2 }, data);
    const base = residentMemory().rss;
    const after: number[] = [];
    const t0 = performance.now();
    const run = await RunDir.create(dir, config);
    const trained = await trainRun(engine, run, config, data, { onEpoch: (m) => void (m.epoch % 100 === 0 && after.push(residentMemory().rss)) });
    const trainSeconds = (performance.now() - t0) / 1000;
    const target = await openTarget(dir);
    const t1 = performance.now();
    const law = await runSeparationOverTraining(engine, { epochs: target.run!.checkpoints, modelAt: target.run!.modelAt }, data, {}, (stage, done) => {
      if (stage === 'checkpoints' && done > 0 && done % 10 === 0) after.push(residentMemory().rss);
    });
    after.push(residentMemory().rss);
    const seconds = (performance.now() - t0) / 1000;
    const last = law.epochs[law.epochs.length - 1]!;
    return {
      work: `separation: ${epochs}-epoch run (${trained.steps} steps, ${trained.checkpoints.length} checkpoints) + the law at every checkpoint`,
      seconds,
      base,
      after,
      ...peaks(),
      notes: [`training ${fmt(trainSeconds, 1)} s, law over ${law.epochs.length} checkpoints ${fmt((performance.now() - t1) / 1000, 1)} s; last ρ ${last.rho !== null ? fmt(last.rho, 3) : "n/a"} (Pearson r ${last.pearsonR !== null ? fmt(last.pearsonR, 3) : "n/a"})`],
    };
  } finally {
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

function peaks(): { peak: number; maxRSS: number } {
  return { peak: residentMemory().peak, maxRSS: process.resourceUsage().maxRSS * 1024 };
}

// ------------------------------------------------------------------------------------------------ parent
function runChild(args: string[]): ChildReport {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', ...args], { encoding: 'utf8', maxBuffer: 16 * MB });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`memory child ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return JSON.parse(line) as ChildReport;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const num = (name: string, d: number): number => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
  const threads = num('--threads', 2);
  if (argv[0] === '--child') {
    const r = argv[1] === 'dim' ? await dimChild(threads, num('--dim-batches', 4)) : await separationChild(threads, num('--epochs', 600));
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  console.log('geolens memory benchmark: peak resident memory of library workloads, each in a fresh Node process');
  printHost(threads);
  const reports = [runChild(['dim', '--threads', String(threads), '--dim-batches', String(num('--dim-batches', 4))]), runChild(['separation', '--threads', String(threads), '--epochs', String(num('--epochs', 600))])];
  for (const r of reports) {
    console.log(`\n${r.work}: ${fmt(r.seconds, 1)} s; RSS after loading ${fmt(r.base / MB, 0)} MB, then ${r.after.map((a) => fmt(a / MB, 0)).join(', ')} MB; peak VmHWM ${fmt(r.peak / MB, 0)} MB (maxRSS ${fmt(r.maxRSS / MB, 0)} MB); ${r.notes.join('; ')}`);
  }
  console.log(`\nsummary: peak resident memory (fresh process each; load average at end ${loadAverage()})`);
  console.log('| work | peak RSS | RSS after loading | RSS first → last batch/checkpoint | time |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of reports) console.log(`| ${r.work} | ${fmt(r.peak / MB, 0)} MB | ${fmt(r.base / MB, 0)} MB | ${fmt(r.after[0]! / MB, 0)} → ${fmt(r.after[r.after.length - 1]! / MB, 0)} MB | ${fmt(r.seconds, 1)} s |`);
}

await runBench(main);
