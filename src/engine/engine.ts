/**
 * A thin, typed session layer over onnxruntime (the `ort` module is injected: onnxruntime-node in Node,
 * onnxruntime-web in the browser). Sessions are cached by a hash of the ONNX bytes.
 */
import type { InferenceSession, Tensor, TensorConstructor } from 'onnxruntime-common';
import { GeolensError } from '../errors.js';
import { GraphBuilder } from '../onnx/builder.js';
import { DataType, dtypeOf, dtypeOfArray, type OrtType } from '../onnx/dtypes.js';
import type { AnyArray } from '../onnx/tensors.js';
import { numel } from '../tensor.js';
import { hashBytes } from '../util/hash.js';

/** A tensor going into or coming out of a session. */
export interface RunTensor {
  data: AnyArray;
  shape: number[];
}

/**
 * The part of the onnxruntime JS API geolens uses, in onnxruntime-common's types (the API that onnxruntime-node and
 * onnxruntime-web both implement): a session with named inputs/outputs, run and release.
 */
export type OrtSession = Pick<InferenceSession, 'inputNames' | 'outputNames' | 'run' | 'release'>;
/** A tensor going into or coming out of an onnxruntime session (onnxruntime-common's `Tensor`). */
export type OrtTensor = Tensor;
/** The onnxruntime module the engine is given: the onnxruntime-node module (node.ts) or onnxruntime-web's. */
export interface OrtModule {
  InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<OrtSession>;
  };
  Tensor: TensorConstructor;
}

export type ExecutionProvider = 'cpu' | 'cuda' | 'wasm' | 'webgpu';

export interface EngineOptions {
  /** Intra-op threads (default: all cores, as the adapter reports them). */
  threads?: number;
  provider?: ExecutionProvider;
  /**
   * Sessions kept in the cache (default 32). Beyond it the least recently loaded or run session is released, once
   * its runs in flight have settled; running a graph after that is an ENGINE error (load it again).
   */
  maxSessions?: number;
  /**
   * Let onnxruntime's worker threads busy-wait between ops (default false). Spinning helps on idle many-core
   * machines but backfires on small or shared ones: on a loaded 2-core machine the MLP training step ran
   * 359 steps/s without spinning vs 217 with it (bench/train-step --explore).
   */
  allowSpinning?: boolean;
}

/**
 * onnxruntime's type for a feed, from the dtype map. A Uint8Array feed is a bool tensor: geolens' graphs take bytes
 * only as flags and masks (Dropout's training_mode, Where conditions).
 */
function ortType(a: AnyArray): OrtType {
  const row = a instanceof Uint8Array ? dtypeOf(DataType.BOOL) : dtypeOfArray(a);
  if (row?.ort === undefined) throw new GeolensError('BAD_ARGUMENT', `engine: a ${a.constructor.name} feed has no onnxruntime tensor type; pass a Float32Array, Float64Array, Int32Array, BigInt64Array, Int8Array or Uint8Array (bool).`);
  return row.ort;
}

/** Release onnxruntime's hold on a tensor (a no-op for CPU tensors beyond dropping the reference; frees GPU memory). */
function disposeTensor(t: OrtTensor): void {
  if (typeof t.dispose === 'function') t.dispose();
}

export type ProgressFn = (done: number, total: number) => void;

export class CompiledGraph {
  /** Runs started and not yet settled. */
  private inFlight = 0;
  /** 'retired': out of the engine's cache, released when the runs in flight settle; 'released': unusable. */
  private state: 'live' | 'retired' | 'released' = 'live';
  constructor(
    private readonly ort: OrtModule,
    readonly session: OrtSession,
    readonly key: string,
    /** Called at every run (the engine's cache keeps the most recently used sessions). */
    private readonly onRun?: () => void,
  ) {}
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Run with named feeds; returns the fetched outputs (all outputs when `fetches` is omitted). */
  async run(feeds: Record<string, RunTensor>, fetches?: readonly string[]): Promise<Record<string, RunTensor>> {
    if (this.state === 'released') {
      throw new GeolensError('ENGINE', `engine: this graph's onnxruntime session was released (the engine was disposed, or evicted it from its session cache while it was unused); load the graph again with engine.load(), or raise maxSessions.`);
    }
    for (const name of this.session.inputNames) {
      const t = feeds[name];
      if (!t) throw new GeolensError('BAD_ARGUMENT', `engine: missing feed '${name}' (the graph needs ${this.session.inputNames.join(', ')}).`);
      if (t.data.length !== numel(t.shape)) throw new GeolensError('BAD_SHAPE', `engine: feed '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}].`);
    }
    // The input tensors wrap the caller's arrays (no copy); they are disposed once the run has settled.
    const f: Record<string, OrtTensor> = {};
    for (const name of this.session.inputNames) {
      const t = feeds[name]!;
      f[name] = new this.ort.Tensor(ortType(t.data), t.data as Tensor.DataType, t.shape);
    }
    this.onRun?.();
    this.inFlight++;
    let res: InferenceSession.ReturnType;
    try {
      res = await (fetches ? this.session.run(f, fetches) : this.session.run(f));
    } catch (e) {
      throw new GeolensError('ENGINE', `onnxruntime failed: ${(e as Error).message}`);
    } finally {
      if (--this.inFlight === 0 && this.state === 'retired') void this.release();
      for (const t of Object.values(f)) disposeTensor(t);
    }
    // Read each output's data and shape, then dispose the output tensor. On the CPU provider the data array is a
    // JS-owned copy that outlives dispose() (dispose only drops onnxruntime's reference), so it is returned as is.
    const out: Record<string, RunTensor> = {};
    for (const k in res) {
      const v = res[k]!;
      out[k] = { data: v.data as AnyArray, shape: v.dims.slice() };
      disposeTensor(v);
    }
    return out;
  }

  /** Leave the engine's cache: release the session now, or when the runs in flight have settled. */
  retire(): Promise<void> {
    if (this.state !== 'live') return Promise.resolve();
    this.state = 'retired';
    return this.inFlight === 0 ? this.release() : Promise.resolve();
  }

  private release(): Promise<void> {
    this.state = 'released';
    return this.session.release().catch(() => undefined);
  }

  /**
   * Run over a large first axis in chunks of `batchSize` rows of the `batched` feeds (other feeds are passed whole);
   * the fetched outputs are concatenated along their first axis. An empty input runs once with zero rows, so the
   * outputs come back with zero rows.
   */
  async runBatched(
    feeds: Record<string, RunTensor>,
    batched: readonly string[],
    batchSize: number,
    fetches?: readonly string[],
    onProgress?: ProgressFn,
  ): Promise<Record<string, RunTensor>> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new GeolensError('BAD_ARGUMENT', `engine: batch size must be a positive integer, got ${batchSize}.`);
    const n = feeds[batched[0]!]!.shape[0]!;
    for (const name of batched) {
      if (feeds[name]!.shape[0] !== n) throw new GeolensError('BAD_SHAPE', `engine: batched feeds disagree on the first axis (${name}: ${feeds[name]!.shape[0]} vs ${n}).`);
    }
    const parts: Record<string, RunTensor[]> = {};
    let s = 0;
    do {
      const e = Math.min(n, s + batchSize);
      const f: Record<string, RunTensor> = { ...feeds };
      for (const name of batched) {
        const t = feeds[name]!;
        const row = numel(t.shape.slice(1));
        f[name] = { data: t.data.subarray(s * row, e * row) as AnyArray, shape: [e - s, ...t.shape.slice(1)] };
      }
      const r = await this.run(f, fetches);
      for (const [k, v] of Object.entries(r)) (parts[k] ??= []).push(v);
      onProgress?.(e, n);
      s = e;
    } while (s < n);
    const out: Record<string, RunTensor> = {};
    for (const [k, ps] of Object.entries(parts)) {
      if (ps.length > 1 && ps[0]!.shape.length === 0) throw new GeolensError('BAD_SHAPE', `engine: output '${k}' is a scalar, so it cannot be concatenated over batches; fetch only outputs with a batch axis.`);
      out[k] = concatRows(ps);
    }
    return out;
  }
}

export function concatRows(ps: RunTensor[]): RunTensor {
  if (ps.length === 1) return ps[0]!;
  const total = ps.reduce((s, p) => s + p.data.length, 0);
  const Ctor = ps[0]!.data.constructor as new (n: number) => AnyArray;
  const data = new Ctor(total);
  let off = 0;
  for (const p of ps) {
    (data as Float32Array).set(p.data as Float32Array, off);
    off += p.data.length;
  }
  return { data, shape: [ps.reduce((s, p) => s + p.shape[0]!, 0), ...ps[0]!.shape.slice(1)] };
}

interface CacheEntry {
  graph: Promise<CompiledGraph>;
  /** Set once the session exists. Entries still compiling are not evicted (their callers have not received them). */
  ready?: CompiledGraph;
}

/** How one graph's session is set up (`Engine.load`). */
export interface LoadOptions {
  /** onnxruntime's memory pattern (default true: best for small graphs run many times at one shape). */
  memoryPattern?: boolean;
}

export class Engine {
  private readonly cache = new Map<string, CacheEntry>();
  readonly threads: number;
  readonly provider: ExecutionProvider;
  constructor(
    private readonly ort: OrtModule,
    opts: EngineOptions & { defaultThreads: number },
  ) {
    this.threads = opts.threads ?? opts.defaultThreads;
    this.provider = opts.provider ?? 'cpu';
    this.maxSessions = opts.maxSessions ?? 32;
    this.allowSpinning = opts.allowSpinning ?? false;
  }
  private readonly maxSessions: number;
  private readonly allowSpinning: boolean;

  /**
   * Compile (or fetch from cache) a session for a model given as bytes or as a builder. `opts.memoryPattern: false`
   * turns off onnxruntime's memory pattern (its pre-planned block per input shape) for graphs run on large batches
   * (input Jacobians), where it otherwise keeps a second block as large as the run's intermediates. Measured with
   * bench/memory.ts (DIM, CNN on 3×32×32, B = 1024, two batches, 2 threads): peak resident 3.3 GB with the pattern,
   * 1.9 GB without it and the same speed (10–15 s); without the arena too 1.5 GB but 3× slower (every run's buffers
   * are fresh pages).
   */
  async load(model: Uint8Array | GraphBuilder, opts: LoadOptions = {}): Promise<CompiledGraph> {
    const bytes = model instanceof GraphBuilder ? model.toBytes() : model;
    const pattern = opts.memoryPattern ?? true;
    const key = hashBytes(bytes) + (pattern ? '' : '/no-memory-pattern');
    const hit = this.cache.get(key);
    if (hit) {
      this.touch(key, hit);
      return hit.graph;
    }
    const entry = {} as CacheEntry;
    entry.graph = this.ort.InferenceSession.create(bytes, {
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: [this.provider],
      enableCpuMemArena: true,
      enableMemPattern: pattern,
      extra: { session: { intra_op: { allow_spinning: this.allowSpinning ? '1' : '0' }, inter_op: { allow_spinning: this.allowSpinning ? '1' : '0' } } },
    }).then(
      (s) => {
        const g = new CompiledGraph(this.ort, s, key, () => this.touch(key, entry));
        entry.ready = g;
        return g;
      },
      (e: Error) => {
        if (this.cache.get(key) === entry) this.cache.delete(key);
        const hint = this.provider !== 'cpu' && /provider|backend|cuda|not (found|available|supported)/i.test(e.message)
          ? ` The '${this.provider}' execution provider is not available in this onnxruntime build (onnxruntime-node ships CUDA binaries only when installed with them); use provider 'cpu'.`
          : '';
        throw new GeolensError('ENGINE', `onnxruntime could not load the graph: ${e.message.trim().replace(/([^.])$/, '$1.')}${hint}`);
      },
    );
    this.cache.set(key, entry);
    this.evict();
    return entry.graph;
  }

  /** Mark an entry most recently used (Map order is the LRU order). */
  private touch(key: string, entry: CacheEntry): void {
    if (this.cache.get(key) !== entry) return;
    this.cache.delete(key);
    this.cache.set(key, entry);
  }

  /** Retire least recently used sessions beyond `maxSessions`; sessions with runs in flight are released after them. */
  private evict(): void {
    for (const [key, e] of this.cache) {
      if (this.cache.size <= this.maxSessions) return;
      if (!e.ready) continue;
      this.cache.delete(key);
      void e.ready.retire();
    }
  }

  /** Release every cached session (one with a run in flight when that run settles). */
  async dispose(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(all.map((e) => e.graph.then((g) => g.retire(), () => undefined)));
  }
}
