/**
 * The DOM document the chart modules render into. Observable Plot builds its SVG with `document.createElementNS`;
 * in the browser that is the page's document, in Node a small DOM shim (linkedom) that `src/report/node.ts` installs
 * here when it is imported (`geolens/node` imports it). Browser-safe: no Node API here.
 */
import { GeolensError } from '../../errors.js';

let injected: Document | undefined;

/** Use `doc` for every chart rendered from now on (Node: a linkedom document; browser: another document). */
export function setChartDocument(doc: Document | undefined): void {
  injected = doc;
}

/**
 * The document charts render into: the one set with `setChartDocument`, else the global `document` (a browser).
 * Errors: BAD_ARGUMENT in Node when no document was set (import `geolens/node`, or call setChartDocument).
 */
export function chartDocument(): Document {
  if (injected) return injected;
  const g = (globalThis as { document?: Document }).document;
  if (g) return g;
  throw new GeolensError(
    'BAD_ARGUMENT',
    'charts need a DOM document: in Node import geolens/node (src/report/node.ts installs a linkedom document), or call setChartDocument(doc).',
  );
}
