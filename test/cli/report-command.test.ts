/** `salvo report` as a user runs it: files in, files or text out, one line and exit 2 for anything unusable. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { runCli } from '../helpers/cli.js';
import { latencyOf, pointAt, resultOf } from '../report/fixture.js';

let dir: string;
let result: RunResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'salvo-report-'));
  result = resultOf(
    { count: 1000 },
    {
      latency: {
        service: await latencyOf([
          [250, 990],
          [9000, 10],
        ]),
        endToEnd: await latencyOf([[400, 1000]]),
      },
      checks: [{ name: 'no fewer received than accepted', ok: true, detail: '1000 of 1000 accepted' }],
      totals: { sent: 1000, accepted: 1000, received: 1000 },
      timeseries: [
        pointAt(0, { sent: 600, accepted: 600, received: 590 }),
        pointAt(1, { sent: 400, accepted: 400, received: 410 }),
      ],
    },
  );
  writeFileSync(join(dir, 'result.json'), JSON.stringify(result));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileWith(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Exit 2 with exactly one line on stderr, nothing on stdout. */
async function expectUsageError(args: string[], line: RegExp): Promise<void> {
  const run = await runCli(['report', ...args], 20_000);
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.split('\n')).toHaveLength(2);
  expect(run.stderr).toMatch(line);
}

describe('salvo report', () => {
  it('writes report.html beside result.json for a run folder, or where --output says', async () => {
    const run = await runCli(['report', dir], 20_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`report: ${join(dir, 'report.html')}\n`);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('salvo run <code>r1</code>');
    // Self-contained: no element loads anything.
    expect(html).not.toMatch(/<(script|link|img|iframe)\b[^>]*\b(src|href)=/i);
    expect(html).toContain("default-src 'none'");
    const elsewhere = join(dir, 'elsewhere.html');
    const again = await runCli(['report', join(dir, 'result.json'), '--output', elsewhere], 20_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`report: ${elsewhere}\n`);
    expect(readFileSync(elsewhere, 'utf8')).toBe(html);
  });

  it('prints Markdown and hgrm on stdout, the histogram chosen by --kind (default the first kind)', async () => {
    const md = await runCli(['report', dir, '--format', 'markdown'], 20_000);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout.split('\n')[0]).toBe('## salvo run `r1`: PASS');
    const first = await runCli(['report', dir, '--format', 'hgrm'], 20_000);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.split('\n')[0]).toBe('       Value     Percentile TotalCount 1/(1-Percentile)');
    // service: 990 at 250 µs, so the median row is 250.
    expect(first.stdout).toMatch(/^ {5}250\.000 0\.500000000000 {8}990 {11}2\.00$/m);
    const e2e = await runCli(['report', dir, '--format', 'hgrm', '--kind', 'endToEnd'], 20_000);
    // One bucket holds every value: it reports the level it reached (0%), then the closing 100% row.
    expect(e2e.stdout.split('\n').slice(2, 4)).toEqual([
      '     400.000 0.000000000000       1000           1.00',
      '     400.000 1.000000000000       1000',
    ]);
    expect(e2e.stdout).toMatch(/^#\[Max {5}= {6}400\.000, Total count {4}= {9}1000\]$/m);
    const out = join(dir, 'service.hgrm');
    const toFile = await runCli(['report', dir, '--format', 'hgrm', '--output', out], 20_000);
    expect(toFile.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(first.stdout);
  });

  it('refuses what is not a readable salvo result: one line, exit 2', async () => {
    await expectUsageError(
      [join(dir, 'missing.json')],
      /^salvo: cannot read .*missing\.json: no such file or folder$/m,
    );
    const empty = join(dir, 'empty-folder');
    mkdirSync(empty);
    await expectUsageError([empty], /^salvo: .*empty-folder holds no result\.json: not a salvo run folder$/m);
    await expectUsageError(
      [fileWith('junk.json', '{"oops": ')],
      /^salvo: .*junk\.json is not a salvo result: not JSON$/m,
    );
    await expectUsageError(
      [fileWith('other.json', '{"schema": "something/1"}')],
      /^salvo: .*other\.json is not a salvo result: no "schema": "salvo\.result\/1"$/m,
    );
    await expectUsageError(
      [fileWith('partial.json', JSON.stringify({ ...result, timeseries: undefined }))],
      /is not a salvo result: "timeseries" missing$/m,
    );
    const broken = { ...result, latency: { service: { ...result.latency.service!, hdr: 'bm90IGEgaGlzdG9ncmFt' } } };
    await expectUsageError(
      [fileWith('broken.json', JSON.stringify(broken)), '--format', 'hgrm'],
      /^salvo: latency\.service\.hdr of run r1 is not a readable HdrHistogram$/m,
    );
    await expectUsageError(
      [dir, '--format', 'hgrm', '--kind', 'corrected'],
      /^salvo: the result has no corrected histogram \(it has service, endToEnd\)$/m,
    );
    await expectUsageError([dir, '--format', 'pdf'], /^salvo: option '--format <format>' argument 'pdf' is invalid/m);
    await expectUsageError(
      [dir, '--output', join(dir, 'no', 'such', 'folder', 'r.html')],
      /^salvo: --output: cannot write .*r\.html \(ENOENT\)$/m,
    );
  });
});

describe('salvo run writes report.html beside result.json', () => {
  it('and a report that cannot be written costs only the report: one line, the result kept, exit 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'salvo-run-report-'));
    // A folder where the report's temporary file goes: writing it fails, nothing else does.
    mkdirSync(join(out, 'report.html.tmp'));
    const run = await runCli(['run', '-c', '500', '--quiet', '--output', out], 60_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^salvo: report\.html not written \(.*EISDIR.*\); `salvo report .*` tries again$/m);
    expect((JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult).totals.received).toBe(500);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    rmSync(out, { recursive: true, force: true });
  });
});
