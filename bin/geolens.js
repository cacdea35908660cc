#!/usr/bin/env node
// The `geolens` command.
// - Installed package (no src/): runs the compiled CLI, dist/cli/main.js, in plain Node; tsx is never needed.
// - Git clone (src/ present and tsx installed, a devDependency): runs the TypeScript sources through tsx, so
//   `npx geolens` works without a build step and never runs a stale dist/.
// - Clone without dev dependencies (`npm ci --omit=dev`): runs dist/ if built.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const srcMain = join(root, 'src', 'cli', 'main.ts');
const distMain = join(root, 'dist', 'cli', 'main.js');

function tsxCli() {
  try {
    return createRequire(import.meta.url).resolve('tsx/cli');
  } catch {
    return undefined;
  }
}

const tsx = existsSync(srcMain) ? tsxCli() : undefined;
if (tsx !== undefined) {
  const r = spawnSync(process.execPath, [tsx, srcMain, ...argv], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else if (existsSync(distMain)) {
  // runAsProcess: EPIPE on a closed pipe ends quietly; exits once stdout and stderr have flushed
  const { runAsProcess } = await import(pathToFileURL(distMain).href);
  runAsProcess(argv);
} else {
  console.error('geolens: neither dist/cli/main.js (run `npm run build`) nor tsx for the sources (run `npm ci`) was found');
  process.exit(1);
}
