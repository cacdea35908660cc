/**
 * What the side-by-side benchmarks (bench/train-step.ts, bench/dim.ts, bench/ot.ts) share: the PyTorch child
 * process, the fair peer configuration (every thread layout in fresh children, the best kept: `PeerPool`), the
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
 * flags and the bench's own `flags`; an argument not starting with `--` goes to `positional` when given; an unknown
 * option points to the header of `file`.
 */
export function parseBenchArgs<O extends BenchOptions>(argv: string[], own: Omit<O, keyof BenchOptions>, flags: Record<string, Flag<O>>, file: string, positional?: (o: O, arg: string) => void): O {
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
    if (positional && !a.startsWith('--')) {
      positional(o, a);
      continue;
    }
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
    // (a layout's environment: see layoutEnv)
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

// ------------------------------------------------------------------------------------------------ fair peer layouts
/**
 * A thread layout of the peer (PyTorch, NumPy/SciPy): its OpenMP threads (OMP_NUM_THREADS, and
 * torch.set_num_threads) and its OpenBLAS threads (OPENBLAS_NUM_THREADS).
 */
export interface PeerLayout {
  omp: number;
  blas: number;
}

/** `OMP 2 × OpenBLAS 1`. */
export const layoutLabel = (l: PeerLayout): string => `OMP ${l.omp} × OpenBLAS ${l.blas}`;
/** `2×1` (the threads column of the tables). */
export const layoutShort = (l: PeerLayout): string => `${l.omp}×${l.blas}`;

/**
 * The layouts tried for a peer allowed `threads` threads: OMP_NUM_THREADS × OPENBLAS_NUM_THREADS ∈ {1, threads}²
 * (one layout, 1 × 1, at one thread).
 */
export function peerLayouts(threads: number): PeerLayout[] {
  const ts = [...new Set([1, threads])];
  return ts.flatMap((omp) => ts.map((blas) => ({ omp, blas })));
}

/**
 * A layout's environment: the thread counts, and OMP_WAIT_POLICY=PASSIVE so that the peer's idle OpenMP threads
 * sleep instead of spinning while geolens is timed (OpenBLAS' own pool parks its threads after a short spin).
 */
export function layoutEnv(l: PeerLayout): Record<string, string> {
  return { OMP_NUM_THREADS: String(l.omp), OPENBLAS_NUM_THREADS: String(l.blas), MKL_NUM_THREADS: String(l.blas), OMP_WAIT_POLICY: 'PASSIVE' };
}

/** Something stoppable started at a layout (a PyTorch or NumPy child). */
export interface Peer {
  stop(): Promise<void>;
}

/** A layout's probe figure, and whether it was chosen. */
export interface LayoutProbe {
  layout: PeerLayout;
  rate: number;
}

/** What `PeerPool.choose` keeps: the child at the best layout, that layout, its probe rate and every layout's. */
export interface Chosen<C> {
  child: C;
  layout: PeerLayout;
  rate: number;
  probes: LayoutProbe[];
}

/**
 * One fresh peer process per thread layout (each started with `layoutEnv`). `choose` times a short probe of a
 * workload on every one of them in interleaved rounds, prints every layout's figure and returns the best; `keep`
 * stops all the others, so that only the chosen peers (idle, passive) are alive while the real rounds run.
 */
export class PeerPool<C extends Peer> {
  private constructor(readonly entries: { layout: PeerLayout; child: C }[]) {}

  /** Start a peer for each layout; one that fails to start is a printed skip line. Empty when none started. */
  static async start<C extends Peer>(layouts: PeerLayout[], start: (layout: PeerLayout) => Promise<C>, what = 'PyTorch'): Promise<PeerPool<C>> {
    const entries: { layout: PeerLayout; child: C }[] = [];
    for (const layout of layouts) {
      try {
        entries.push({ layout, child: await start(layout) });
      } catch (e) {
        console.log(`skip ${what} (${layoutLabel(layout)}): ${(e as Error).message}`);
      }
    }
    return new PeerPool(entries);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The child at exactly this layout, when one was started. */
  at(l: PeerLayout): C | undefined {
    return this.entries.find((e) => e.layout.omp === l.omp && e.layout.blas === l.blas)?.child;
  }

  /**
   * Probe `series(child, layout)` on every layout (interleaved rounds of `probe`), print the figures as
   * `title` in `unit`, and return the best layout's child (undefined when the pool is empty).
   */
  async choose<S extends Timed>(title: string, unit: string, series: (child: C, layout: PeerLayout) => S, probe: MeasureOptions<S>): Promise<Chosen<C> | undefined> {
    if (!this.entries.length) return undefined;
    const list = this.entries.map((e) => series(e.child, e.layout));
    const ms = await measure(list, probe);
    const probes = ms.map((m, i) => ({ layout: this.entries[i]!.layout, rate: m.median }));
    const best = probes.reduce((a, b) => (b.rate > a.rate ? b : a));
    const line = probes.map((p) => `${layoutShort(p.layout)} ${fmt(p.rate, 1)}${p === best ? '*' : ''}`).join(', ');
    console.log(`fair layout, ${title}: ${unit} by OMP×OpenBLAS threads (OMP_WAIT_POLICY=PASSIVE, fresh process each; median of ${probe.rounds} probe rounds): ${line}  → ${layoutLabel(best.layout)}`);
    return { child: this.entries.find((e) => e.layout === best.layout)!.child, layout: best.layout, rate: best.rate, probes };
  }

  /** Stop every child but `keep` (so no idle peer runs beside the timed rounds). */
  async keep(...keep: (C | undefined)[]): Promise<void> {
    const stay = this.entries.filter((e) => keep.includes(e.child));
    for (const e of this.entries) if (!stay.includes(e)) await e.child.stop();
    this.entries.splice(0, this.entries.length, ...stay);
  }

  async stopAll(): Promise<void> {
    await this.keep();
  }
}

/**
 * The PyTorch children of a bench, one per layout of `layouts` (fresh processes: `PeerPool`), unless `enabled` is
 * false or python is missing, saying which on one line. `describe` adds to the line that names the PyTorch version.
 */
export async function startTorchPool<H extends object = object>(o: {
  enabled: boolean;
  script: string;
  dataPath: string;
  layouts: PeerLayout[];
  config: unknown;
  describe?: (torch: TorchChild<H>) => string;
}): Promise<PeerPool<TorchChild<H>>> {
  const empty = await PeerPool.start<TorchChild<H>>([], () => Promise.reject(new Error('unused')));
  if (!o.enabled) {
    console.log('skip PyTorch: --no-torch');
    return empty;
  }
  if (!existsSync(PYTHON)) {
    console.log(`skip PyTorch: ${PYTHON} is absent (apt-get install -y python3-torch)`);
    return empty;
  }
  const pool = await PeerPool.start(o.layouts, (l) => TorchChild.start<H>(o.script, o.dataPath, l.omp, o.config, layoutEnv(l)));
  const first = pool.entries[0]?.child;
  if (first) console.log(`PyTorch ${first.version} (child processes ${PYTHON}, one per thread layout ${o.layouts.map(layoutShort).join(', ')} (OMP×OpenBLAS; torch.set_num_threads = OMP), OMP_WAIT_POLICY=PASSIVE; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE removed from their environment${o.describe?.(first) ?? ''})`);
  else console.log('skip PyTorch: no child started (apt-get install -y python3-torch)');
  return pool;
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

export interface Column {
  header: string;
  width: number;
  /** From the median rate of the row's series. */
  cell: (median: number) => string;
}

export interface TableLayout<S> {
  /** Before "median of R interleaved rounds" in the title's parentheses. */
  note?: string;
  label: { header: string; width: number };
  /** The threads column: a count, or a peer's layout (`2×1`: OMP × OpenBLAS). */
  threads: (s: S) => number | string;
  rate: { header: string; width: number };
  rangeWidth: number;
  /** The last columns, from the median rate (the headers are the first series'). */
  extra: Column[] | ((s: S) => Column[]);
}

/** The table of measured series: label, threads, median rate, [min – max] of the rounds, derived columns. */
export function table<S extends { label: string }>(title: string, ms: Measured<S>[], l: TableLayout<S>): void {
  console.log(`\n${title}  (${l.note ? `${l.note}; ` : ''}median of ${ms[0]?.rates.length ?? 0} interleaved rounds)`);
  const cols = (s: S): Column[] => (typeof l.extra === 'function' ? l.extra(s) : l.extra);
  if (!ms.length) return;
  console.log(`  ${l.label.header.padEnd(l.label.width)} ${'threads'.padStart(7)} ${l.rate.header.padStart(l.rate.width)} ${'[min – max]'.padStart(l.rangeWidth)} ${cols(ms[0]!.series).map((c) => c.header.padStart(c.width)).join(' ')}`);
  for (const m of ms) {
    const lo = Math.min(...m.rates);
    const hi = Math.max(...m.rates);
    console.log(`  ${m.series.label.padEnd(l.label.width)} ${String(l.threads(m.series)).padStart(7)} ${fmt(m.median).padStart(l.rate.width)} ${`[${fmt(lo)} – ${fmt(hi)}]`.padStart(l.rangeWidth)} ${cols(m.series).map((c) => c.cell(m.median).padStart(c.width)).join(' ')}`);
  }
}

/** `  name   r×  (target ≥ t×: met)`: the ratio of the median rates of a and b (nothing when either is missing). */
export function ratioLine(name: string, a: Measured<unknown> | undefined, b: Measured<unknown> | undefined, target: number | undefined, o: { nameWidth?: number; targetText?: string } = {}): void {
  if (!a || !b) return;
  const r = a.median / b.median;
  const t = target === undefined ? '' : `  (target ≥ ${o.targetText ?? target}×: ${r >= target ? 'met' : 'NOT met'})`;
  console.log(`  ${name.padEnd(o.nameWidth ?? 44)} ${fmt(r, 2).padStart(7)}×${t}`);
}

/** A row of a bench's closing summary: the work, both figures (with the peer's layout) and the ratio. */
export interface SummaryRow {
  work: string;
  geolens: string;
  peer: string;
  /** geolens / peer; undefined without a peer. */
  ratio?: number;
  /** The issue's target for the ratio. */
  target?: number;
}

/** The closing summary as a Markdown table (what README.md's benchmark section quotes), with the load average. */
export function printSummary(title: string, rows: SummaryRow[], peerHeader = 'PyTorch, best layout'): void {
  console.log(`\nsummary: ${title} (load average at end ${loadAverage()})`);
  console.log(`| work | geolens | ${peerHeader} | ratio | target |`);
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const ratio = r.ratio === undefined ? '–' : `${fmt(r.ratio, 2)}×`;
    const target = r.target === undefined ? '' : `≥ ${r.target}× ${r.ratio === undefined ? '' : r.ratio >= r.target ? '(met)' : '(not met)'}`;
    console.log(`| ${r.work} | ${r.geolens} | ${r.peer} | ${ratio} | ${target} |`);
  }
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
