/**
 * Report section of the exact linear regions (Lei, Luo, Yau, Gu, "Geometric understanding of deep learning"): the
 * tiling of a plane slice by the network's linear pieces, coloured by predicted class, with the decision boundary,
 * and the count against the architecture's bounds.
 */
import { REGIONS_RESULT } from '../../probes/regions/schema.js';
import type { BigCount, RegionsResult } from '../../probes/regions/types.js';
import { count, esc, figure, fmtNumber, grid, method, para, table, warnings } from '../markup.js';
import { regionsTilingChart } from '../regions.js';
import { defineSection, requiredResult } from './types.js';

const big = (b: BigCount | null): string => (b === null ? '—' : b.value !== null ? count(b.value) : `≈ 10^${b.log10.toFixed(1)}`);

/** The headline in plain words. */
export function regionsHeadline(r: RegionsResult): string {
  const s = r.bounds.serra ?? r.bounds.lei;
  const share = s && s.log10 > 0 ? `, ${s.value !== null ? `${fmtNumber((100 * r.count) / s.value, 2)}% of` : 'far below'} the ${r.bounds.serra ? 'Serra et al.' : 'Lei et al.'} bound ${big(s)}` : '';
  return `The network cuts the ${r.slice.kind} into ${count(r.count)} linear regions${share}; the decision boundary is ${r.slice.kind === 'plane' ? `${fmtNumber(r.boundaryLength, 3)} long` : `${r.boundaryLength} point(s)`} on it.`;
}

export const regionsSection = defineSection({
  probe: 'regions',
  title: 'Linear regions',
  files: { regions: requiredResult('regions', REGIONS_RESULT) },
  render({ regions: r }, ctx) {
    const tiling = regionsTilingChart(r, 'Linear regions on the slice', { standalone: false, id: `${ctx.idPrefix}-tiling` });
    const parts = [
      para(`${esc(r.slice.coordinates)}. Every region has one activation pattern, so the network is one affine map on it; colours are the predicted classes, the black lines the decision boundary.`),
      tiling ? grid(figure(tiling, `${count(r.count)} regions; the smallest has area ${fmtNumber(r.regionMeasure.min, 2)}, the median ${fmtNumber(r.regionMeasure.median, 2)}.`, true)) : '',
      table(
        ['after layer', 'regions'],
        r.perLayer.map((l, i) => [esc(`${i + 1}. ${l.op} (${l.node})`), count(l.regions)]),
        [false, true],
      ),
      para(`Bounds for the network restricted to the slice (input dimension ${r.bounds.inputDim}, rectifier widths ${r.bounds.widths.join(', ')}): Lei et al. ${big(r.bounds.lei)}, Serra et al. ${big(r.bounds.serra)}.`),
      method(r.method),
      warnings(r.warnings),
    ];
    return { headline: regionsHeadline(r), body: parts.join('\n') };
  },
});
