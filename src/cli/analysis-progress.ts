/**
 * Progress of `geolens analyze` on stderr: on a terminal one bar per probe and an overall bar (cli-progress
 * MultiBar), elsewhere plain lines (a probe's start, each new stage, its end); nothing with --quiet or --json.
 */
import cliProgress from 'cli-progress';
import type { AnalysisEvent, AnalysisProgress } from '../studies/types.js';

export interface AnalysisProgressSink {
  onEvent: AnalysisProgress;
  /** Leave the bars drawn as they are and show the cursor again (a second call does nothing). */
  stop(): void;
  /** Print a line above the bars (even with --quiet: it is for messages the user must see, like Ctrl-C's). */
  line(text: string): void;
}

export function analysisProgress(stream: NodeJS.WriteStream = process.stderr, opts: { quiet?: boolean } = {}): AnalysisProgressSink {
  if (opts.quiet) return { onEvent: () => {}, stop: () => {}, line: (t) => void stream.write(t + '\n') };
  if (!stream.isTTY) return plainLines(stream);
  const multi = new cliProgress.MultiBar(
    { stream, format: ' {name} {bar} {percentage}% | {stage}', barsize: 24, hideCursor: true, clearOnComplete: false, autopadding: true, fps: 10, barCompleteChar: '█', barIncompleteChar: '░' },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  let overall: cliProgress.SingleBar | undefined;
  let finished = 0;
  let width = 8;
  let stopped = false;
  const name = (s: string): string => s.padEnd(width);
  return {
    onEvent(e: AnalysisEvent) {
      if (e.type === 'plan') {
        const running = e.probes.filter((p) => p.runs);
        width = Math.max(8, ...e.probes.map((p) => p.name.length));
        for (const p of e.probes) if (!p.runs) multi.log(`${p.name}: skipped — ${p.reason}\n`);
        for (const p of running) bars.set(p.name, multi.create(1, 0, { name: name(p.name), stage: 'waiting' }));
        overall = multi.create(Math.max(1, running.length), 0, { name: name('overall'), stage: `0 of ${running.length} probes` });
      } else if (e.type === 'start') bars.get(e.probe)?.update(0, { stage: 'starting' });
      else if (e.type === 'progress') {
        const b = bars.get(e.probe);
        if (b) {
          b.setTotal(Math.max(1, e.total));
          b.update(Math.min(e.done, e.total), { stage: `${e.stage}${e.detail ? ` (${e.detail})` : ''} ${e.done}/${e.total}` });
        }
      } else {
        const b = bars.get(e.probe);
        b?.setTotal(1);
        b?.update(1, { stage: e.status === 'ok' ? `done in ${e.seconds.toFixed(1)}s` : e.status });
        finished++;
        overall?.update(finished, { stage: `${finished} of ${bars.size} probes` });
        if (e.status !== 'ok') multi.log(`${e.probe}: ${e.status} — ${e.reason}\n`);
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
    line(text) {
      if (stopped) stream.write(text + '\n');
      else multi.log(text + '\n');
    },
  };
}

function plainLines(stream: NodeJS.WriteStream): AnalysisProgressSink {
  const lastStage = new Map<string, string>();
  const line = (s: string): void => void stream.write(s + '\n');
  return {
    onEvent(e) {
      if (e.type === 'plan') {
        for (const p of e.probes) line(p.runs ? `${p.name}: queued` : `${p.name}: skipped — ${p.reason}`);
      } else if (e.type === 'start') line(`${e.probe}: running`);
      else if (e.type === 'progress') {
        if (lastStage.get(e.probe) !== e.stage) line(`${e.probe}: ${e.stage}`);
        lastStage.set(e.probe, e.stage);
      } else line(e.status === 'ok' ? `${e.probe}: done in ${e.seconds.toFixed(1)}s` : `${e.probe}: ${e.status} — ${e.reason}`);
    },
    stop() {},
    line,
  };
}
