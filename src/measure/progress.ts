/**
 * Progress of a long probe computation: `(stage, done, total)` — `stage` names the part of the work (e.g.
 * 'features', 'jacobians', 'walks'), `done` of `total` units of it are finished. Every probe's run function takes one
 * as its last argument; the CLI draws it as a progress bar, a library user may pass nothing.
 */
export type ProbeProgress = (stage: string, done: number, total: number, detail?: string) => void;

/** The (done, total) callback of one stage of a ProbeProgress, or undefined when there is none. */
export function stageProgress(onProgress: ProbeProgress | undefined, stage: string): ((done: number, total: number) => void) | undefined {
  return onProgress ? (done, total) => onProgress(stage, done, total) : undefined;
}
