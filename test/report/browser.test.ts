/**
 * The report as a person sees it: a real short `salvo run` on the embedded
 * broker writes report.html, and headless Chromium (Debian's, driven by
 * playwright-core) opens it with every request intercepted. Each plot must
 * have drawn its data (points in its series and pixels of its colours on its
 * canvas), nothing but the file itself may be requested, and the page must
 * log no error. A screenshot is left under test-output/report/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { runCli } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';
import { CHROMIUM, chromiumPresent, inCi, launchChromium, openOffline } from './offline-page.js';

const present = chromiumPresent;
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
  // uPlot draws in animation frames: read the canvases once every plot (the last, the delivery panel, too) has drawn.
  await page.evaluate(
    () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
  );
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

/** The ids of the page's sections, in document order. */
async function sectionOrder(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('main > section')].map((section) => section.id));
}

/** One series' y values as the plot holds them, by its label. */
async function seriesValues(page: Page, id: string, label: string): Promise<(number | null)[]> {
  return page.evaluate(
    ([plotId, seriesLabel]) => {
      interface Drawn {
        id: string;
        plot: { data: (number | null)[][]; series: { label?: string }[] };
      }
      const report = (window as unknown as { salvoReport: { plots: Drawn[] } }).salvoReport;
      const plot = report.plots.find((p) => p.id === plotId)!.plot;
      return plot.data[plot.series.findIndex((s) => s.label === seriesLabel)];
    },
    [id, label] as const,
  );
}

/** The marker labels on show, with their boxes as laid out. */
async function markerLabels(
  page: Page,
): Promise<{ text: string; left: number; right: number; top: number; bottom: number }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('#marker-lanes .marker-label')].map((el) => {
      const box = el.getBoundingClientRect();
      return { text: el.textContent ?? '', left: box.left, right: box.right, top: box.top, bottom: box.bottom };
    }),
  );
}

describe('the HTML report in headless Chromium', () => {
  let browser: Browser | undefined;
  let out: string;

  beforeAll(async () => {
    if (!present) return;
    out = mkdtempSync(join(tmpdir(), 'salvo-report-browser-'));
    browser = await launchChromium();
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
      // The delivery panel shows only when something went in doubt (a quiet run: nothing did, as a rule).
      const doubted = result.timeseries.some((p) => p.inDoubt > 0 || p.resent > 0);
      expect(plots.map((p) => p.id).sort()).toEqual(
        ['plot-distribution', 'plot-latency', 'plot-throughput', ...(doubted ? ['plot-delivery'] : [])].sort(),
      );
      for (const plot of plots) {
        // Every series has points, and the plot's canvas shows its colours: drawn, not just present.
        for (const points of plot.points) expect(points, `${plot.id} points`).toBeGreaterThanOrEqual(2);
        expect(Math.max(...plot.pixels), `${plot.id} pixels of its series' colours`).toBeGreaterThan(100);
      }
      // One percentile plot, a series per kind, each with a row per reported percentile level: dozens for 3,000 values.
      const distribution = plots.find((p) => p.id === 'plot-distribution')!;
      expect(distribution.points).toHaveLength(kinds.length);
      for (const points of distribution.points) expect(points).toBeGreaterThan(20);
      expect(await page.locator('h3', { hasText: 'Verdict (at-least-once' }).count()).toBe(1);
      const order = await sectionOrder(page);
      expect(order.slice(0, 2), 'the verdict first, the timeline right under it').toEqual(['verdict', 'timeline']);
      // The run's last second of sending is partial: drawn as a rate, never as a fall to (near) zero.
      const sent = await seriesValues(page, 'plot-throughput', 'sent');
      const drawn = sent.filter((v): v is number => v !== null);
      const full = [...drawn].sort((a, b) => a - b)[Math.floor(drawn.length / 2)];
      expect(drawn.length).toBeGreaterThanOrEqual(2);
      expect(drawn[drawn.length - 1], `sent per second ${JSON.stringify(sent)}`).toBeGreaterThan(full / 2);

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
      for (const id of ['plot-throughput', 'plot-latency', 'plot-delivery']) {
        expect(marked.plots.find((p) => p.id === id)!.markerPixels, `${id} fault marker`).toBeGreaterThan(20);
      }
      expect(await withFaults.page.locator('td', { hasText: '2 connections reset' }).count()).toBe(1);
      await withFaults.page.context().close();
    },
    90_000,
  );

  it.skipIf(!present && !inCi)(
    present ? 'labels many faults close together without one label over another' : `${title} (faults)`,
    async () => {
      if (!present) throw new Error(`${CHROMIUM} is absent in CI: .ci/run must apt-get install chromium`);
      // Every connection reset every 250 ms: a dozen resets and twice as many disconnects and reconnects in 3 s.
      const dir = join(out, 'faults');
      const run = await runCli(
        [
          'run',
          '-d',
          '3s',
          '--warmup',
          '0s',
          '--rate',
          '1000',
          '--faults',
          'reset every 250ms',
          '--quiet',
          '--output',
          dir,
        ],
        60_000,
      );
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
      expect(result.faults!.length).toBeGreaterThan(20);
      const { page, refused, problems } = await openOffline(browser!, join(dir, 'report.html'));
      expect(problems).toEqual([]);
      expect(refused).toEqual([]);
      const { plots, errors } = await inspectPlots(page, FAULT_COLOUR);
      expect(errors).toEqual([]);
      // In doubt and resent per second, under the faults, on the same seconds as the throughput.
      const delivery = plots.find((p) => p.id === 'plot-delivery');
      expect(delivery, 'the delivery panel').toBeDefined();
      expect(Math.max(...delivery!.pixels)).toBeGreaterThan(50);
      expect(delivery!.markerPixels).toBeGreaterThan(20);
      const labels = await markerLabels(page);
      const markers = await page.evaluate(
        () => (window as unknown as { salvoReport: { markers: Record<string, number> } }).salvoReport.markers,
      );
      expect(markers.inView).toBe(result.faults!.length);
      expect(labels.length).toBe(markers.labelled);
      expect(labels.length).toBeGreaterThan(5);
      for (let i = 0; i < labels.length; i++)
        for (let j = i + 1; j < labels.length; j++) {
          const [a, b] = [labels[i], labels[j]];
          const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
          expect(apart, `"${a.text}" and "${b.text}" overlap: ${JSON.stringify([a, b])}`).toBe(true);
        }
      // Every injected fault gets its label before any connection event does, and any left without one is said.
      const resets = result.faults!.filter((f) => f.kind === 'reset').length;
      const labelledResets = labels.filter((l) => l.text === 'reset').length;
      if (markers.unlabelled > 0) {
        expect(await page.locator('#marker-note').textContent()).toContain(
          `${markers.unlabelled} of ${markers.inView} markers in view have no label`,
        );
        if (labelledResets < resets) expect(labels.every((l) => l.text === 'reset')).toBe(true);
      } else expect(labelledResets).toBe(resets);
      // Zoomed in (a drag across the first quarter), every timeline follows and more of what is in view gets a label.
      const over = page.locator('#plot-throughput .u-over');
      await over.scrollIntoViewIfNeeded();
      const box = (await over.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.05, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      const zoomed = await page.evaluate(() => {
        interface Drawn {
          id: string;
          plot: { scales: { x: { min: number; max: number } } };
        }
        const report = (window as unknown as { salvoReport: { plots: Drawn[]; markers: Record<string, number> } })
          .salvoReport;
        return {
          markers: { ...report.markers },
          ranges: report.plots
            .filter((p) => p.id !== 'plot-distribution')
            .map((p) => [p.plot.scales.x.min, p.plot.scales.x.max]),
        };
      });
      expect(zoomed.ranges).toHaveLength(3);
      for (const range of zoomed.ranges) expect(range).toEqual(zoomed.ranges[0]);
      expect(zoomed.ranges[0][1] - zoomed.ranges[0][0]).toBeLessThan(result.timeseries.length / 2);
      expect(zoomed.markers.inView).toBeLessThan(markers.inView);
      expect(zoomed.markers.unlabelled / zoomed.markers.inView).toBeLessThanOrEqual(
        markers.unlabelled / markers.inView,
      );
      const after = await markerLabels(page);
      expect(after.length).toBe(zoomed.markers.labelled);
      for (let i = 0; i < after.length; i++)
        for (let j = i + 1; j < after.length; j++) {
          const [a, b] = [after[i], after[j]];
          expect(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top).toBe(true);
        }
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.locator('#timeline').screenshot({ path: join(SCREENSHOTS, 'report-faults-timeline.png') });
      await page.context().close();
    },
    90_000,
  );
});
