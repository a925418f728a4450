/**
 * `salvo compare --html` as a person sees it: the page written beside the
 * table, opened in headless Debian Chromium (playwright-core) with every
 * request but the file refused. It must load with no error and no CSP
 * violation, show each metric's judgement, and head NOT GATED when a
 * threshold could not be judged. A screenshot is left under test-output/compare/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ROOT } from '../helpers/paths.js';
import {
  CHROMIUM,
  chromiumPresent,
  inCi,
  launchChromium,
  openOffline,
  type OfflinePage,
} from '../report/offline-page.js';
import { syntheticSet, writeRuns, type RunSpec } from './synthetic.js';

const present = chromiumPresent;
const BASE: RunSpec = { seed: 1, rateHz: 20_000, noise: 0.02, serviceP50Us: 500, serviceP99Us: 2_000 };

interface Shown {
  heading: string;
  /** Each metric's judgement as the page shows it. */
  judgements: Record<string, string>;
  why: string[];
}

async function open(browser: Browser, file: string): Promise<OfflinePage & { shown: Shown }> {
  const opened = await openOffline(browser, file, 1400);
  const shown = await opened.page.evaluate(() => ({
    heading: document.querySelector('h1')?.textContent ?? '',
    judgements: Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>('#metrics .judgement')].map((el) => [
        el.dataset.metric,
        el.textContent,
      ]),
    ),
    why: [...document.querySelectorAll('#metrics .why')].map((el) => el.textContent ?? ''),
  }));
  return { ...opened, shown };
}

describe('compare.html in headless Chromium', () => {
  let browser: Browser | undefined;
  let dir: string;

  beforeAll(async () => {
    if (!present) return;
    dir = mkdtempSync(join(tmpdir(), 'salvo-compare-browser-'));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const what = 'shows each metric judged, REGRESSION or NOT GATED in its heading, and requests nothing';
  it.skipIf(!present && !inCi)(
    present ? what : `${what} (${inCi ? 'FAILS' : 'SKIPPED'}: ${CHROMIUM} is absent)`,
    async () => {
      if (!present) throw new Error(`${CHROMIUM} is absent in CI: .ci/run must apt-get install chromium`);
      // 5 runs a side, the current 30% slower: a regression, every threshold judged.
      const base = writeRuns(join(dir, 'base'), syntheticSet(BASE, 5));
      const slower = writeRuns(join(dir, 'slower'), syntheticSet({ ...BASE, seed: 100, rateHz: 14_000 }, 5));
      const page = join(dir, 'regression.html');
      const run = await runCli(['compare', base, slower, '--json', '--html', page]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toBe(`salvo compare: page written to ${page}\n`);
      const json = JSON.parse(run.stdout) as { rows: { name: string; judgement: string }[]; notGated: unknown[] };
      expect(json.notGated).toEqual([]);
      const regression = await open(browser!, page);
      expect(regression.problems).toEqual([]);
      expect(regression.refused).toEqual([]);
      expect(regression.shown.heading).toBe('salvo compare REGRESSION');
      expect(regression.shown.judgements).toEqual(Object.fromEntries(json.rows.map((r) => [r.name, r.judgement])));
      expect(regression.shown.judgements.throughput).toBe('regression');
      expect(regression.shown.why).toHaveLength(json.rows.length);
      for (const why of regression.shown.why) expect(why.length).toBeGreaterThan(10);
      mkdirSync(join(ROOT, 'test-output', 'compare'), { recursive: true });
      await regression.page.screenshot({
        path: join(ROOT, 'test-output', 'compare', 'compare-regression.png'),
        fullPage: true,
      });
      await regression.page.context().close();

      // 3 runs a side cannot be significant: NOT GATED, exit 4 with --require-gate, the page written all the same.
      const three = writeRuns(join(dir, 'three-base'), syntheticSet(BASE, 3));
      const threeCur = writeRuns(join(dir, 'three-cur'), syntheticSet({ ...BASE, seed: 100 }, 3));
      const notGatedPage = join(dir, 'not-gated.html');
      const gate = await runCli(['compare', three, threeCur, '--require-gate', '--html', notGatedPage]);
      expect(gate.code, gate.stderr).toBe(4);
      expect(readFileSync(notGatedPage, 'utf8')).toContain('NOT GATED');
      const notGated = await open(browser!, notGatedPage);
      expect(notGated.problems).toEqual([]);
      expect(notGated.refused).toEqual([]);
      expect(notGated.shown.heading).toBe('salvo compare NOT GATED');
      expect(notGated.shown.judgements.throughput).toMatch(/NOT GATED$/);
      expect(notGated.shown.judgements['service.p99']).toMatch(/NOT GATED$/);
      expect(notGated.shown.why.filter((w) => w.startsWith('NOT GATED: too few samples'))).toHaveLength(2);
      await notGated.page.screenshot({
        path: join(ROOT, 'test-output', 'compare', 'compare-not-gated.png'),
        fullPage: true,
      });
      await notGated.page.context().close();
    },
    60_000,
  );

  it('refuses an --html it cannot write: one line, exit 2', async () => {
    const base = writeRuns(
      join(dir ?? mkdtempSync(join(tmpdir(), 'salvo-compare-browser-')), 'bad-base'),
      syntheticSet(BASE, 5),
    );
    const run = await runCli(['compare', base, base, '--html', join(base, 'no', 'such', 'folder', 'compare.html')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^salvo: --html: cannot write .*compare\.html \(ENOENT\)\n$/);
  });
});
