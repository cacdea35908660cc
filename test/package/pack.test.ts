/**
 * The package as users get it: `npm pack` (its prepack script builds dist/), the tarball installed into a temporary
 * project, `geolens` and `geolens/node` imported from plain Node ESM (no tsx anywhere), TypeScript type-checked
 * against the shipped `.d.ts`, and the installed `geolens` command run through npx.
 *
 * Nothing is downloaded: the temporary project gets a lockfile derived from this repository's, so `npm ci --offline`
 * takes the dependencies' tarballs from the npm cache that the repository's own `npm ci` filled. Should that fail
 * (an older lockfile, a cleaned cache), the test falls back to `npm install --prefer-offline` and says so.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
};
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * The environment for child processes: no npm_* variables inherited from `npm test` (npm_config_local_prefix would
 * point a child npm back at this repository) except where packages come from; no NODE_OPTIONS (an inherited
 * `--import tsx` would hide a package that only runs under tsx).
 */
function childEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig']);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if ((/^npm_/i.test(k) && !keep.has(k.toLowerCase())) || k === 'INIT_CWD' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  env.ONNXRUNTIME_NODE_INSTALL_CUDA = 'skip';
  return env;
}

function run(cmd: string, args: string[], cwd: string, timeout = 180_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: childEnv(), encoding: 'utf8', timeout, maxBuffer: 1 << 26, shell: process.platform === 'win32' && cmd !== process.execPath });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} exited with ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r.stdout;
}

interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * A lockfile for a project that depends on the tarball only: this repository's entries for the packed package's
 * dependency closure (resolved the way Node does, from the nearest node_modules up), without dev flags.
 */
function projectLock(tarball: string): object {
  const repo = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const find = (from: string, name: string): string | undefined => {
    for (let base = from; ; ) {
      const path = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (repo.packages[path]) return path;
      if (!base) return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const closure: Record<string, LockEntry> = {};
  const visit = (from: string, deps: Record<string, string> = {}, optional: Record<string, string> = {}): void => {
    for (const name of Object.keys({ ...deps, ...optional })) {
      const path = find(from, name);
      if (path === undefined) {
        if (name in optional) continue;
        throw new Error(`${name} (needed by ${from || PKG.name}) is not in package-lock.json`);
      }
      if (closure[path]) continue;
      const { dev: _dev, devOptional: _devOptional, ...entry } = repo.packages[path]!;
      closure[path] = entry;
      visit(path, entry.dependencies, entry.optionalDependencies);
    }
  };
  visit('', PKG.dependencies);
  const spec = `file:../${tarball}`;
  return {
    name: 'consumer',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'consumer', dependencies: { [PKG.name]: spec } },
      // npm ci links bins from the lockfile's entry, not from the installed package.json
      [`node_modules/${PKG.name}`]: { version: PKG.version, resolved: spec, license: PKG.license, dependencies: PKG.dependencies, bin: PKG.bin, engines: PKG.engines },
      ...closure,
    },
  };
}

/** Plain Node ESM: a linear softmax model run by onnxruntime-node, checked against x·W + b, and a probe's math. */
const CHECK_MJS = `
import * as geolens from 'geolens';
import { createNodeEngine } from 'geolens/node';
const { buildModel, Trainer, tensor, separationFuzziness } = geolens;
const def = buildModel({ kind: 'mlp', inputShape: [3], widths: [], numClasses: 4 });
const trainer = await Trainer.create(createNodeEngine(), def, { optimizer: 'sgd', lr: 0.1, batchSize: 8, seed: 3 });
const x = Float32Array.from([0.5, -1, 2, 1.5, 0.25, -0.75]);
const logits = await trainer.logits(tensor(x, [2, 3]));
const { params } = trainer.snapshot();
const W = params['classifier.weight'].data, b = params['classifier.bias'].data;
let maxAbsErr = 0;
for (let i = 0; i < 2; i++) for (let c = 0; c < 4; c++) {
  let z = b[c];
  for (let k = 0; k < 3; k++) z += x[i * 3 + k] * W[k * 4 + c];
  maxAbsErr = Math.max(maxAbsErr, Math.abs(z - logits[i * 4 + c]));
}
// classes {0, 2} and {4, 6}: SS_w = 1, SS_b = 4
const { D } = separationFuzziness(tensor(Float64Array.from([0, 2, 4, 6]), [4, 1]), [0, 0, 1, 1], 2, { variant: 'definition' });
console.log(JSON.stringify({ exports: Object.keys(geolens).length, logits: logits.length, maxAbsErr, D }));
`;

/** Types from both entry points, used the way the README shows. */
const GOOD_TS = `
import { buildModel, separationFuzziness, tensor, Trainer, type Engine, type ModelDef, type SeparationFuzziness } from 'geolens';
import { createNodeEngine, loadDataset, type RunConfig } from 'geolens/node';

const def: ModelDef = buildModel({ kind: 'mlp', inputShape: [3], widths: [8], numClasses: 2 });
const engine: Engine = createNodeEngine();
export const trainer: Promise<Trainer> = Trainer.create(engine, def, { optimizer: 'sgd', lr: 0.1, batchSize: 8, seed: 3 });
const r: SeparationFuzziness = separationFuzziness(tensor(new Float64Array(4), [4, 1]), [0, 0, 1, 1], 2, { variant: 'definition' });
export const d: number = r.D;
export { loadDataset };
export type { RunConfig };
`;

/** Must be reported: with the types missing (any) or unresolved, the check would otherwise pass vacuously. */
const BAD_TS = `import { separationFuzziness, tensor } from 'geolens';
export const wrong: string = separationFuzziness(tensor(new Float64Array(4), [4, 1]), [0, 0, 1, 1], 2, { variant: 'definition' }).D;
`;

/**
 * A Node user's settings: NodeNext resolution through `exports`, and the shipped `.d.ts` checked too
 * (skipLibCheck off). The DOM lib stands in for @types/node: the result schemas' zod types name the global `URL`,
 * which either provides (geolens' own types need neither).
 */
const TSCONFIG = {
  compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: false },
  files: ['good.ts', 'bad.ts'],
};

describe('the npm package (npm pack → install the tarball → plain Node)', () => {
  let tmp = '';
  let project = '';
  let packed: string[] = [];

  before(
    async () => {
      tmp = mkdtempSync(join(tmpdir(), 'geolens-pack-'));
      // prepack builds dist/ from the sources first
      const out = ok(run('npm', ['pack', '--json', '--pack-destination', tmp], ROOT), 'npm pack');
      const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; size: number; entryCount: number; files: { path: string }[] }[];
      const tarball = info[0]!.filename;
      packed = info[0]!.files.map((f) => f.path).sort();
      assert.ok(existsSync(join(tmp, tarball)), `npm pack wrote no ${tarball}`);

      project = join(tmp, 'project');
      mkdirSync(project);
      const write = (): void => writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { [PKG.name]: `file:../${tarball}` } }, null, 2));
      // --ignore-scripts: onnxruntime-node's CPU binaries are in its tarball; its postinstall only fetches CUDA ones
      const flags = ['--ignore-scripts', '--no-audit', '--no-fund'];
      write();
      let installed: SpawnSyncReturns<string> | undefined;
      let why = '';
      try {
        writeFileSync(join(project, 'package-lock.json'), JSON.stringify(projectLock(tarball), null, 2));
        installed = run('npm', ['ci', '--offline', ...flags], project);
        if (installed.status !== 0) why = installed.stderr.trim().split('\n').slice(-3).join(' | ');
      } catch (e) {
        why = String(e);
      }
      if (installed?.status !== 0) {
        console.log(`offline install from the npm cache failed (${why}); installing with --prefer-offline`);
        rmSync(join(project, 'package-lock.json'), { force: true });
        rmSync(join(project, 'node_modules'), { recursive: true, force: true });
        write();
        ok(run('npm', ['install', '--prefer-offline', ...flags], project), 'npm install');
      }
      writeFileSync(join(project, 'check.mjs'), CHECK_MJS);
      writeFileSync(join(project, 'good.ts'), GOOD_TS);
      writeFileSync(join(project, 'bad.ts'), BAD_TS);
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
      console.log(`${tarball}: ${info[0]!.size} bytes, ${info[0]!.entryCount} files`);
    },
    { timeout: 300_000 },
  );

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('the tarball holds the build, the bin and the README, and no sources, tests or benchmarks', () => {
    for (const f of ['package.json', 'README.md', 'bin/geolens.js', 'dist/index.js', 'dist/index.d.ts', 'dist/node.js', 'dist/node.d.ts', 'dist/cli/main.js']) {
      assert.ok(packed.includes(f), `${f} is not in the tarball`);
    }
    const stray = packed.filter((f) => !/^(package\.json|README\.md|LICENSE|bin\/geolens\.js|dist\/.+\.(js|d\.ts)(\.map)?)$/.test(f) || /\.test\.|^dist\/(test|bench)\//.test(f));
    assert.deepEqual(stray, []);
  });

  test('the installed tree has neither tsx nor the TypeScript sources', () => {
    const modules = readdirSync(join(project, 'node_modules'));
    assert.ok(modules.includes(PKG.name) && modules.includes('onnxruntime-node'), `installed: ${modules.join(', ')}`);
    for (const dev of ['tsx', 'typescript', 'esbuild']) assert.ok(!modules.includes(dev), `${dev} was installed with the package`);
    assert.deepEqual(readdirSync(join(project, 'node_modules', PKG.name)).sort(), ['README.md', 'bin', 'dist', 'package.json']);
  });

  test("plain Node imports 'geolens' and 'geolens/node' and runs a model on onnxruntime-node", () => {
    const out = ok(run(process.execPath, ['check.mjs'], project, 60_000), 'node check.mjs');
    const r = JSON.parse(out) as { exports: number; logits: number; maxAbsErr: number; D: number };
    assert.ok(r.exports > 50, `only ${r.exports} exports from 'geolens'`);
    assert.equal(r.logits, 8);
    assert.ok(r.maxAbsErr < 1e-5, `logits differ from x·W + b by ${r.maxAbsErr}`);
    assert.ok(Math.abs(r.D - 0.25) < 1e-12, `D = ${r.D}, expected 0.25`);
  });

  test('TypeScript (NodeNext) type-checks against the shipped .d.ts, and reports a wrong type', () => {
    const r = run(process.execPath, [TSC, '-p', '.'], project, 120_000);
    const errors = r.stdout.trim().split('\n').filter((l) => /error TS/.test(l));
    assert.equal(errors.length, 1, `expected exactly the error in bad.ts, got:\n${r.stdout}${r.stderr}`);
    assert.match(errors[0]!, /^bad\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
    assert.equal(r.status, 2);
  });

  test('npx geolens runs the compiled CLI: --help, --version, a one-epoch training run', () => {
    const help = ok(run('npx', ['--no', '--', 'geolens', '--help'], project, 60_000), 'npx geolens --help');
    assert.match(help, /^geolens \S+ — /);
    assert.match(help, /usage: geolens <command> \[options\]/);
    assert.equal(ok(run('npx', ['--no', '--', 'geolens', '--version'], project, 60_000), 'npx geolens --version').trim(), PKG.version);
    const dir = join(tmp, 'run');
    const train = ok(run('npx', ['--no', '--', 'geolens', 'train', '--epochs', '1', '--out', dir], project, 60_000), 'npx geolens train');
    assert.match(train, /held-out acc/);
    for (const f of ['config.json', 'metrics.jsonl', 'model.onnx', 'weights/final.safetensors']) assert.ok(existsSync(join(dir, f)), `${f} missing in the run directory`);
  });
});
