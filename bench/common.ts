/**
 * What the side-by-side benchmarks (bench/train-step.ts, bench/dim.ts) share: the PyTorch child process, the
 * warm-up + interleaved-rounds timing loop, and the host / table / ratio output.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const PYTHON = '/usr/bin/python3';

export const fmt = (v: number, d = 1): string => v.toFixed(d);

// ------------------------------------------------------------------------------------------------ options
/** The options every bench takes: --threads N, --rounds R, --round-ms MS, --no-torch. */
export interface BenchOptions {
  threads: number;
  rounds: number;
  roundMs: number;
  torch: boolean;
}

/** A bench's own flag: sets what it stands for in `o`; `num()` takes the next argument as a positive number. */
export type Flag<O> = (o: O, num: () => number) => void;

/**
 * Parse argv into `defaults` (all cores, 7 rounds of 600 ms, with PyTorch, then the bench's own) by the common
 * flags and the bench's own `flags`; an unknown option points to the header of `file`.
 */
export function parseBenchArgs<O extends BenchOptions>(argv: string[], own: Omit<O, keyof BenchOptions>, flags: Record<string, Flag<O>>, file: string): O {
  const o = { threads: availableParallelism(), rounds: 7, roundMs: 600, torch: true, ...own } as O;
  const all: Record<string, Flag<O>> = {
    '--threads': (o, num) => (o.threads = Math.floor(num())),
    '--rounds': (o, num) => (o.rounds = Math.floor(num())),
    '--round-ms': (o, num) => (o.roundMs = num()),
    '--no-torch': (o) => (o.torch = false),
    ...flags,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    const flag = Object.hasOwn(all, a) ? all[a] : undefined;
    if (!flag) throw new Error(`unknown option ${a}; see the header of ${file}`);
    flag(o, num);
  }
  return o;
}

// ------------------------------------------------------------------------------------------------ PyTorch child
/** The child's first line: `ready` with the torch version and thread count, or an `error`. */
interface TorchHello {
  ready?: boolean;
  error?: string;
  torch?: string;
  threads?: number;
}

/**
 * A PyTorch script (bench/<script>.py) as a child process: JSON lines over stdin/stdout, one reply per command (it
 * times its own loops). `H` is what else the script says in its first line.
 */
export class TorchChild<H extends object = object> {
  private constructor(
    private readonly proc: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    readonly version: string,
    readonly threads: number,
    /** The whole first line. */
    readonly hello: TorchHello & Partial<H>,
  ) {}

  static async start<H extends object = object>(script: string, dataPath: string, threads: number, config: unknown, extraEnv: Record<string, string> = {}): Promise<TorchChild<H>> {
    // OpenBLAS settings meant for this process's onnxruntime are not the child's business
    const env = { ...process.env, ...extraEnv };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const proc = spawn(PYTHON, [join(HERE, script), '--threads', String(threads), '--data', dataPath, '--config', JSON.stringify(config)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdin.on('error', () => undefined); // a dead child shows up as the end of its stdout instead
    const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`python exited: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const hello = JSON.parse(first.value) as TorchHello & Partial<H>;
    if (!hello.ready) {
      proc.kill();
      throw new Error(hello.error ?? 'the PyTorch child did not start');
    }
    return new TorchChild<H>(proc, lines, hello.torch!, hello.threads!, hello);
  }

  async command<T>(cmd: Record<string, unknown>): Promise<T> {
    this.proc.stdin.write(JSON.stringify(cmd) + '\n');
    const r = await this.lines.next();
    if (r.done) throw new Error('the PyTorch child exited');
    return JSON.parse(r.value) as T;
  }

  async stop(): Promise<void> {
    this.proc.stdin.write(JSON.stringify({ cmd: 'quit' }) + '\n');
    this.proc.stdin.end();
    await new Promise<void>((resolve) => {
      if (this.proc.exitCode !== null) resolve();
      else this.proc.once('exit', () => resolve());
    });
  }
}

/**
 * Start the PyTorch child unless `enabled` is false or python is missing, saying which on one line; undefined when
 * skipped. `describe` adds to the line that names the PyTorch version.
 */
export async function startTorch<H extends object = object>(o: {
  enabled: boolean;
  script: string;
  dataPath: string;
  threads: number;
  config: unknown;
  describe?: (torch: TorchChild<H>) => string;
}): Promise<TorchChild<H> | undefined> {
  if (!o.enabled) console.log('skip PyTorch: --no-torch');
  else if (!existsSync(PYTHON)) console.log(`skip PyTorch: ${PYTHON} is absent (apt-get install -y python3-torch)`);
  else {
    try {
      const torch = await TorchChild.start<H>(o.script, o.dataPath, o.threads, o.config);
      console.log(`PyTorch ${torch.version} (child process ${PYTHON}, torch.set_num_threads(${o.threads}) → ${torch.threads}; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE removed from its environment${o.describe?.(torch) ?? ''})`);
      return torch;
    } catch (e) {
      console.log(`skip PyTorch: ${(e as Error).message} (apt-get install -y python3-torch)`);
    }
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------ timing
/** Something timed: `run(k)` does k units of work (steps, batches) and says how long they took. */
export interface Timed {
  run(k: number): Promise<unknown>;
}

export interface Measured<S> {
  series: S;
  rates: number[];
  median: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The warm-up: runs of `first`, then doubling (or ~0.3 s) units until `seconds` are spent and the last run had at least `units`. */
export interface WarmUp {
  first: number;
  seconds: number;
  units: number;
  /** The fewest units of a timed round. */
  minPerRound: number;
}

export interface MeasureOptions<S extends Timed> {
  rounds: number;
  roundMs: number;
  warmUp: WarmUp;
  /** The seconds a run took, from what `run` returned. */
  seconds: (r: Awaited<ReturnType<S['run']>>) => number;
  /** What one unit counts in the rates (e.g. points per batch); default 1. */
  perUnit?: number;
}

/**
 * Warm up each series, then time them in interleaved rounds of about `roundMs` each (the order rotates every round);
 * rates in perUnit·units/s.
 */
export async function measure<S extends Timed>(list: S[], o: MeasureOptions<S>): Promise<Measured<S>[]> {
  const run = async (s: S, k: number): Promise<number> => o.seconds((await s.run(k)) as Awaited<ReturnType<S['run']>>);
  const perRound = new Map<S, number>();
  for (const s of list) {
    // the last warm-up run's rate sizes the rounds
    let k = o.warmUp.first;
    let spent = 0;
    let rate = 0;
    for (;;) {
      const sec = await run(s, k);
      spent += sec;
      rate = k / sec;
      if (spent >= o.warmUp.seconds && k >= o.warmUp.units) break;
      k = Math.max(k * 2, Math.ceil(rate * 0.3));
    }
    perRound.set(s, Math.max(o.warmUp.minPerRound, Math.round((rate * o.roundMs) / 1000)));
  }
  const rates = new Map<S, number[]>(list.map((s) => [s, []]));
  for (let round = 0; round < o.rounds; round++) {
    for (let j = 0; j < list.length; j++) {
      const s = list[(round + j) % list.length]!;
      const k = perRound.get(s)!;
      const sec = await run(s, k);
      rates.get(s)!.push((k * (o.perUnit ?? 1)) / sec);
    }
  }
  return list.map((s) => ({ series: s, rates: rates.get(s)!, median: median(rates.get(s)!) }));
}

export const measuredOf = <S>(s: S | undefined, list: Measured<S>[]): Measured<S> | undefined => list.find((m) => m.series === s);

// ------------------------------------------------------------------------------------------------ output
export const loadAverage = (): string => loadavg().map((l) => fmt(l, 2)).join(' ');

/** The host line (CPU, cores, load, node and onnxruntime versions) and a note when the machine is busy. */
export function printHost(threads: number): void {
  const ortVersion = (JSON.parse(readFileSync(join(HERE, '..', 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;
  console.log(`host: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} logical cores, load average ${loadAverage()} at start; node ${process.version}, onnxruntime-node ${ortVersion}; threads n = ${threads}`);
  if (loadavg()[0]! > availableParallelism() * 0.5) console.log('note: the machine is busy (load average above half the cores): expect noisy figures; the interleaved medians are the fairest comparison this run can give.');
}

export interface TableLayout<S> {
  /** Before "median of R interleaved rounds" in the title's parentheses. */
  note?: string;
  label: { header: string; width: number };
  threads: (s: S) => number;
  rate: { header: string; width: number };
  rangeWidth: number;
  /** The last column, from the median rate. */
  extra: { header: string; width: number; cell: (median: number) => string };
}

/** The table of measured series: label, threads, median rate, [min – max] of the rounds, one derived column. */
export function table<S extends { label: string }>(title: string, ms: Measured<S>[], l: TableLayout<S>): void {
  console.log(`\n${title}  (${l.note ? `${l.note}; ` : ''}median of ${ms[0]?.rates.length ?? 0} interleaved rounds)`);
  console.log(`  ${l.label.header.padEnd(l.label.width)} ${'threads'.padStart(7)} ${l.rate.header.padStart(l.rate.width)} ${'[min – max]'.padStart(l.rangeWidth)} ${l.extra.header.padStart(l.extra.width)}`);
  for (const m of ms) {
    const lo = Math.min(...m.rates);
    const hi = Math.max(...m.rates);
    console.log(`  ${m.series.label.padEnd(l.label.width)} ${String(l.threads(m.series)).padStart(7)} ${fmt(m.median).padStart(l.rate.width)} ${`[${fmt(lo)} – ${fmt(hi)}]`.padStart(l.rangeWidth)} ${l.extra.cell(m.median).padStart(l.extra.width)}`);
  }
}

/** `  name   r×  (target ≥ t×: met)`: the ratio of the median rates of a and b (nothing when either is missing). */
export function ratioLine(name: string, a: Measured<unknown> | undefined, b: Measured<unknown> | undefined, target: number | undefined, o: { nameWidth?: number; targetText?: string } = {}): void {
  if (!a || !b) return;
  const r = a.median / b.median;
  const t = target === undefined ? '' : `  (target ≥ ${o.targetText ?? target}×: ${r >= target ? 'met' : 'NOT met'})`;
  console.log(`  ${name.padEnd(o.nameWidth ?? 44)} ${fmt(r, 2).padStart(7)}×${t}`);
}

/** Run a bench's main, printing a failure's stack and setting the exit code. */
export async function runBench(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  }
}
