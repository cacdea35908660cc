/** Plots of the Data Information Matrix results: spectra as box plots per k, the leaf field, the walks' frames. */
import type { DimWalkFrames } from '../probes/dim/run.js';
import type { DimDistancesResult, DimResult, DimSpectrumStats, DimWalksResult } from '../probes/dim/types.js';
import { paddedRange } from '../probes/dim/run.js';
import { imageGridPng } from './png.js';
import { boxChart, pathChart, type BoxSummary } from './svg.js';

/** Boxes of stats indexed by k (undefined where no point has rank > k). */
function boxesByK(stats: DimSpectrumStats, K: number): (BoxSummary | undefined)[] {
  const out: (BoxSummary | undefined)[] = new Array(K).fill(undefined);
  for (const b of stats.boxes) if (b.k < K) out[b.k] = { min: b.min, q1: b.q1, median: b.median, q3: b.q3, max: b.max };
  return out;
}

const maxRank = (r: DimResult): number => Math.min(r.model.numClasses - 1, r.model.inputDim);

/** log10 λ_k of D(x) as one box per k (dim-spectrum.svg). */
export function dimSpectrumChart(r: DimResult): string {
  const K = maxRank(r);
  return boxChart(
    { title: `DIM spectrum: log10 λ_k of D(x) at ${r.n} points of ${r.dataset.name}`, xLabel: 'k (1 = largest eigenvalue)', yLabel: 'log10 λ_k', width: Math.max(560, 60 * K + 120) },
    [{ name: r.dataset.name, boxes: boxesByK(r.stats, K) }],
  );
}

/** The spectra of one model on several datasets, side by side per k (dim-distances.svg). */
export function dimDistancesChart(r: DimDistancesResult, K: number): string {
  return boxChart(
    { title: `DIM spectra of one model on ${r.datasets.length} datasets: log10 λ_k`, xLabel: 'k (1 = largest eigenvalue)', yLabel: 'log10 λ_k', width: Math.min(1400, Math.max(640, 14 * K * r.datasets.length + 240)), height: 420 },
    r.datasets.map((x) => ({ name: x.name, boxes: boxesByK(x.stats, K) })),
  );
}

/**
 * 2-D inputs: the leaf field (black = along, red = across) over the measured points `xy` (flattened [n, 2]) with
 * labels (dim-foliation.svg). Equal scales on both axes, so the two families of leaves meet at right angles on screen;
 * the points in the palette's third and later colours, away from the black/red of the leaves.
 */
export function dimFoliationChart(w: DimWalksResult, xy: ArrayLike<number>, labels: ArrayLike<number>): string | undefined {
  if (!w.field) return undefined;
  const n = labels.length;
  const xs = Array.from({ length: n }, (_, i) => xy[2 * i]!);
  const ys = Array.from({ length: n }, (_, i) => xy[2 * i + 1]!);
  const [x0, x1] = paddedRange(xs);
  const [y0, y1] = paddedRange(ys);
  const plotW = 560;
  const plotH = Math.round(Math.min(900, Math.max(200, (plotW * (y1 - y0)) / (x1 - x0))));
  return pathChart(
    { title: `DIM leaves on ${w.dataset}: black = along (image of D), red = across (kernel of D)`, xLabel: 'x₁', yLabel: 'x₂', width: plotW + 80, height: plotH + 84 },
    w.field.lines.map((f) => ({ group: f.mode === 'along' ? 0 : 1, points: f.points.map((p) => [p[0]!, p[1]!] as [number, number]) })),
    xs.map((x, i) => ({ x, y: ys[i]!, label: labels[i]! + 2 })),
  );
}

/** Image inputs: the walks' frames as one PNG (rows: walks; columns: every frameEvery steps) (dim-walks.png). */
export function dimWalksPng(f: DimWalkFrames, scale = 2): Uint8Array {
  return imageGridPng(f.frames, f.imageShape, f.valueRange, scale);
}
