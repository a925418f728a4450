/**
 * A salvo page in headless Debian Chromium (playwright-core) as a person
 * opens it from disk, with nothing else reachable: every request but the
 * file itself refused and recorded, page errors and console errors (a
 * Content-Security-Policy violation is one) collected. Shared by the report's
 * and compare's browser tests.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumPresent = existsSync(CHROMIUM);
/** CI installs it (.ci/run): there a missing browser fails the test instead of skipping it. */
export const inCi = process.env.CI === 'true';

export interface OfflinePage {
  page: Page;
  refused: string[];
  problems: string[];
}

export async function openOffline(browser: Browser, file: string, width = 1200): Promise<OfflinePage> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
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

/** Debian's headless Chromium as every browser test launches it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
    timeout: 30_000,
  });
}
