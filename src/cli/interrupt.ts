/** Ctrl-C for long commands: the first asks the work to stop at a safe point (saying what survives), the second quits. */
import type { ProgressSink } from './progress.js';

/** Listen for SIGINT until `dispose()`; `stopped()` turns true at the first Ctrl-C, a second one exits with 130. */
export function gracefulInterrupt(progress: ProgressSink, message: string): { stopped(): boolean; dispose(): void } {
  let stop = false;
  const onSigint = (): void => {
    if (stop) process.exit(130);
    stop = true;
    progress.line(`interrupt: ${message} (Ctrl-C again to quit at once)`);
  };
  process.on('SIGINT', onSigint);
  return { stopped: () => stop, dispose: () => void process.off('SIGINT', onSigint) };
}
