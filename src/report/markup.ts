/** Small HTML builders for report sections: escaped text, figures with captions, tables, notes. */
import { escapeXml, fmtNumber } from './charts/theme.js';

export const esc = escapeXml;
export { fmtNumber };

/** A number with a fixed count of decimals, with a true minus sign ('—' for null/NaN). */
export function fixed(v: number | null | undefined, digits: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toFixed(digits).replace(/^-/, '−');
}

/** A fraction as a percentage ('97.5%'). */
export function percent(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(100 * v).toFixed(digits)}%`;
}

/** An integer with thousands separators. */
export function count(v: number): string {
  return v.toLocaleString('en-US');
}

/** A figure: the chart's SVG (already markup) and a caption in plain words. */
export function figure(svg: string, caption: string, wide = false): string {
  // never wider than drawn: a chart scaled up looks coarse and its text grows out of proportion
  const w = /^<svg[^>]*? width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1];
  return `<figure class="chart${wide ? ' wide' : ''}"><div class="plot"${w ? ` style="max-width:${w}px;--w:${w}px"` : ''}>${svg}</div><figcaption>${caption}</figcaption></figure>`;
}

/** A table: header cells and rows of cells (already escaped markup); numeric columns right-aligned. */
export function table(header: string[], rows: string[][], numeric: boolean[] = header.map((_, i) => i > 0)): string {
  const cell = (tag: string, c: string, j: number): string => `<${tag}${numeric[j] ? ' class="num"' : ''}>${c}</${tag}>`;
  return `<div class="table"><table><thead><tr>${header.map((h, j) => cell('th', h, j)).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, j) => cell('td', c, j)).join('')}</tr>`).join('')}</tbody></table></div>`;
}

/** A paragraph of facts. */
export function para(html: string, cls = ''): string {
  return `<p${cls ? ` class="${cls}"` : ''}>${html}</p>`;
}

/** Warnings as a collapsible list (nothing when there are none). */
export function warnings(list: readonly string[], max = 10): string {
  if (!list.length) return '';
  const items = list.slice(0, max).map((w) => `<li>${esc(w)}</li>`).join('');
  return `<details class="warnings"><summary>${list.length} warning${list.length > 1 ? 's' : ''}</summary><ul>${items}${list.length > max ? `<li>… ${list.length - max} more in the JSON</li>` : ''}</ul></details>`;
}

/** A collapsible block of method text. */
export function method(text: string): string {
  return `<details class="method"><summary>Method</summary><p>${esc(text)}</p></details>`;
}

/** The charts of a section side by side where the page is wide enough. */
export function grid(...items: string[]): string {
  return `<div class="grid">${items.filter(Boolean).join('')}</div>`;
}
