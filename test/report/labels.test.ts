/**
 * Legible scatter labels: names of coincident points share one label ('epoch 40, 50, 60'), labels never overlap each
 * other, and the MDS of a topology result where several networks sit at distance 0 draws one label for them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/report/node.js';
import { coincidentGroups, joinNames, placeLabels, type PixelPoint } from '../../src/report/charts/labels.js';
import { scatterChart } from '../../src/report/charts/scatter.js';
import { textWidth } from '../../src/report/charts/theme.js';

test('joinNames writes a shared word prefix once, never part of a number, and shortens long lists', () => {
  assert.equal(joinNames(['ckpt 40', 'ckpt 50', 'ckpt 60']), 'ckpt 40, 50, 60');
  assert.equal(joinNames(['epoch 1', 'epoch 10', 'epoch 12']), 'epoch 1, 10, 12');
  assert.equal(joinNames(['run a', 'seed b']), 'run a, seed b');
  assert.equal(joinNames(['only']), 'only');
  assert.equal(joinNames([]), '');
  assert.equal(joinNames(['epoch', 'epoch 2']), 'epoch, epoch 2');
  assert.equal(joinNames(Array.from({ length: 9 }, (_, i) => `epoch ${i + 1}`), 4), 'epoch 1, 2, 3, …, 9 (9)');
});

test('coincidentGroups is single linkage within the radius', () => {
  const pts: PixelPoint[] = [
    { px: 0, py: 0, name: 'a' },
    { px: 5, py: 0, name: 'b' },
    { px: 10, py: 0, name: 'c' }, // 5 from b: chained to a
    { px: 100, py: 0, name: 'd' },
  ];
  assert.deepEqual(coincidentGroups(pts, 6), [[0, 1, 2], [3]]);
  assert.deepEqual(coincidentGroups(pts, 4), [[0], [1], [2], [3]]);
});

function boxes(labels: ReturnType<typeof placeLabels>, line: number): { x0: number; x1: number; y0: number; y1: number }[] {
  return labels.map((l) => {
    const w = textWidth(l.text);
    const x0 = l.anchor === 'start' ? l.px + l.dx : l.px + l.dx - w;
    return { x0, x1: x0 + w, y0: l.py + l.dy - line / 2, y1: l.py + l.dy + line / 2 };
  });
}

test('placeLabels: one label per coincident group, no two labels overlap, near the right edge labels go left', () => {
  // three networks at one point, two a few px apart, a row of points 4 px apart vertically, one at the right edge
  const pts: PixelPoint[] = [
    { px: 100, py: 100, name: 'ckpt 40' },
    { px: 100, py: 100, name: 'ckpt 50' },
    { px: 100.5, py: 100, name: 'ckpt 60' },
    { px: 200, py: 50, name: 'a' },
    { px: 200, py: 62, name: 'b' },
    { px: 200, py: 74, name: 'c' },
    { px: 495, py: 200, name: 'right edge' },
  ];
  const labels = placeLabels(pts, { right: 500, lineHeight: 16 });
  assert.deepEqual(labels.map((l) => l.text).sort(), ['a', 'b', 'c', 'ckpt 40, 50, 60', 'right edge']);
  assert.deepEqual(labels.find((l) => l.text.startsWith('ckpt'))!.members, [0, 1, 2]);
  assert.equal(labels.find((l) => l.text === 'right edge')!.anchor, 'end');
  const b = boxes(labels, 16);
  for (let i = 0; i < b.length; i++) {
    for (let j = i + 1; j < b.length; j++) {
      const o = b[i]!.x0 < b[j]!.x1 && b[j]!.x0 < b[i]!.x1 && b[i]!.y0 < b[j]!.y1 && b[j]!.y0 < b[i]!.y1;
      assert.ok(!o, `labels '${labels[i]!.text}' and '${labels[j]!.text}' overlap`);
    }
  }
  // the three close points of a column keep their own labels, moved apart by whole lines
  const dys = ['a', 'b', 'c'].map((t) => labels.find((l) => l.text === t)!.dy);
  assert.ok(dys.every((d) => d % 16 === 0));
});

test('a scatter chart draws one label for coincident points and a label per isolated point', () => {
  const svg = scatterChart({ xLabel: 'x', yLabel: 'y', standalone: false }, [
    { x: 0, y: 0, name: 'epoch 40' },
    { x: 0, y: 0, name: 'epoch 50' },
    { x: 0, y: 0, name: 'epoch 60' },
    { x: 1, y: 1, name: 'epoch 0' },
  ]);
  assert.match(svg, />epoch 40, 50, 60</);
  assert.match(svg, />epoch 0</);
  assert.doesNotMatch(svg, />epoch 50</);
  assert.equal((svg.match(/<circle/g) ?? []).length, 4);
});

test('placeLabels in a crowd: every label inside the plot area, none overlapping while there is room', () => {
  // 12 points in a 30×24 px patch near the bottom of a 468×220 plot (like late checkpoints of one run): 12 lines fit
  const pts: PixelPoint[] = Array.from({ length: 12 }, (_, i) => ({ px: 60 + (i % 4) * 10, py: 180 + Math.floor(i / 4) * 12, name: `epoch ${i + 9}` }));
  const labels = placeLabels(pts, { right: 468, bottom: 220, lineHeight: 16 });
  const b = boxes(labels, 16);
  for (const [i, x] of b.entries()) {
    assert.ok(x.x0 >= 0 && x.x1 <= 468 && x.y0 >= -8 && x.y1 <= 228, `label '${labels[i]!.text}' leaves the plot: ${JSON.stringify(x)}`);
  }
  let overlaps = 0;
  for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++) if (b[i]!.x0 < b[j]!.x1 && b[j]!.x0 < b[i]!.x1 && b[i]!.y0 < b[j]!.y1 && b[j]!.y0 < b[i]!.y1) overlaps++;
  assert.equal(overlaps, 0);
  // every point is named by exactly one label
  assert.deepEqual(labels.flatMap((l) => l.members).sort((a, c) => a - c), pts.map((_, i) => i));
});
