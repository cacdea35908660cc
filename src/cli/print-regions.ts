/** Printed tables of `geolens probe regions`. */
import type { BigCount, RegionBounds, RegionsOverTrainingResult, RegionsResult } from '../probes/regions/types.js';
import { formatTable } from './probe-common.js';

const table = (rows: string[][], right?: boolean[], indent = '  '): string[] => formatTable(rows, { ...(right ? { right } : {}), indent, width: (c) => [...c].length });

/** A big count as printed: the integer when it has at most 15 digits, else 10^x. */
export function fmtCount(b: BigCount | null): string {
  if (!b) return '—';
  return b.exact.length <= 15 ? b.exact : `10^${b.log10.toFixed(2)}`;
}

const g = (v: number, d = 4): string => (v === 0 ? '0' : Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(2) : Number(v.toPrecision(d)).toString());

export function boundLines(b: RegionBounds, count: number | null, indent = '  '): string[] {
  const rows = [['bound', 'value', ...(count !== null ? ['count / bound'] : [])]];
  const ratio = (v: BigCount | null): string => (v === null || count === null ? '—' : Number(v.log10) > 15 ? `10^${(Math.log10(count) - v.log10).toFixed(1)}` : g(count / Number(v.exact), 3));
  const add = (name: string, v: BigCount | null): void => void rows.push([name, fmtCount(v), ...(count !== null ? [ratio(v)] : [])]);
  add('Serra et al. 2018 (Theorem 7)', b.serra);
  add('Lei et al. Π C(w_{i−1}, w_i)', b.lei);
  add('  … with the output layer', b.leiWithOutput);
  add('hyperplane product', b.hyperplaneProduct);
  return [...table(rows, rows[0]!.map((_, j) => j > 0), indent), ...b.notes.map((n) => `${indent}(${n})`)];
}

export function printRegions(r: RegionsResult, path: string, kind: 'run' | 'onnx'): string[] {
  const lines: string[] = [];
  const s = r.slice;
  const unit = s.kind === 'plane' ? 'area' : 'length';
  lines.push(`linear regions: ${path} (${kind === 'run' ? 'final model of the run' : 'ONNX model'})`);
  lines.push(`  data: ${r.dataset.name}, n = ${r.dataset.n}, ${r.dataset.numClasses} classes, input dim ${r.model.inputDim}`);
  const where = s.how === 'input-plane' ? 'the input plane' : s.how === 'points' ? `the ${s.kind === 'plane' ? 'plane' : 'line'} through points ${s.points!.join(', ')} (classes ${s.anchors.map((a) => a.label).join(', ')})` : 'the given plane';
  const ext = s.kind === 'plane' ? `s ∈ [${g(s.extent[0]!)}, ${g(s.extent[1]!)}], t ∈ [${g(s.extent[2]!)}, ${g(s.extent[3]!)}]` : `t ∈ [${g(s.extent[0]!)}, ${g(s.extent[1]!)}]`;
  lines.push(`  slice: ${where}; ${ext}, ${unit} ${g(s.measure)}`);
  lines.push(`  ${s.coordinates}`);
  lines.push(`  network: ${r.model.layers.length} piecewise-linear layers (${r.model.layers.map((l) => `${l.op} ${l.width}`).join(', ')})${r.model.chain ? '' : ', with skip connections'}`);
  lines.push('');
  lines.push(`  ${r.count} linear regions (exact), ${r.seconds.toFixed(2)} s`);
  const rows = [['layer', 'op', 'width', 'regions', 'bound', 'which']];
  r.perLayer.forEach((l, i) => rows.push([`${i + 1} ${l.node}`, l.op, String(r.model.layers[i]!.width), String(l.regions), fmtCount(l.bound), l.boundName]));
  lines.push(...table(rows, [false, false, true, true, true, false]));
  lines.push('');
  lines.push(`  bounds for the network on the slice (input dimension ${r.bounds.inputDim}):`);
  lines.push(...boundLines(r.bounds, r.count, '    '));
  lines.push('');
  lines.push(`  region ${unit}: min ${g(r.regionMeasure.min)}, median ${g(r.regionMeasure.median)}, max ${g(r.regionMeasure.max)}`);
  lines.push(`  predicted ${unit} per class: ${r.classMeasures.map((v, c) => `${c}: ${g(v / s.measure, 3)}`).join(', ')} (fractions)`);
  if (s.kind === 'plane') lines.push(`  decision boundary: ${r.boundary?.features.length ?? 0} polylines, total length ${g(r.boundaryLength)}`);
  else lines.push(`  decision boundary: ${r.boundaryPoints?.length ?? 0} points${r.boundaryPoints?.length ? ` (t = ${r.boundaryPoints.slice(0, 8).map((b) => g(b.t)).join(', ')}${r.boundaryPoints.length > 8 ? ', …' : ''})` : ''}`);
  if (r.density) {
    const d = r.density;
    lines.push(`  density (regions per unit ${unit}) within r = ${g(d.radius)} of the data (${d.pointsReaching} points reach the slice; r: ${d.radiusRule}):`);
    lines.push(`    near: ${d.near.density === null ? '—' : g(d.near.density)} (${g(d.near.regions)} regions on ${unit} ${g(d.near.measure)}); far: ${d.far.density === null ? '—' : g(d.far.density)} (${g(d.far.regions)} on ${g(d.far.measure)}); near/far ${d.ratio === null ? '—' : g(d.ratio, 3)}`);
  }
  for (const m of r.manifold ?? []) {
    lines.push('');
    lines.push(`  manifold complexity: class ${m.class} sheet, ${m.shape} over the latent ${m.shape === 'patch' ? `square [−${m.latentExtent}, ${m.latentExtent}]²` : `segment [−${m.latentExtent}, ${m.latentExtent}]`}, mesh ${m.meshCells} ${m.shape === 'patch' ? 'triangles' : 'segments'}`);
    lines.push(`    ${m.pieces} connected linear pieces, ${m.patterns} distinct regions met (${m.cellPieces} before merging across the mesh)`);
    lines.push(`    bounds for the whole network (input dimension ${m.boundsAmbient.inputDim}): Serra ${fmtCount(m.boundsAmbient.serra)}, Lei ${fmtCount(m.boundsAmbient.lei)}; for a flat ${m.shape === 'patch' ? 'plane' : 'line'}: Serra ${fmtCount(m.boundsFlat.serra)}`);
  }
  if (r.check) lines.push(`  check against onnxruntime at ${r.check.points} region interior points: max relative logit error ${r.check.maxRelativeLogitError.toExponential(1)}, same argmax at ${(100 * r.check.argmaxAgreement).toFixed(1)}%`);
  lines.push(`  tolerances: on-line ${r.tolerances.onLineRelTol} (relative), slivers below ${r.tolerances.minPieceFraction} of the slice not split (${r.tolerances.suppressedSplits} such)`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines;
}

export function printRegionsOverTraining(ot: RegionsOverTrainingResult): string[] {
  const unit = ot.slice.kind === 'plane' ? 'area' : 'length';
  const lines = ['', `over training: regions on the same slice at ${ot.epochs.length} checkpoints`];
  const dens = ot.epochs.every((e) => e.density);
  const rows = [['epoch', 'regions', ...ot.model.layers.map((_, i) => `l${i + 1}`), 'boundary', ...(dens ? [`near /${unit}`, `far /${unit}`, 'near/far'] : [])]];
  for (const e of ot.epochs) {
    rows.push([
      String(e.epoch),
      String(e.count),
      ...e.perLayer.map(String),
      g(e.boundaryLength),
      ...(dens ? [e.density!.near.density === null ? '—' : g(e.density!.near.density), e.density!.far.density === null ? '—' : g(e.density!.far.density), e.density!.ratio === null ? '—' : g(e.density!.ratio, 3)] : []),
    ]);
  }
  lines.push(...table(rows));
  return lines;
}
