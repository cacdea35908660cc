#!/usr/bin/env node
/** The geolens command line: one file per command, dispatched here. */
import { GeolensError } from '../errors.js';
import { UsageError } from './args.js';
import { VERSION } from '../version.js';
import { trainCommand } from './train.js';

type Command = (argv: string[], out: (line: string) => void) => Promise<number>;

const COMMANDS: Record<string, { run: () => Promise<Command>; help: string }> = {
  train: { run: async () => trainCommand, help: 'train a model into a run directory' },
  inspect: { run: async () => (await import('./inspect.js')).inspectCommand, help: 'show an .onnx model: inputs, outputs, ops, probe-able layers, unsupported ops' },
  study: { run: async () => (await import('./study.js')).studyCommand, help: 'multi-run studies: generalisation (magnitude dimension of trajectories vs the generalisation gap), manifold-complexity (linear pieces of a fixed architecture on manifolds that need more)' },
  probe: { run: async () => (await import('./probe.js')).probeCommand, help: 'run a probe (separation, dim, magnitude, topology, regions) on a run directory or an .onnx model' },
  analyze: { run: async () => (await import('./analyze.js')).analyzeCommand, help: 'every probe on one model: results/<probe>.json and a self-contained report.html' },
  report: { run: async () => (await import('./report.js')).reportCommand, help: 're-render report.html from saved results' },
  compare: { run: async () => (await import('./compare.js')).compareCommand, help: 'several runs or models side by side (compare.html)' },
  start: { run: async () => (await import('./start.js')).startCommand, help: 'train the default model, analyze it and write the report (npm start)' },
  ot: { run: async () => (await import('./ot.js')).otCommand, help: 'semi-discrete optimal transport in the latent space of an autoencoder run (AE-OT): potential, generation' },
};

function mainHelp(): string {
  const lines = [`geolens ${VERSION} — the geometry and topology of deep classifiers`, '', 'usage: geolens <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(12)} ${c.help}`);
  lines.push('', "run 'geolens <command> --help' for a command's options");
  return lines.join('\n');
}

/**
 * Runs one geolens command: `argv` is what follows `geolens` on the command line (`['train', '--epochs', '5']`).
 * Prints to stdout/stderr and resolves to the exit status: 0 done, 1 a {@link GeolensError} (printed with its
 * code), 2 a usage error or no command. Other errors reject.
 */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(mainHelp());
    return cmd ? 0 : 2;
  }
  if (cmd === '--version') {
    console.log(VERSION);
    return 0;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    console.error(`geolens: error [BAD_ARGUMENT]: unknown command '${cmd}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  try {
    return await (await c.run())(rest, (l) => console.log(l));
  } catch (e) {
    if (e instanceof GeolensError) {
      console.error(errorLine(cmd === 'probe' && rest[0] && !rest[0].startsWith('-') ? `probe ${rest[0]}` : cmd, e));
      return e instanceof UsageError ? 2 : 1;
    }
    throw e;
  }
}

/**
 * The one form of every error line: `geolens <command>: error [CODE]: <message>` (usage errors included; a message
 * that already begins with `geolens <command>: ` keeps its command and loses the repetition).
 */
export function errorLine(command: string, e: GeolensError): string {
  const m = /^geolens ([\w -]+?): ([\s\S]*)$/.exec(e.message);
  return `geolens ${m ? m[1] : command}: error [${e.code}]: ${m ? m[2] : e.message}`;
}

/**
 * Runs the command line as the process: `main(argv)`, then exits with its status once stdout and stderr have
 * flushed. A pipe closed early (`geolens … | head`) ends the process quietly instead of crashing with EPIPE.
 * Called when this module is the entry point (`node dist/cli/main.js`, `tsx src/cli/main.ts`) and by
 * `bin/geolens.js`; it owns the process, so a library caller wants {@link main} instead.
 */
export function runAsProcess(argv: string[]): void {
  // `geolens … | head` closes the pipe early: stop quietly instead of crashing with EPIPE
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  // process.exit drops what a pipe has not taken yet (a large --json result piped to jq would end mid-way):
  // exit once stdout and stderr have flushed
  const exit = (code: number): void => {
    let pending = 2;
    const done = (): void => void (--pending === 0 && process.exit(code));
    process.stdout.write('', done);
    process.stderr.write('', done);
  };
  main(argv).then(exit, (e) => {
    console.error(e);
    exit(1);
  });
}

// the entry point as sources (tsx src/cli/main.ts) or as the build (node dist/cli/main.js); bin/geolens.js imports
// this module and calls runAsProcess itself
const isEntry = process.argv[1] !== undefined && /cli[\\/]main\.(ts|js)$/.test(process.argv[1]);
if (isEntry) runAsProcess(process.argv.slice(2));
