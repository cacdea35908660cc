/**
 * `geolens train --resume`: a resumed run keeps the settings of its config.json. The flags given on the command line
 * that differ from them are named in one warning line (they are ignored), and a different --epochs is refused: the
 * learning-rate schedule, the recording of the last steps and the checkpoints are laid out for the saved count, so
 * the run cannot be extended in place.
 */
import type { RunConfig } from '../train/node.js';
import { parseWidths, UsageError } from './args.js';

type Values = Record<string, string | boolean | undefined>;
type Saved = (c: RunConfig) => string;

const num = (v: string | boolean): string => String(Number(v));
const list = (v: string | boolean): string => String(v).split(',').map((x) => Number(x.trim())).join(',');
const NONE = 'none';

/** Each flag that a run's config fixes: its saved value, and the given value in the same form. */
const SAVED: Record<string, { saved: Saved; norm?: (v: string | boolean) => string }> = {
  dataset: { saved: (c) => c.dataset.spec },
  model: { saved: (c) => (c.model.kind === 'autoencoder' && c.model.channels?.length ? 'conv-autoencoder' : c.model.kind) },
  widths: { saved: (c) => (c.model.kind === 'cnn' ? NONE : c.model.widths.join(',')), norm: (v) => parseWidths('train', String(v)).join(',') },
  bottleneck: { saved: (c) => (c.model.kind === 'autoencoder' ? String(c.model.bottleneck) : NONE), norm: num },
  'batch-norm': { saved: (c) => String(c.model.kind === 'mlp' && c.model.batchNorm === true) },
  channels: { saved: (c) => (c.model.kind === 'cnn' || (c.model.kind === 'autoencoder' && c.model.channels?.length) ? (c.model.channels ?? []).join(',') : NONE), norm: list },
  hidden: { saved: (c) => (c.model.kind === 'cnn' ? String(c.model.hidden) : c.model.kind === 'autoencoder' && c.model.channels?.length ? String(c.model.widths[0] ?? 0) : NONE), norm: num },
  'batch-size': { saved: (c) => String(c.train.batchSize), norm: num },
  lr: { saved: (c) => String(c.train.lr), norm: num },
  optimizer: { saved: (c) => c.train.optimizer },
  momentum: { saved: (c) => (c.train.momentum !== undefined ? String(c.train.momentum) : NONE), norm: num },
  'weight-decay': { saved: (c) => String(c.train.weightDecay), norm: num },
  'lr-schedule': { saved: (c) => c.train.lrSchedule },
  seed: { saved: (c) => String(c.train.seed), norm: num },
  'test-fraction': { saved: (c) => String(c.dataset.testFraction ?? 0.2), norm: num },
  limit: { saved: (c) => (c.dataset.limit !== undefined ? String(c.dataset.limit) : NONE), norm: num },
  'record-every': { saved: (c) => String(c.train.recordEvery), norm: num },
  'record-last': { saved: (c) => String(c.train.recordLast), norm: num },
  'checkpoint-every': { saved: (c) => String(c.train.checkpointEvery), norm: num },
};

/**
 * Check the flags given with --resume (`given`: only those on the command line, no defaults) against the run's
 * config. Returns the warning line naming the ignored flags with their saved values, or null when none differs.
 * Throws UsageError when --epochs differs from the saved epoch count.
 */
export function resumeFlagCheck(given: Values, config: RunConfig, dir: string): string | null {
  const epochs = given.epochs;
  if (epochs !== undefined && Number(epochs) !== config.train.epochs) {
    const n = config.train.epochs;
    const ep = `${n} epoch${n === 1 ? '' : 's'}`;
    throw new UsageError(
      `geolens train --resume: the run in ${dir} is set up for ${ep} and --resume only continues it that far; it cannot change the count to --epochs ${epochs} (the learning-rate schedule, the recording of the last steps and the checkpoints are laid out for ${ep}). ` +
        `Drop --epochs to finish this run, or train a new run with --epochs ${epochs} and another --out (the run's settings are in ${dir}/config.json).`,
    );
  }
  const ignored: string[] = [];
  for (const [flag, { saved, norm }] of Object.entries(SAVED)) {
    const v = given[flag];
    if (v === undefined) continue;
    const s = saved(config);
    let g: string;
    try {
      g = (norm ?? String)(v);
    } catch {
      g = String(v);
    }
    if (g !== s) ignored.push(`--${flag} ${v === true ? '' : v}`.trimEnd() + ` (saved: ${s})`);
  }
  return ignored.length ? `warning: --resume continues the run with its saved config.json; ignoring ${ignored.join(', ')}` : null;
}
