/**
 * The engine's session cache and batching, against a fake onnxruntime module (no native code): the fake session's
 * run() resolves a macrotask later, like onnxruntime-node's, and fails once the session was released.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concatRows, Engine, type OrtModule, type OrtSession } from '../../src/engine/engine.js';
import { GeolensError } from '../../src/errors.js';

/** The fields of onnxruntime-common's Tensor the engine touches; dispose() is counted. */
class FakeTensor {
  disposed = 0;
  constructor(
    readonly type: string,
    readonly data: unknown,
    readonly dims: readonly number[],
  ) {}
  dispose(): void {
    this.disposed++;
  }
}

interface FakeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, FakeTensor>, fetches?: readonly string[]): Promise<Record<string, FakeTensor>>;
  release(): Promise<void>;
  released: boolean;
  runs: number;
  /** Every tensor the session was fed or returned. */
  seen: FakeTensor[];
}

/** A fake ort whose sessions compute y = 2·x (output 'y', rows of x) and a scalar 's' = the number of rows. */
function fakeOrt(opts: { maxRuns?: number; failRun?: boolean } = {}): { ort: OrtModule; sessions: FakeSession[] } {
  const sessions: FakeSession[] = [];
  const ort = {
    Tensor: FakeTensor as unknown as OrtModule['Tensor'],
    InferenceSession: {
      async create() {
        await new Promise((r) => setImmediate(r));
        const s: FakeSession = {
          released: false,
          runs: 0,
          seen: [],
          inputNames: ['x'],
          outputNames: ['y', 's'],
          async run(feeds, fetches) {
            s.runs++;
            s.seen.push(...Object.values(feeds));
            if (opts.maxRuns !== undefined && s.runs > opts.maxRuns) throw new Error(`ran ${s.runs} times`);
            await new Promise((r) => setImmediate(r));
            if (s.released) throw new Error('Session already disposed');
            if (opts.failRun) throw new Error('kernel failed');
            const x = feeds.x!;
            const data = Float32Array.from(x.data as Float32Array, (v) => 2 * v);
            const all: Record<string, FakeTensor> = { y: new FakeTensor('float32', data, x.dims), s: new FakeTensor('float32', Float32Array.of(x.dims[0]!), []) };
            const out = Object.fromEntries((fetches ?? s.outputNames).map((k) => [k, all[k]!]));
            s.seen.push(...Object.values(out));
            return out;
          },
          async release() {
            s.released = true;
          },
        };
        sessions.push(s);
        return s as unknown as OrtSession;
      },
    },
  };
  return { ort, sessions };
}

const model = (k: number): Uint8Array => Uint8Array.of(k, 1, 2, 3);
const feed = (n: number): { x: { data: Float32Array; shape: number[] } } => ({ x: { data: Float32Array.from({ length: n * 2 }, (_, i) => i), shape: [n, 2] } });

test('engine: evicting a session with a run in flight releases it only after the run finishes', async () => {
  const { ort, sessions } = fakeOrt();
  const engine = new Engine(ort, { defaultThreads: 1, maxSessions: 1 });
  const a = await engine.load(model(1));
  const running = a.run(feed(3));
  const b = await engine.load(model(2)); // evicts a while its run is in flight
  const out = await running;
  assert.deepEqual(Array.from(out.y!.data as Float32Array), [0, 2, 4, 6, 8, 10]);
  assert.equal(sessions[0]!.released, true, 'the evicted session is released once idle');
  assert.equal(sessions[1]!.released, false);
  await b.run(feed(1));
});

test('engine: the cache evicts the least recently used session, and running a graph counts as using it', async () => {
  const { ort, sessions } = fakeOrt();
  const engine = new Engine(ort, { defaultThreads: 1, maxSessions: 2 });
  const a = await engine.load(model(1));
  const b = await engine.load(model(2));
  await a.run(feed(1)); // a is now more recently used than b
  await engine.load(model(3));
  assert.equal(sessions[0]!.released, false, 'a graph in use was evicted');
  assert.equal(sessions[1]!.released, true);
  await a.run(feed(1));
  await assert.rejects(b.run(feed(1)), (e: unknown) => e instanceof GeolensError && e.code === 'ENGINE' && /released/.test(e.message) && /load/.test(e.message));
});

test('engine: graphs loaded concurrently are not released before their callers receive them', async () => {
  const { ort } = fakeOrt();
  const engine = new Engine(ort, { defaultThreads: 1, maxSessions: 1 });
  const [a, b] = await Promise.all([engine.load(model(1)), engine.load(model(2))]);
  const [ra, rb] = await Promise.all([a.run(feed(1)), b.run(feed(2))]);
  assert.deepEqual(ra.y!.shape, [1, 2]);
  assert.deepEqual(rb.y!.shape, [2, 2]);
});

test('engine: dispose releases every session, one with a run in flight once the run settles', async () => {
  const { ort, sessions } = fakeOrt();
  const engine = new Engine(ort, { defaultThreads: 1 });
  const a = await engine.load(model(1));
  const running = a.run(feed(2));
  await engine.dispose();
  await running;
  assert.equal(sessions[0]!.released, true);
});

test('runBatched: chunks rows, concatenates outputs, and returns zero-row outputs for an empty input', async () => {
  const { ort } = fakeOrt();
  const engine = new Engine(ort, { defaultThreads: 1 });
  const g = await engine.load(model(1));
  const whole = await g.runBatched(feed(5), ['x'], 2, ['y']);
  assert.deepEqual(whole.y!.shape, [5, 2]);
  assert.deepEqual(Array.from(whole.y!.data as Float32Array), Array.from({ length: 10 }, (_, i) => 2 * i));
  const empty = await g.runBatched(feed(0), ['x'], 2, ['y']);
  assert.deepEqual(empty.y?.shape, [0, 2]);
  assert.equal(empty.y!.data.length, 0);
});

test('runBatched: a batch size below 1 is a BAD_ARGUMENT error, not an endless loop', async () => {
  const { ort } = fakeOrt({ maxRuns: 50 });
  const engine = new Engine(ort, { defaultThreads: 1 });
  const g = await engine.load(model(1));
  for (const bs of [0, -1, 1.5, NaN]) {
    await assert.rejects(g.runBatched(feed(3), ['x'], bs), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_ARGUMENT' && /batch/.test(e.message), `batch size ${bs}`);
  }
});

test('runBatched: a scalar output cannot be concatenated over several chunks (BAD_SHAPE, not shape [NaN])', async () => {
  const { ort } = fakeOrt();
  const engine = new Engine(ort, { defaultThreads: 1 });
  const g = await engine.load(model(1));
  assert.deepEqual((await g.runBatched(feed(2), ['x'], 4, ['s'])).s!.shape, [], 'one chunk: passed through');
  await assert.rejects(g.runBatched(feed(5), ['x'], 2, ['s']), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_SHAPE' && /'s'/.test(e.message));
});

test('concatRows keeps the element type of its parts (int64, int32, bool)', () => {
  const i64 = concatRows([{ data: BigInt64Array.of(1n, 2n), shape: [2] }, { data: BigInt64Array.of(3n), shape: [1] }]);
  assert.ok(i64.data instanceof BigInt64Array);
  assert.deepEqual(Array.from(i64.data as BigInt64Array), [1n, 2n, 3n]);
  assert.deepEqual(i64.shape, [3]);
  const i32 = concatRows([{ data: Int32Array.of(1, 2), shape: [1, 2] }, { data: Int32Array.of(3, 4), shape: [1, 2] }]);
  assert.ok(i32.data instanceof Int32Array);
  assert.deepEqual(i32.shape, [2, 2]);
  const u8 = concatRows([{ data: Uint8Array.of(1), shape: [1] }, { data: Uint8Array.of(0, 1), shape: [2] }]);
  assert.ok(u8.data instanceof Uint8Array);
  assert.deepEqual(Array.from(u8.data as Uint8Array), [1, 0, 1]);
});

test('engine: input and output tensors are disposed after a run (also when the run fails); the returned data stays readable', async () => {
  const { ort, sessions } = fakeOrt();
  const engine = new Engine(ort, { defaultThreads: 1 });
  const g = await engine.load(model(1));
  const out = await g.run(feed(2));
  const seen = sessions[0]!.seen;
  assert.equal(seen.length, 3, 'one input, two outputs');
  assert.ok(seen.every((t) => t.disposed === 1), 'each tensor disposed once');
  assert.deepEqual(Array.from(out.y!.data as Float32Array), [0, 2, 4, 6]);
  const failing = fakeOrt({ failRun: true });
  const h = await new Engine(failing.ort, { defaultThreads: 1 }).load(model(1));
  await assert.rejects(h.run(feed(1)), (e: unknown) => e instanceof GeolensError && e.code === 'ENGINE');
  assert.deepEqual(failing.sessions[0]!.seen.map((t) => t.disposed), [1], 'the input of a failed run is disposed');
});
