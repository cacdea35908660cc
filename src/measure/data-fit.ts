/**
 * Data against a model's input: shapes compared, not just element counts. Samples whose shape differs from the
 * model's input while the counts agree are never fed silently: a plain reshape that cannot change the order of the
 * values (adding or removing axes of size 1, flattening a one-channel image or unflattening into one) is done and
 * said in the dataset's notes; anything that would need a transpose (channels first vs channels last) or a guess
 * about the order of flattened channels is refused with the fix.
 */
import type { Dataset } from '../data/types.js';
import { GeolensError } from '../errors.js';
import { numel } from '../tensor.js';

const squeeze = (s: readonly number[]): number[] => s.filter((d) => d !== 1);
const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Channels-first [C, H, W] and channels-last [H, W, C] of the same image (C < H, W: a channel axis, not a side). */
function layoutOf(s: readonly number[]): { c: number; h: number; w: number; first: boolean }[] {
  if (s.length !== 3) return [];
  const out: { c: number; h: number; w: number; first: boolean }[] = [];
  if (s[0]! < s[1]! && s[0]! < s[2]!) out.push({ c: s[0]!, h: s[1]!, w: s[2]!, first: true });
  if (s[2]! < s[0]! && s[2]! < s[1]!) out.push({ c: s[2]!, h: s[0]!, w: s[1]!, first: false });
  return out;
}

/**
 * `data` as the model's input of sample shape `want` (its non-batch dims). Returns the dataset itself when the shapes
 * agree; a dataset with the same values, the model's sample shape and a note when only axes of size 1 or the
 * flattening of a one-channel image differ; throws BAD_SHAPE otherwise, naming the fix: `#layout=nhwc` or
 * `#layout=nchw` in the dataset spec for channels first vs channels last, `#resize=HxW` for other image sizes.
 * `what` names the data and the model in messages.
 */
export function fitDataToModel(data: Dataset, want: readonly number[], what: { data?: string; model?: string } = {}): Dataset {
  const have = data.sampleShape;
  if (same(have, want)) return data;
  const dname = what.data ?? data.name;
  const mname = what.model ?? 'the model';
  if (numel(have) !== numel(want)) {
    throw new GeolensError(
      'BAD_SHAPE',
      `${dname} has samples of shape ${fmt(have)} (${numel(have)} values) but ${mname} takes ${fmt(want)} (${numel(want)} values); use a matching dataset${want.length >= 2 ? ` (images: #resize=HxW in the dataset spec, e.g. #resize=${want[want.length - 2]}x${want[want.length - 1]})` : ''}.`,
      { data: [...have], model: [...want] },
    );
  }
  const sh = squeeze(have);
  const sw = squeeze(want);
  const flatOneChannel = (sh.length === 1 && sw.length <= 2) || (sw.length === 1 && sh.length <= 2);
  if (same(sh, sw) || flatOneChannel) {
    const note = `samples of shape ${fmt(have)} fed to ${mname}'s input ${fmt(want)} as the same values in the same (row-major) order${flatOneChannel && !same(sh, sw) ? ' (flattened one-channel images)' : ''}`;
    return { ...data, x: { data: data.x.data, shape: [data.y.length, ...want] }, sampleShape: [...want], notes: [...(data.notes ?? []), note] };
  }
  for (const a of layoutOf(have)) {
    for (const b of layoutOf(want)) {
      if (a.c === b.c && a.h === b.h && a.w === b.w && a.first !== b.first) {
        const to = b.first ? 'nchw' : 'nhwc';
        throw new GeolensError(
          'BAD_SHAPE',
          `${dname} has ${a.first ? 'channels-first' : 'channels-last'} samples ${fmt(have)} but ${mname} takes ${b.first ? 'channels-first' : 'channels-last'} input ${fmt(want)}${b.first ? '' : ' (a Keras/TensorFlow layout)'}; the counts agree, but feeding them would scramble the images. Add #layout=${to} to the dataset spec to transpose the samples (e.g. '<spec>#layout=${to}').`,
          { data: [...have], model: [...want], layout: to },
        );
      }
    }
  }
  const multi = sh.length === 1 || sw.length === 1;
  throw new GeolensError(
    'BAD_SHAPE',
    `${dname} has samples of shape ${fmt(have)} but ${mname} takes ${fmt(want)}: the counts agree (${numel(want)}) but the order of the values would be a guess${multi ? ' (flattened images with several channels: channel planes, or pixel by pixel?)' : ''}. ${multi ? 'Reshape the samples to images yourself (numpy: x.reshape(n, C, H, W) for channel planes, x.reshape(n, H, W, C) pixel by pixel) and add #layout=nhwc or #layout=nchw if the model wants the other one.' : 'Save the samples in the shape the model takes.'}`,
    { data: [...have], model: [...want] },
  );
}

/** The dataset's notes as result warnings ("data: …"). */
export function dataNotes(data: Dataset): string[] {
  return (data.notes ?? []).map((n) => `data: ${n}`);
}
