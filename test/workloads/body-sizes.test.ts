/**
 * Body sizes from a distribution, end to end on the embedded broker: the
 * sizes sent are exactly those the seeded draw gives each producer (the
 * draw is a hash of seed, producer and sequence number), every body arrives
 * with its checksum intact, and a fixed size still works as before.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aliasTable, BodySizeChooser, expectedShares } from '../../src/content/body-sizes.js';
import { resolvePlan } from '../../src/plan/index.js';
import { linkId } from '../../src/plan/shards.js';
import type { RunResult } from '../../src/results/result.js';
import { runCli } from '../helpers/cli.js';

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-sizes-'));
}

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

/** What the seeded draw gives producers `links` of one sender worker, messages 1..perLink each. */
function expectedCounts(runId: string, bodySize: string, seed: string, links: number, perLink: number): number[] {
  const plan = resolvePlan({ runId, bodySize, seed });
  const sizes = plan.bodySizes;
  if (!sizes) throw new Error('no distribution');
  const counts = sizes.sizes.map(() => 0);
  for (let l = 0; l < links; l++) {
    const chooser = new BodySizeChooser(sizes, linkId(runId, 's0', 0, l));
    for (let seq = 1; seq <= perLink; seq++) counts[chooser.indexOf(seq)]++;
  }
  return counts;
}

describe('the alias table', () => {
  it('draws each size in proportion to its weight (a seeded sample of 200,000, within 5 standard deviations)', () => {
    const plan = resolvePlan({ runId: 't', bodySize: '100:80,10k:15,1m:5', seed: '11' });
    const sizes = plan.bodySizes;
    if (!sizes) throw new Error('no distribution');
    const chooser = new BodySizeChooser(sizes, 'producer');
    const n = 200_000;
    const counts = sizes.sizes.map(() => 0);
    for (let seq = 1; seq <= n; seq++) counts[chooser.indexOf(seq)]++;
    expectedShares(sizes).forEach((p, i) => {
      expect(Math.abs(counts[i] - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    });
  });

  it('keeps a column whole when its weight is the mean, and sends the rest to its alias', () => {
    const { keep, alias } = aliasTable([1, 1, 2]);
    // Scaled weights 0.75, 0.75, 1.5: the first two keep 3/4 and give the rest to the heavy one.
    expect(Array.from(keep)).toEqual([0.75, 0.75, 1]);
    expect(alias[0]).toBe(2);
    expect(alias[1]).toBe(2);
  });
});

describe('salvo run --body-size as a distribution', () => {
  it('weighted sizes: exactly the seeded draw per size, every body intact, the counts in the summary', async () => {
    const dir = outputDir();
    const runId = 'sizes-weighted';
    const spec = '100:70,1k:20,4k:10';
    const run = await runCli([
      'run',
      '--count',
      '4000',
      '--links',
      '2',
      '--body-size',
      spec,
      '--seed',
      '7',
      '--run-id',
      runId,
      '--output',
      dir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = readResult(dir);
    expect(result.verdict).toMatchObject({ ok: true, lost: 0, corrupted: 0, received: 4000 });
    const expected = expectedCounts(runId, spec, '7', 2, 2000);
    expect(result.sentBySize).toEqual([
      { bytes: 100, sent: expected[0] },
      { bytes: 1024, sent: expected[1] },
      { bytes: 4096, sent: expected[2] },
    ]);
    expect(expected.reduce((a, b) => a + b, 0)).toBe(4000);
    expect(run.stdout).toMatch(/Sizes\s+100 B 70%, 1 KiB 20%, 4 KiB 10%/);
    expect(run.stdout).toContain(`100 B ${expected[0].toLocaleString('en-US')} (`);
  }, 60_000);

  it('a range: the seeded draw over its evenly spaced sizes, every body intact', async () => {
    const dir = outputDir();
    const runId = 'sizes-range';
    const run = await runCli(['run', '--count', '2000', '--body-size', '100-10k', '--run-id', runId, '--output', dir]);
    expect(run.code, run.stderr).toBe(0);
    const result = readResult(dir);
    expect(result.verdict).toMatchObject({ ok: true, lost: 0, corrupted: 0 });
    const expected = expectedCounts(runId, '100-10k', '1', 1, 2000);
    expect(result.sentBySize?.map((c) => c.sent)).toEqual(expected);
    expect(result.sentBySize?.[0].bytes).toBe(100);
    expect(result.sentBySize?.at(-1)?.bytes).toBe(10240);
  }, 60_000);

  it('1 MiB among small sizes: the large bodies go and arrive intact', async () => {
    const dir = outputDir();
    const runId = 'sizes-large';
    const run = await runCli([
      'run',
      '--count',
      '40',
      '--body-size',
      '100:50,1m:50',
      '--max-in-flight',
      '8',
      '--credit',
      '8',
      '--run-id',
      runId,
      '--output',
      dir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = readResult(dir);
    const expected = expectedCounts(runId, '100:50,1m:50', '1', 1, 40);
    expect(expected[1]).toBeGreaterThan(0);
    expect(result.sentBySize).toEqual([
      { bytes: 100, sent: expected[0] },
      { bytes: 1048576, sent: expected[1] },
    ]);
    expect(result.verdict).toMatchObject({ ok: true, lost: 0, corrupted: 0, received: 40 });
  }, 60_000);

  it('a fixed size works as before: no per-size counts', async () => {
    const dir = outputDir();
    const run = await runCli(['run', '--count', '500', '--body-size', '1k', '--output', dir]);
    expect(run.code, run.stderr).toBe(0);
    const result = readResult(dir);
    expect(result.plan.bodySize).toBe(1024);
    expect(result.sentBySize).toBeUndefined();
    expect(result.verdict).toMatchObject({ ok: true, corrupted: 0 });
  }, 60_000);
});
