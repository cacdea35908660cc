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
  probe: { run: async () => (await import('./probe.js')).probeCommand, help: 'run a probe (separation, dim) on a run directory or an .onnx model' },
  ot: { run: async () => (await import('./ot.js')).otCommand, help: 'semi-discrete optimal transport in the latent space of an autoencoder run (AE-OT): potential, generation' },
};

function mainHelp(): string {
  const lines = [`geolens ${VERSION} — the geometry and topology of deep classifiers`, '', 'usage: geolens <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(12)} ${c.help}`);
  lines.push('', "run 'geolens <command> --help' for a command's options");
  return lines.join('\n');
}

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
    console.error(`geolens: unknown command '${cmd}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  try {
    return await (await c.run())(rest, (l) => console.log(l));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(e.message);
      return 2;
    }
    if (e instanceof GeolensError) {
      console.error(`geolens ${cmd}: error [${e.code}]: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

const isEntry = process.argv[1] !== undefined && /cli[\\/]main\.(ts|js)$/.test(process.argv[1]);
if (isEntry) {
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
  main(process.argv.slice(2)).then(exit, (e) => {
    console.error(e);
    exit(1);
  });
}
