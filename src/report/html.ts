/**
 * The report page: one self-contained HTML file (inline CSS, inline SVG, pictures as data: URIs; no scripts, fonts
 * or requests), light and dark (prefers-color-scheme), readable from a phone to a wide screen.
 */
import { esc } from './markup.js';

export const REPORT_CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d1f23; --muted: #5b6270; --card: #f5f6f8; --line: #d9dce1; --accent: #0072B2; --ok: #00795a; --warn: #a85a00; --bad: #b3261e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15171a; --fg: #e7e9ec; --muted: #a3aab5; --card: #1f2226; --line: #353a40; --accent: #56B4E9; --ok: #4cc59a; --warn: #e6a23c; --bad: #f08a80; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; margin: 0 0 6px; }
a { color: var(--accent); }
code { font-size: 0.9em; overflow-wrap: anywhere; }
header.report { padding-bottom: 8px; margin-bottom: 8px; }
header .sub { color: var(--muted); margin: 0 0 12px; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.glance { background: var(--card); border-radius: 8px; padding: 12px 16px; margin: 16px 0 8px; }
.glance h2 { font-size: 1.05rem; margin: 0 0 6px; }
.glance ul { margin: 0; padding-left: 20px; }
.glance li { margin: 4px 0; }
section.probe { border-top: 1px solid var(--line); padding: 20px 0 8px; }
section.probe .headline { font-size: 1.1rem; font-weight: 600; margin: 0 0 10px; }
.status { display: inline-block; font-size: 0.8rem; font-weight: 600; border-radius: 4px; padding: 1px 8px; margin-left: 8px; vertical-align: middle; border: 1px solid currentColor; }
.status.skipped, .status.interrupted { color: var(--warn); } .status.failed, .status.error { color: var(--bad); } .status.found { color: var(--muted); }
.reason { background: var(--card); border-left: 4px solid var(--warn); padding: 8px 12px; border-radius: 4px; overflow-wrap: anywhere; }
.reason.bad { border-left-color: var(--bad); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 500px), 1fr)); gap: 20px 28px; align-items: start; margin: 12px 0; }
figure.chart { margin: 0; min-width: 0; }
figure.chart.wide { grid-column: 1 / -1; }
figure.chart .plot { overflow-x: auto; }
figure.chart svg { display: block; width: 100%; height: auto; }
figure.chart.wide svg { min-width: min(var(--w, 640px), 640px); }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 6px; }
details { margin: 6px 0; }
summary { cursor: pointer; color: var(--accent); }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; }
th.num, td.num { text-align: right; }
details.method p { color: var(--muted); font-size: 0.9rem; }
footer { color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--line); margin-top: 24px; padding-top: 12px; }
@media (max-width: 600px) { main { padding: 16px 12px 32px; } h1 { font-size: 1.3rem; } dl.facts { grid-template-columns: 1fr; gap: 0; } dl.facts dd { margin-bottom: 6px; } }
`;

/** A whole page: title, the header's markup, the body's markup. */
export function page(title: string, header: string, body: string, footer: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    // no network: everything is inline (the policy also blocks what a result's text might smuggle in)
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    header,
    body,
    `<footer>${footer}</footer>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A definition list of facts (label → markup). */
export function facts(rows: [string, string][]): string {
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}
