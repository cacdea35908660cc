/**
 * Probe options of an analysis: `<probe>.<key>=<value>` assignments typed and checked against the registry's specs
 * (camelCase or kebab-case keys), clear errors for every bad name or value (from the library and from
 * `geolens analyze --set`), the options listed in --help, and options that reach the probes' results.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeCommand } from '../../src/cli/analyze.js';
import { main } from '../../src/cli/main.js';
import { trainCommand } from '../../src/cli/train.js';
import { createNodeEngine } from '../../src/engine/node.js';
import { GeolensError } from '../../src/errors.js';
import { openTarget } from '../../src/measure/node.js';
import { analyze } from '../../src/studies/analyze.js';
import { analysisData } from '../../src/studies/node.js';
import { checkProbeOptions, describeOption, parseOptionValue, parseProbeOptions, probeOptionsHelp } from '../../src/studies/options.js';
import { ANALYSIS_PROBES } from '../../src/studies/probes/index.js';

const root = mkdtempSync(join(tmpdir(), 'geolens-options-'));
const run = join(root, 'moons');

before(async () => {
  assert.equal(await trainCommand(['--dataset', 'moons#n=300', '--widths', '8x2', '--epochs', '3', '--optimizer', 'adam', '--lr', '0.02', '--checkpoint-every', '1', '--quiet', '--out', run], () => {}), 0);
});

after(() => rmSync(root, { recursive: true, force: true }));

const badArgument = (re: RegExp) => (e: unknown): boolean => e instanceof GeolensError && e.code === 'BAD_ARGUMENT' && re.test(e.message);

test('assignments are typed by their spec; kebab-case keys are the camelCase ones; the last one wins', () => {
  const o = parseProbeOptions(['dim.n=128', 'separation.per-class=100', 'separation.overTraining=false', 'topology.reading=disagreement', 'topology.confidence=0.99', 'magnitude.layer= relu_2 ', 'dim.n=64']);
  assert.deepEqual(o, {
    dim: { n: 64 },
    separation: { perClass: 100, overTraining: false },
    topology: { reading: 'disagreement', confidence: 0.99 },
    magnitude: { layer: 'relu_2' },
  });
  assert.deepEqual(parseProbeOptions([]), {});
  // a value may hold '=' and ',' (a layer selection)
  assert.deepEqual(parseProbeOptions(['separation.layers=1,3,5']), { separation: { layers: '1,3,5' } });
});

test('every bad name or value is a BAD_ARGUMENT that says what is valid', () => {
  assert.throws(() => parseProbeOptions(['dim.n']), badArgument(/'dim\.n' is not an option assignment; write <probe>\.<key>=<value>, e\.g\. dim\.n=128\./));
  assert.throws(() => parseProbeOptions(['dimm.n=3']), badArgument(/unknown probe 'dimm'; choose from: separation, dim, magnitude, topology, regions/));
  assert.throws(() => parseProbeOptions(['dim.points=3']), badArgument(/the dim probe has no option 'points'; its options: n, walk, compare, rtol\./));
  assert.throws(() => parseProbeOptions(['dim.n=abc']), badArgument(/dim\.n 'abc' is not valid; it must be an integer ≥ 2\./));
  assert.throws(() => parseProbeOptions(['dim.n=2.5']), badArgument(/an integer ≥ 2/));
  assert.throws(() => parseProbeOptions(['dim.n=1']), badArgument(/an integer ≥ 2/));
  assert.throws(() => parseProbeOptions(['topology.confidence=1']), badArgument(/topology\.confidence '1' is not valid; it must be a number in \(0, 1\)\./));
  assert.throws(() => parseProbeOptions(['topology.reading=both']), badArgument(/one of: correctness, disagreement/));
  assert.throws(() => parseProbeOptions(['dim.walk=yes']), badArgument(/dim\.walk 'yes' is not valid; it must be true or false\./));
  assert.throws(() => parseProbeOptions(['magnitude.layer=']), badArgument(/magnitude\.layer '' is not valid/));
  assert.throws(() => parseProbeOptions(['dim.n=Infinity']), badArgument(/an integer/));
  // the library's check of options given as objects
  assert.throws(() => checkProbeOptions({ dim: { n: '128' } }), badArgument(/dim\.n "128" is not valid; it must be an integer ≥ 2\./));
  assert.throws(() => checkProbeOptions({ otx: {} }), badArgument(/options for unknown probe 'otx'/));
  assert.throws(() => checkProbeOptions({ ot: { maxSteps: -1 } }), badArgument(/ot\.maxSteps/));
  assert.doesNotThrow(() => checkProbeOptions({ dim: { n: 128, compare: false }, separation: { overTraining: false } }));
});

test('describeOption and the help list every declared option of every registered probe', () => {
  assert.equal(parseOptionValue('x', { type: 'number', min: 0, max: 1, minExclusive: true, default: '0.5', help: '' }, ' 0.25 '), 0.25);
  assert.equal(describeOption({ type: 'number', max: 3, maxExclusive: true, default: '', help: '' }), 'a number < 3');
  const help = probeOptionsHelp();
  let declared = 0;
  for (const p of ANALYSIS_PROBES.values()) {
    for (const key of Object.keys(p.options ?? {})) {
      declared++;
      assert.ok(help.some((l) => l.trimStart().startsWith(`${p.name}.${key} `)), `${p.name}.${key} is not in the help`);
    }
  }
  assert.equal(help.length, declared);
  assert.ok(declared >= 15);
});

test('analyze: options reach the probes; a bad --set is a usage error (exit 2) and a bad library option throws', async () => {
  const lines: string[] = [];
  const code = await analyzeCommand([run, '--probes', 'dim,topology', '--set', 'dim.n=40', '--set', 'dim.walk=false', '--set', 'dim.compare=false', '--set', 'topology.reading=disagreement', '--set', 'topology.confidence=0.9', '--set', 'topology.max-checkpoints=2', '--quiet', '--threads', '1'], (l) => lines.push(l));
  assert.equal(code, 0);
  const dim = JSON.parse(readFileSync(join(run, 'results', 'dim.json'), 'utf8')) as { n: number };
  assert.equal(dim.n, 40);
  const topo = JSON.parse(readFileSync(join(run, 'results', 'topology.json'), 'utf8')) as { reading: string; confidence: number; models: unknown[] };
  assert.deepEqual([topo.reading, topo.confidence, topo.models.length], ['disagreement', 0.9, 2]);
  const m = JSON.parse(readFileSync(join(run, 'results', 'analysis.json'), 'utf8')) as { command: string };
  assert.match(m.command, /--set dim\.n=40/);

  const errs: string[] = [];
  const e = console.error;
  console.error = (s: unknown) => void errs.push(String(s));
  try {
    assert.equal(await main(['analyze', run, '--set', 'dim.n=abc']), 2);
    assert.equal(await main(['analyze', run, '--set', 'regions.max-regions=0']), 2);
  } finally {
    console.error = e;
  }
  assert.match(errs[0]!, /geolens analyze: error \[BAD_ARGUMENT\]: --set: dim\.n 'abc' is not valid; it must be an integer ≥ 2\./);
  assert.match(errs[1]!, /--set: regions\.maxRegions '0' is not valid; it must be an integer ≥ 1\./);

  const help: string[] = [];
  assert.equal(await analyzeCommand(['--help'], (l) => help.push(l)), 0);
  assert.match(help.join('\n'), /--set <probe\.key=value> +a probe's option/);
  assert.match(help.join('\n'), /\n  topology\.reading +the distance that defines classes and plots/);

  const engine = createNodeEngine({ threads: 1 });
  try {
    const target = await openTarget(run);
    await assert.rejects(analyze(engine, target, await analysisData(target), { probes: ['dim'], probeOptions: { dim: { n: -1 } } }), badArgument(/^analyze: dim\.n -1 is not valid/));
  } finally {
    await engine.dispose();
  }
});
