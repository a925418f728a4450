/**
 * The report as a person sees it: a real short `salvo run` on the embedded
 * broker writes report.html, and headless Chromium (Debian's, driven by
 * playwright-core) opens it with every request intercepted. Each plot must
 * have drawn its data (points in its series and pixels of its colours on its
 * canvas), nothing but the file itself may be requested, and the page must
 * log no error. A screenshot is left under test-output/report/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { runCli } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
// CI installs it (.ci/run): there a missing browser fails the test instead of skipping it.
const inCi = process.env.CI === 'true';
const SCREENSHOTS = join(ROOT, 'test-output', 'report');
// The page's colours (html.ts) for the faults and reconnect markers.
const FAULT_COLOUR = '#b8002e';

interface PlotCheck {
  id: string;
  /** Finite y values per series. */
  points: number[];
  /** Pixels drawn in each series' colour. */
  pixels: number[];
  /** Pixels in the given marker colour. */
  markerPixels: number;
}

/** Reads window.salvoReport in the page: each uPlot's data and its canvas. */
async function inspectPlots(page: Page, markerColour: string): Promise<{ plots: PlotCheck[]; errors: string[] }> {
  return page.evaluate((marker) => {
    interface Drawn {
      id: string;
      colours: string[];
      plot: { data: (number | null)[][]; ctx: CanvasRenderingContext2D };
    }
    const report = (window as unknown as { salvoReport: { plots: Drawn[]; errors: string[] } }).salvoReport;
    const rgb = (hex: string): number[] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const plots = report.plots.map(({ id, colours, plot }) => {
      const { width, height } = plot.ctx.canvas;
      const image = plot.ctx.getImageData(0, 0, width, height).data;
      const count = (hex: string): number => {
        const [r, g, b] = rgb(hex);
        let n = 0;
        for (let i = 0; i < image.length; i += 4) {
          if (
            image[i + 3] > 200 &&
            Math.abs(image[i] - r) + Math.abs(image[i + 1] - g) + Math.abs(image[i + 2] - b) < 40
          )
            n++;
        }
        return n;
      };
      return {
        id,
        points: plot.data.slice(1).map((series) => series.filter((v) => v !== null && Number.isFinite(v)).length),
        pixels: colours.map(count),
        markerPixels: count(marker),
      };
    });
    return { plots, errors: report.errors };
  }, markerColour);
}

/** Opens a local file with every request but the file itself refused and recorded, and page errors collected. */
async function openOffline(
  browser: Browser,
  file: string,
): Promise<{ page: Page; refused: string[]; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const refused: string[] = [];
  const problems: string[] = [];
  await context.route('**/*', async (route) => {
    if (route.request().url() === url) return route.continue();
    refused.push(route.request().url());
    return route.abort();
  });
  page.on('request', (request) => {
    if (request.url() !== url) refused.push(request.url());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // A Content-Security-Policy violation is logged as an error: the page tried to reach out.
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
  return { page, refused, problems };
}

describe('the HTML report in headless Chromium', () => {
  let browser: Browser | undefined;
  let out: string;

  beforeAll(async () => {
    if (!present) return;
    out = mkdtempSync(join(tmpdir(), 'salvo-report-browser-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
      timeout: 30_000,
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const what = 'draws every plot with data from a real open-loop run, and requests nothing but the file';
  const title = present
    ? what
    : `${what} (${inCi ? 'FAILS' : 'SKIPPED'}: ${CHROMIUM} is absent; apt-get install chromium)`;

  it.skipIf(!present && !inCi)(
    title,
    async () => {
      if (!present) throw new Error(`${CHROMIUM} is absent in CI: .ci/run must apt-get install chromium`);
      // Open loop, so all four histograms exist; a warm-up second to shade; a few seconds for a timeline.
      const run = await runCli(
        ['run', '-d', '3s', '--warmup', '1s', '--rate', '1500', '--quiet', '--output', out],
        60_000,
      );
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
      const kinds = Object.keys(result.latency);
      expect(kinds.sort()).toEqual(['corrected', 'endToEnd', 'sendDelay', 'service']);

      const { page, refused, problems } = await openOffline(browser!, join(out, 'report.html'));
      const { plots, errors } = await inspectPlots(page, FAULT_COLOUR);
      expect(errors).toEqual([]);
      expect(problems).toEqual([]);
      expect(refused).toEqual([]);
      expect(plots.map((p) => p.id).sort()).toEqual(
        [
          ...kinds.map((k) => `plot-distribution-${k}`),
          'plot-distribution-all',
          'plot-latency',
          'plot-throughput',
        ].sort(),
      );
      for (const plot of plots) {
        // Every series has points, and the plot's canvas shows its colours: drawn, not just present.
        for (const points of plot.points) expect(points, `${plot.id} points`).toBeGreaterThanOrEqual(2);
        expect(Math.max(...plot.pixels), `${plot.id} pixels of its series' colours`).toBeGreaterThan(100);
      }
      for (const kind of kinds) {
        // A distribution has a row per reported percentile level: dozens for 3,000 values.
        expect(plots.find((p) => p.id === `plot-distribution-${kind}`)!.points[0], kind).toBeGreaterThan(20);
      }
      expect(await page.locator('h2', { hasText: 'Verdict (at-least-once' }).count()).toBe(1);

      mkdirSync(SCREENSHOTS, { recursive: true });
      const shot = join(SCREENSHOTS, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`[report browser test] screenshot: ${shot}`);
      await page.context().close();

      // Faults (when the run had them) are marked on both timelines and listed.
      const faults = [{ atMs: 1500, kind: 'reset', target: 'all connections (2)', effect: '2 connections reset' }];
      writeFileSync(join(out, 'result.json'), JSON.stringify({ ...result, faults }));
      const again = await runCli(['report', out, '--output', join(out, 'faults.html')], 20_000);
      expect(again.code, again.stderr).toBe(0);
      const withFaults = await openOffline(browser!, join(out, 'faults.html'));
      const marked = await inspectPlots(withFaults.page, FAULT_COLOUR);
      expect(withFaults.refused).toEqual([]);
      for (const id of ['plot-throughput', 'plot-latency']) {
        expect(marked.plots.find((p) => p.id === id)!.markerPixels, `${id} fault marker`).toBeGreaterThan(20);
      }
      expect(await withFaults.page.locator('td', { hasText: '2 connections reset' }).count()).toBe(1);
      await withFaults.page.context().close();
    },
    90_000,
  );
});
