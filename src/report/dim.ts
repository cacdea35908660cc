/**
 * Plots of the Data Information Matrix results: spectra as box plots per k, distances between datasets as a heat
 * map, the leaf field of 2-D inputs as streamlines, the walks of image inputs as an image strip.
 */
import type { DimWalkFrames } from '../probes/dim/run.js';
import type { DimDistancesResult, DimResult, DimSpectrumStats, DimWalksResult } from '../probes/dim/types.js';
import { boxChart, type BoxSummary } from './charts/box.js';
import { heatmapChart } from './charts/heatmap.js';
import { imageStripChart, pngSize } from './charts/image-strip.js';
import { pathChart } from './charts/paths.js';
import type { ChartFrame } from './charts/plot.js';
import { PAIR } from './charts/theme.js';
import { imageGridPng, PNG_GRID_GAP } from './png.js';

/** Boxes of stats indexed by k (undefined where no point has rank > k). */
function boxesByK(stats: DimSpectrumStats, K: number): (BoxSummary | undefined)[] {
  const out: (BoxSummary | undefined)[] = new Array(K).fill(undefined);
  for (const b of stats.boxes) if (b.k < K) out[b.k] = { min: b.min, q1: b.q1, median: b.median, q3: b.q3, max: b.max };
  return out;
}

const maxRank = (r: DimResult): number => Math.min(r.model.numClasses - 1, r.model.inputDim);
const SPECTRUM_Y = 'log10 λ_k (eigenvalue of D(x))';
const SPECTRUM_X = 'k (1 = largest eigenvalue)';

/** log10 λ_k of D(x) as one box per k (dim-spectrum.svg). */
export function dimSpectrumChart(r: DimResult, frame: ChartFrame = {}): string {
  const K = maxRank(r);
  return boxChart({ id: 'dim-spectrum', title: `DIM spectrum: log10 λ_k of D(x) at ${r.n} points of ${r.dataset.name}`, ...frame, xLabel: SPECTRUM_X, yLabel: SPECTRUM_Y }, [{ name: r.dataset.name, boxes: boxesByK(r.stats, K) }]);
}

/** The spectra of one model on several datasets, side by side per k (dim-distances.svg). */
export function dimDistancesChart(r: DimDistancesResult, K: number, frame: ChartFrame = {}): string {
  return boxChart(
    { id: 'dim-spectra', title: `DIM spectra of one model on ${r.datasets.length} datasets: log10 λ_k`, ...frame, xLabel: SPECTRUM_X, yLabel: SPECTRUM_Y },
    r.datasets.map((x) => ({ name: x.name, boxes: boxesByK(x.stats, K) })),
  );
}

/** The matrix of distances between the spectra of the datasets (decades of log10 λ) as a heat map. */
export function dimDistanceHeatmap(r: DimDistancesResult, frame: ChartFrame = {}): string {
  return heatmapChart({ id: 'dim-distance-matrix', title: 'Distances between DIM spectra', ...frame, valueLabel: 'distance between spectra (decades of λ)' }, r.matrix.names, r.matrix.matrix);
}

/**
 * 2-D inputs: the leaf field (blue = along the leaves, the image of D; vermillion = across, its kernel) over the
 * measured points `xy` (flattened [n, 2]) coloured by label (dim-foliation.svg). Equal scales on both axes, so the two
 * families of leaves meet at right angles on screen.
 */
export function dimFoliationChart(w: DimWalksResult, xy: ArrayLike<number>, labels: ArrayLike<number>, frame: ChartFrame = {}): string | undefined {
  if (!w.field) return undefined;
  const n = labels.length;
  const points = Array.from({ length: n }, (_, i) => ({ x: xy[2 * i]!, y: xy[2 * i + 1]!, label: labels[i]! }));
  return pathChart(
    {
      id: 'dim-foliation',
      title: `DIM leaves on ${w.dataset}`,
      ...frame,
      xLabel: 'x₁ (input coordinate)',
      yLabel: 'x₂ (input coordinate)',
      families: [
        { name: 'along the leaves (image of D(x))', color: PAIR.a },
        { name: 'across (kernel of D(x))', color: PAIR.b },
      ],
    },
    w.field.lines.map((f) => ({ group: f.mode === 'along' ? 0 : 1, points: f.points.map((p) => [p[0]!, p[1]!] as [number, number]) })),
    points,
  );
}

/** Image inputs: the walks' frames as one PNG (rows: walks; columns: every frameEvery steps) (dim-walks.png). */
export function dimWalksPng(f: DimWalkFrames, scale = 2): Uint8Array {
  return imageGridPng(f.frames, f.imageShape, f.valueRange, scale);
}

/** The steps shown as columns of dim-walks.png: every frameEvery-th step and the last one. */
export function walkFrameSteps(w: DimWalksResult): number[] {
  const every = w.images?.frameEvery ?? 1;
  const longest = Math.max(0, ...w.walks.map((x) => x.stepsTaken));
  const steps: number[] = [];
  for (let t = 0; t <= longest; t++) if (t % every === 0 || t === longest) steps.push(t);
  return steps;
}

/** dim-walks.png with its rows (walks) and columns (steps) labelled. */
export function dimWalksStripChart(w: DimWalksResult, png: Uint8Array, frame: ChartFrame = {}): string {
  const steps = walkFrameSteps(w);
  const { width, height } = pngSize(png);
  const rows = w.walks.length;
  const gap = PNG_GRID_GAP;
  const fw = (width - gap) / Math.max(1, steps.length) - gap;
  const fh = (height - gap) / Math.max(1, rows) - gap;
  const rowLabels = w.walks.map((x) => `${x.mode} ${x.sign > 0 ? '+h' : '−h'}, point ${x.start}${x.label !== null ? ` (class ${x.label})` : ''}`);
  return imageStripChart(
    { id: 'dim-walks', title: `DIM foliation walks on ${w.dataset}`, ...frame, frameWidth: fw, frameHeight: fh, gap, rowLabels, columnLabels: steps.map(String), xLabel: `step (length ${Number(w.stepSize.toPrecision(3))} each)` },
    png,
  );
}
