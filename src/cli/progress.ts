/** Progress display: a redrawn bar on a TTY, plain occasional lines otherwise. */
export interface ProgressSink {
  update(label: string, done: number, total: number, extra?: string): void;
  line(text: string): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, opts: { quiet?: boolean } = {}): ProgressSink {
  const tty = stream.isTTY === true && !opts.quiet;
  let last = 0;
  let drawn = false;
  return {
    update(label, done, total, extra = '') {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 80 && done < total) return;
      last = now;
      const width = 24;
      const filled = Math.round((width * done) / Math.max(1, total));
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      stream.write(`\r\x1b[2K${label} ${bar} ${done}/${total} ${extra}`);
      drawn = true;
    },
    line(text) {
      if (opts.quiet) return;
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
      stream.write(text + '\n');
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
