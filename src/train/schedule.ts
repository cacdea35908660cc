/** Learning-rate schedules, as pure functions of the epoch (0-based). */
import { GeolensError } from '../errors.js';

export type LrSchedule =
  | { kind: 'constant' }
  /** lr × gamma at each milestone epoch (He & Su: ÷10 at 200 and 400 of 600). */
  | { kind: 'multistep'; milestones: number[]; gamma: number }
  /** lr × gamma every `every` epochs. */
  | { kind: 'step'; every: number; gamma: number }
  | { kind: 'cosine'; epochs: number };

export function lrAt(base: number, s: LrSchedule, epoch: number): number {
  switch (s.kind) {
    case 'constant':
      return base;
    case 'multistep':
      return base * s.gamma ** s.milestones.filter((m) => epoch >= m).length;
    case 'step':
      return base * s.gamma ** Math.floor(epoch / s.every);
    case 'cosine':
      return 0.5 * base * (1 + Math.cos((Math.PI * Math.min(epoch, s.epochs)) / s.epochs));
  }
}

/** Parse `constant`, `cosine`, `step:7:0.1`, `multistep:200,400:0.1`. */
export function parseSchedule(spec: string, epochs: number): LrSchedule {
  const [kind, a, b] = spec.split(':');
  const bad = (): never => {
    throw new GeolensError('BAD_ARGUMENT', `--lr-schedule '${spec}' is not valid; use constant, cosine, step:<every>:<gamma> or multistep:<e1,e2,...>:<gamma>.`);
  };
  switch (kind) {
    case 'constant':
      return { kind };
    case 'cosine':
      return { kind, epochs };
    case 'step': {
      const every = Number(a);
      const gamma = Number(b ?? 0.1);
      if (!(every > 0) || !(gamma > 0)) bad();
      return { kind, every, gamma };
    }
    case 'multistep': {
      const milestones = (a ?? '').split(',').map(Number);
      const gamma = Number(b ?? 0.1);
      if (milestones.some((m) => !Number.isInteger(m) || m < 0) || !(gamma > 0)) bad();
      return { kind, milestones, gamma };
    }
    default:
      return bad();
  }
}
