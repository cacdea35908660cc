/**
 * The report as a person sees it: report.html opened from disk in headless Chromium (Debian's `chromium`, driven by
 * playwright-core), at laptop (1366×768) and phone (390×844) size, light and dark. Every section must have rendered
 * with non-empty plots; no console errors, no failed requests, no request leaving the file. Screenshots are saved to
 * $GEOLENS_SCREENSHOTS (default: a temp folder) and their paths printed.
 *
 * Skipped, with the reason printed, when Chromium is missing (apt-get install -y chromium).
 */
import { SECTIONS } from '../../src/report/sections/index.js';
import { ANALYSIS_PROBES } from '../../src/studies/probes/index.js';

// the sections of the probes analyze runs, in report order; on a classifier the OT section is skipped (it needs an autoencoder)
const ANALYZED = [...SECTIONS.keys()].filter((k) => ANALYSIS_PROBES.has(k));
const ON_CLASSIFIERS = ANALYZED.filter((k) => (ANALYSIS_PROBES.get(k)!.needs ?? 'classifier') === 'classifier');
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { analyzeCommand } from '../../src/cli/analyze.js';
import { startCommand } from '../../src/cli/start.js';
import { trainCommand } from '../../src/cli/train.js';

const CHROMIUM = process.env.GEOLENS_CHROMIUM ?? '/usr/bin/chromium';
const MNIST = '/work/shared/data/mnist';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const reason = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found; install with: apt-get install -y chromium`;
if (reason) console.log(`# browser test skipped: ${reason}`);
const opts = reason ? { skip: reason } : {};

const root = mkdtempSync(join(tmpdir(), 'geolens-browser-'));
const shots = process.env.GEOLENS_SCREENSHOTS ?? join(root, 'screenshots');
let browser: Browser | undefined;

before(async () => {
  if (reason) return;
  mkdirSync(shots, { recursive: true });
  const quiet = (): void => {};
  // what npm start makes (32-D inputs), 2-D inputs (a leaf field of streamlines), images (an image strip of the walks)
  assert.equal(await startCommand(['--out', join(root, 'start'), '--quiet'], quiet), 0);
  assert.equal(await trainCommand(['--dataset', 'moons', '--widths', '32x3', '--epochs', '12', '--optimizer', 'adam', '--lr', '0.01', '--checkpoint-every', '2', '--quiet', '--out', join(root, 'moons')], quiet), 0);
  assert.equal(await analyzeCommand([join(root, 'moons'), '--quiet'], quiet), 0);
  if (existsSync(MNIST)) {
    assert.equal(await trainCommand(['--dataset', `idx:${MNIST}#resize=14x14,perClass=100`, '--widths', '64,32', '--epochs', '10', '--lr', '0.1', '--quiet', '--out', join(root, 'mnist')], quiet), 0);
    assert.equal(await analyzeCommand([join(root, 'mnist'), '--quiet'], quiet), 0);
  }
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
  if (!reason) console.log(`# screenshots in ${shots}`);
});

interface Seen {
  errors: string[];
  failed: string[];
  requests: string[];
}

/** Open a report with the page's problems recorded. */
async function open(file: string, viewport: { width: number; height: number }, colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; seen: Seen }> {
  const ctx = await browser!.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const seen: Seen = { errors: [], failed: [], requests: [] };
  page.on('console', (m) => m.type() === 'error' && seen.errors.push(m.text()));
  page.on('pageerror', (e) => seen.errors.push(e.message));
  page.on('requestfailed', (r) => seen.failed.push(`${r.url().slice(0, 80)}: ${r.failure()?.errorText}`));
  page.on('request', (r) => seen.requests.push(r.url().slice(0, 80)));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, seen };
}

/** Every section's figures, with the size and mark count of their SVG as laid out. */
async function sections(page: Page): Promise<{ id: string; status: string; figures: { w: number; h: number; marks: number; images: number }[] }[]> {
  return page.$$eval('section.probe', (els) =>
    els.map((s) => ({
      id: s.id,
      status: s.querySelector('.status')?.textContent ?? 'ok',
      figures: Array.from(s.querySelectorAll('figure.chart svg')).map((svg) => {
        const r = svg.getBoundingClientRect();
        // data marks: elements inside Plot's mark groups (line, dot, bar, cell, rule, tick, text, image), not axes, grids or the legend
        const groups = Array.from(svg.querySelectorAll('g[aria-label]')).filter((g) => !/axis|grid|legend|frame/.test(g.getAttribute('aria-label') ?? ''));
        const marks = groups.reduce((n, g) => n + g.querySelectorAll('path, circle, rect, line, text, image').length, 0);
        return { w: r.width, h: r.height, marks, images: svg.querySelectorAll('image').length };
      }),
    })),
  );
}

function checkClean(seen: Seen, file: string): void {
  assert.deepEqual(seen.errors, [], 'console errors');
  assert.deepEqual(seen.failed, [], 'failed requests');
  // the page itself, and data: URIs of the pictures: nothing else
  assert.deepEqual(seen.requests.filter((u) => !u.startsWith('data:') && u !== pathToFileURL(file).href.slice(0, 80)), []);
}

for (const name of ['start', 'moons', 'mnist']) {
  test(`the ${name} report renders every section with non-empty plots at 1366×768, at 390×844 and in dark mode`, opts, async (t) => {
    const file = join(root, name, 'report.html');
    if (name === 'mnist' && !existsSync(MNIST)) return t.skip(`${MNIST} not found`);
    const { page, seen } = await open(file, { width: 1366, height: 768 });
    const secs = await sections(page);
    assert.deepEqual(secs.map((s) => [s.id, s.status]), ANALYZED.map((k) => [k, ON_CLASSIFIERS.includes(k) ? 'ok' : 'skipped']));
    if (name !== 'moons') assert.ok(secs[0]!.figures.length === 2, 'the law and the law over training');
    for (const s of secs.filter((x) => x.status === 'ok')) {
      assert.ok(s.figures.length >= (s.id === 'separation' || s.id === 'dim' ? 2 : 1), `${s.id}: ${s.figures.length} figures`);
      for (const f of s.figures) {
        assert.ok(f.w > 300 && f.h > 150, `${s.id}: a figure of ${f.w}×${f.h} px`);
        assert.ok(f.marks >= 3 || f.images > 0, `${s.id}: a figure with ${f.marks} marks`);
      }
    }
    // the pictures the DIM section embeds: the leaf field (2-D) or the image strip (images)
    const dim = secs.find((s) => s.id === 'dim')!;
    if (name === 'mnist') assert.ok(dim.figures.some((f) => f.images === 1), 'image strip');
    if (name === 'moons') assert.ok(dim.figures.some((f) => f.marks > 400), 'leaf field');
    const headlines = await page.$$eval('p.headline', (ps) => ps.map((p) => p.textContent ?? ''));
    assert.equal(headlines.length, ON_CLASSIFIERS.length);
    assert.match(headlines[0]!, /separation fuzziness/);
    await page.screenshot({ path: join(shots, `${name}-1366.png`), fullPage: true });
    checkClean(seen, file);
    await page.context().close();

    // a phone: the page does not overflow sideways (wide plots scroll inside their figure) and the text stays legible
    const phone = await open(file, { width: 390, height: 844 });
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    const fontPx = await phone.page.$eval('p.headline', (p) => parseFloat(getComputedStyle(p).fontSize));
    assert.ok(fontPx >= 16, `headline at ${fontPx}px`);
    await phone.page.screenshot({ path: join(shots, `${name}-390.png`), fullPage: true });
    checkClean(phone.seen, file);
    await phone.page.context().close();

    // dark mode: light text on a dark page, the plots' axes in the text colour
    const dark = await open(file, { width: 1366, height: 768 }, 'dark');
    const colours = await dark.page.evaluate(() => ({ bg: getComputedStyle(document.body).backgroundColor, fg: getComputedStyle(document.body).color, axis: getComputedStyle(document.querySelector('figure.chart svg')!).color }));
    assert.equal(colours.bg, 'rgb(21, 23, 26)');
    assert.equal(colours.fg, 'rgb(231, 233, 236)');
    assert.equal(colours.axis, colours.fg);
    await dark.page.screenshot({ path: join(shots, `${name}-1366-dark.png`) });
    checkClean(dark.seen, file);
    await dark.page.context().close();
  });
}

test('the report of an autoencoder run: the OT section with its plots, the classifier probes skipped with their reason', opts, async () => {
  const quiet = (): void => {};
  const ae = join(root, 'ae');
  assert.equal(await trainCommand(['--model', 'autoencoder', '--dataset', 'manifold#n=600', '--bottleneck', '2', '--widths', '16', '--epochs', '20', '--optimizer', 'adam', '--lr', '0.01', '--quiet', '--out', ae], quiet), 0);
  // analyze's own OT caps (400 codes, up to 500 steps): the screenshot shows a converged solve
  assert.equal(await analyzeCommand([ae, '--quiet'], quiet), 0);
  const file = join(ae, 'report.html');
  const { page, seen } = await open(file, { width: 1366, height: 768 });
  const secs = await sections(page);
  assert.deepEqual(secs.map((s) => [s.id, s.status]), ANALYZED.map((k) => [k, ON_CLASSIFIERS.includes(k) ? 'skipped' : 'ok']));
  const ot = secs.find((s) => s.id === 'ot')!;
  assert.ok(ot.figures.length >= 3, `ot: ${ot.figures.length} figures`);
  for (const f of ot.figures) assert.ok(f.w > 300 && f.h > 150 && f.marks >= 3, `ot: a figure of ${f.w}×${f.h} px with ${f.marks} marks`);
  assert.match((await page.textContent('#dim p.reason')) ?? '', /needs a classifier; this run is an autoencoder/);
  await page.screenshot({ path: join(shots, 'ae-1366.png'), fullPage: true });
  checkClean(seen, file);
  await page.context().close();
});

test('the comparison page (a run and an analysis of its .onnx file): separation, spectra and the topology distance render cleanly', opts, async () => {
  const { compareCommand } = await import('../../src/cli/compare.js');
  const quiet = (): void => {};
  const moons = join(root, 'moons');
  const onnx = join(root, 'moons-onnx');
  assert.equal(await analyzeCommand([join(moons, 'model.onnx'), '--dataset', 'moons', '--probes', 'separation,dim', '--out', onnx, '--quiet'], quiet), 0);
  const file = join(root, 'compare.html');
  assert.equal(await compareCommand([moons, onnx, '--labels', 'run,onnx file', '--out', file, '--quiet'], quiet), 0);
  const { page, seen } = await open(file, { width: 1366, height: 768 });
  const secs = await sections(page);
  assert.deepEqual(secs.map((s) => s.id), ['separation', 'dim', 'topology-distance']);
  for (const s of secs) {
    assert.ok(s.figures.length >= 1, `${s.id}: no figure`);
    for (const f of s.figures) assert.ok(f.w > 300 && f.h > 100 && f.marks >= 2, `${s.id}: a figure of ${f.w}×${f.h} px with ${f.marks} marks`);
  }
  // the same network twice: d = 0, one point in the MDS with one label naming both
  const mds = await page.$$eval('#topology-distance figure.chart svg', (svgs) => Array.from(svgs[1]!.querySelectorAll('g[aria-label="text"] text')).map((t) => t.textContent));
  assert.deepEqual(mds, ['run, onnx file']);
  assert.match((await page.textContent('#topology-distance p.headline')) ?? '', /^run and onnx file are right on exactly the same points: d = 0 \(± 0\.\d{3}\)\.$/);
  await page.screenshot({ path: join(shots, 'compare-1366.png'), fullPage: true });
  checkClean(seen, file);
  await page.context().close();
});
