import type { ChildProcess } from 'node:child_process';

/** Send SIGINT to `child` once `ready()` holds (polled every 5 ms); resolves with the child's exit code. */
export function interruptWhen(child: ChildProcess, ready: () => boolean): Promise<number | null> {
  return new Promise<number | null>((res) => {
    const poll = setInterval(() => {
      if (ready()) {
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 5);
    child.on('exit', (c) => {
      clearInterval(poll);
      res(c);
    });
  });
}
