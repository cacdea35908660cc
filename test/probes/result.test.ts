/** Probe results are versioned JSON, validated on read: every kind produced by a real run parses back unchanged. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src/data/node.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { GeolensError } from '../../src/errors.js';
import { importDefinition } from '../../src/measure/target.js';
import { buildModel, initWeights } from '../../src/models/index.js';
import { DIM_DISTANCES_RESULT, DIM_RESULT, DIM_WALKS_RESULT } from '../../src/probes/dim/schema.js';
import { runDim } from '../../src/probes/dim/run.js';
import { readResult } from '../../src/probes/node.js';
import { parseResult, type ResultKind } from '../../src/probes/result.js';
import { SEPARATION_OVER_TRAINING_RESULT, SEPARATION_RESULT } from '../../src/probes/separation/schema.js';
import { runSeparation, runSeparationOverTraining } from '../../src/probes/separation/run.js';

const roundTrip = <T>(kind: ResultKind<T>, r: T): void => {
  const json = JSON.parse(JSON.stringify(r)) as unknown;
  assert.deepEqual(parseResult(kind, json, 'mem'), json, `${kind.kind} does not survive its schema`);
};

function expectCode(f: () => unknown, code: string, ...patterns: RegExp[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof GeolensError, String(e));
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('every result kind written by the separation and DIM probes parses back through its schema unchanged', async () => {
  const engine = createNodeEngine({ threads: 1 });
  try {
    const data = await loadDataset('moons', { seed: 2 });
    const def = buildModel({ kind: 'mlp', inputShape: [2], widths: [8, 8], numClasses: 2 });
    const at = (seed: number) => {
      const w = initWeights(def, seed);
      return importDefinition(def, w.params, w.buffers, `seed-${seed}`);
    };
    roundTrip(SEPARATION_RESULT, await runSeparation(engine, at(1), data, { layers: 'relu', variant: 'balanced' }));
    roundTrip(SEPARATION_OVER_TRAINING_RESULT, await runSeparationOverTraining(engine, { epochs: [0, 1, 2], modelAt: async (e) => at(e + 1) }, data));
    const run = await runDim(engine, at(1), data, { n: 40, walk: { mode: 'both', steps: 5, grid: 3 }, compare: [{ spec: 'noise:0.1', transform: { kind: 'noise', sigma: 0.1 } }, { spec: 'resample' }] });
    roundTrip(DIM_RESULT, run.spectrum);
    assert.ok(run.walks?.field, 'a 2-D model has a leaf field');
    roundTrip(DIM_WALKS_RESULT, run.walks!);
    roundTrip(DIM_DISTANCES_RESULT, run.distances!);
  } finally {
    await engine.dispose();
  }
});

const minimal = { schemaVersion: 1, probe: 'dim-distances', source: { path: 'm.onnx', kind: 'onnx' }, n: 1, definition: 'd', datasets: [], matrix: { schemaVersion: 1, definition: 'd', names: [], matrix: [] } };

test('a result from another schema version is INCOMPATIBLE_RESULT and says what to do', () => {
  roundTrip(DIM_DISTANCES_RESULT, minimal as never);
  expectCode(() => parseResult(DIM_DISTANCES_RESULT, { ...minimal, schemaVersion: 2 }, 'new.json'), 'INCOMPATIBLE_RESULT', /new\.json/, /newer geolens/, /upgrade geolens/);
  expectCode(() => parseResult(DIM_DISTANCES_RESULT, { ...minimal, schemaVersion: 0 }, 'old.json'), 'INCOMPATIBLE_RESULT', /older geolens/, /re-run the probe/);
  expectCode(() => parseResult(DIM_DISTANCES_RESULT, { ...minimal, schemaVersion: undefined }, 'x.json'), 'INCOMPATIBLE_RESULT', /no schemaVersion/);
});

test('a malformed result is BAD_FILE naming the field; another kind of result is named as such', () => {
  expectCode(() => parseResult(DIM_DISTANCES_RESULT, { ...minimal, n: 'many' }, 'bad.json'), 'BAD_FILE', /bad\.json/, /\bn\b/);
  expectCode(() => parseResult(DIM_DISTANCES_RESULT, { ...minimal, matrix: { ...minimal.matrix, names: [3] } }, 'bad.json'), 'BAD_FILE', /matrix\.names\.0/);
  expectCode(() => parseResult(DIM_DISTANCES_RESULT, { ...minimal, probe: 'dim' }, 'kind.json'), 'BAD_FILE', /'dim' result, not 'dim-distances'/);
  expectCode(() => parseResult(SEPARATION_RESULT, [1, 2], 'arr.json'), 'BAD_FILE', /not a geolens separation result/);
});

test('numbers JSON cannot hold (NaN, ±Infinity, written as null) read back as NaN where the schema allows them', () => {
  const r = parseResult(DIM_DISTANCES_RESULT, { ...minimal, datasets: [{ name: 'a', spec: 'a', kind: 'base', n: 0, accuracy: null, meanConfidence: 0, stats: { schemaVersion: 1, quantity: 'q', quantileMethod: 'm', boxes: [] }, rankDistribution: [0] }] });
  assert.ok(Number.isNaN(r.datasets[0]!.accuracy));
});

test('readResult: a missing file, a file that is not JSON, and a valid file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'geolens-result-'));
  try {
    await assert.rejects(readResult(DIM_RESULT, join(dir, 'dim.json')), (e: unknown) => e instanceof GeolensError && e.code === 'FILE_NOT_FOUND' && /run the probe first/.test(e.message));
    writeFileSync(join(dir, 'broken.json'), '{"schemaVersion": 1,');
    await assert.rejects(readResult(DIM_RESULT, join(dir, 'broken.json')), (e: unknown) => e instanceof GeolensError && e.code === 'BAD_FILE' && /not JSON/.test(e.message));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(minimal));
    assert.equal((await readResult(DIM_DISTANCES_RESULT, join(dir, 'ok.json'))).n, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
