/**
 * Legible point labels for scatter plots: the names of points that coincide on screen (within a radius in px, e.g.
 * networks at distance 0 in an MDS embedding) are merged into one label ('epoch 40, 50, 60'), and labels that would
 * still overlap are moved up or down by whole lines (greedy placement, nearest free slot first) and, near the right
 * edge, put to the left of their point. Pure geometry on pixel positions; no DOM.
 */
import { FONT_SIZE, textWidth } from './theme.js';

/** A named point in pixels (x to the right, y downwards). */
export interface PixelPoint {
  px: number;
  py: number;
  name: string;
}

/** One label as placed: the points it names (indices), its text, its anchor point and its offset in px. */
export interface PlacedLabel {
  members: number[];
  text: string;
  /** Where the label's points are (the mean of their pixel positions). */
  px: number;
  py: number;
  /** Offset of the label's baseline centre from (px, py) in px (dx > 0: to the right). */
  dx: number;
  dy: number;
  anchor: 'start' | 'end';
}

/**
 * Names joined into one label, with a prefix they share up to a space written once: ['epoch 40', 'epoch 50',
 * 'epoch 60'] → 'epoch 40, 50, 60'; ['a', 'b'] → 'a, b'. More than `max` names: the first max − 1, '…', the last, and
 * the count ('epoch 1, 2, 3, …, 9 (9)').
 */
export function joinNames(names: readonly string[], max = 6): string {
  if (names.length <= 1) return names[0] ?? '';
  let prefix = names[0]!;
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  // only a whole word ending in a space is shared ('epoch '), never part of a number ('epoch 1' of 10, 12)
  const cut = prefix.lastIndexOf(' ');
  prefix = cut >= 0 && names.every((n) => n.length > cut + 1) ? prefix.slice(0, cut + 1) : '';
  const rest = names.map((n) => n.slice(prefix.length));
  const shown = rest.length > max ? [...rest.slice(0, max - 1), '…', rest[rest.length - 1]!] : rest;
  return `${prefix}${shown.join(', ')}${rest.length > max ? ` (${rest.length})` : ''}`;
}

/**
 * Clusters of points closer than `radius` px to a member (single linkage), each as the sorted indices of its
 * members, clusters in order of their first member.
 */
export function coincidentGroups(points: readonly PixelPoint[], radius: number): number[][] {
  const n = points.length;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (Math.hypot(points[i]!.px - points[j]!.px, points[i]!.py - points[j]!.py) <= radius) parent[find(j)] = find(i);
    }
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(i);
  }
  return [...groups.values()];
}

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

const overlaps = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * Labels for the named points: coincident points (within `radius` px, default 9: dots of radius 4.5 that touch) share
 * one label, and each label is put beside its points in the first free slot — right of the points, then left, at 0,
 * +1, −1, +2, −2, … lines of `lineHeight` px — that overlaps no label placed before it nor any point and stays inside
 * [0, right] × [0, bottom] (labels are placed from top to bottom). When no slot is free, the one with the least
 * overlap is taken.
 */
export function placeLabels(points: readonly PixelPoint[], o: { radius?: number; right?: number; bottom?: number; gap?: number; lineHeight?: number; fontSize?: number } = {}): PlacedLabel[] {
  const radius = o.radius ?? 9;
  const gap = o.gap ?? 8;
  const fontSize = o.fontSize ?? FONT_SIZE;
  const line = o.lineHeight ?? Math.round(fontSize * 1.25);
  const right = o.right ?? Infinity;
  const bottom = o.bottom ?? Infinity;
  const labels = coincidentGroups(points, radius)
    .map((members) => ({
      members,
      text: joinNames(members.map((i) => points[i]!.name)),
      px: members.reduce((s, i) => s + points[i]!.px, 0) / members.length,
      py: members.reduce((s, i) => s + points[i]!.py, 0) / members.length,
    }))
    .sort((a, b) => a.py - b.py || a.px - b.px);
  const dots: Box[] = points.map((p) => ({ x0: p.px - 4, x1: p.px + 4, y0: p.py - 4, y1: p.py + 4 }));
  const placed: Box[] = [];
  const out: PlacedLabel[] = [];
  const area = (a: Box, b: Box): number => (overlaps(a, b) ? (Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0)) * (Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0)) : 0);
  for (const l of labels) {
    const w = textWidth(l.text, fontSize);
    const boxAt = (anchor: 'start' | 'end', dy: number): Box => {
      const x0 = anchor === 'start' ? l.px + gap : l.px - gap - w;
      return { x0, x1: x0 + w, y0: l.py + dy - line / 2, y1: l.py + dy + line / 2 };
    };
    let best: { anchor: 'start' | 'end'; dy: number; cost: number } | null = null;
    for (let k = 0; k < 40 && !(best && best.cost === 0); k++) {
      const dy = k === 0 ? 0 : (k % 2 === 1 ? 1 : -1) * Math.ceil(k / 2) * line;
      for (const anchor of ['start', 'end'] as const) {
        const b = boxAt(anchor, dy);
        const outside = b.x0 < 0 || b.x1 > right || b.y0 < -line / 2 || b.y1 > bottom + line / 2;
        if (outside) continue;
        const cost = placed.reduce((s, p) => s + area(p, b), 0) + dots.reduce((s, d) => s + area(d, b), 0);
        if (!best || cost < best.cost) best = { anchor, dy, cost };
        if (cost === 0) break;
      }
    }
    const choice = best ?? { anchor: 'start' as const, dy: 0 };
    placed.push(boxAt(choice.anchor, choice.dy));
    out.push({ ...l, dx: choice.anchor === 'start' ? gap : -gap, dy: choice.dy, anchor: choice.anchor });
  }
  return out;
}
