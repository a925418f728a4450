/**
 * What `salvo run` counts as measured, and when a run fails for lack of it:
 * warm-up exactly as planned, no vacuous pass, no hang when the broker stops
 * granting credit to an open-loop sender.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/results/result.js';
import { withBroker } from '../../helpers/broker.js';
import { runCli } from '../../helpers/cli.js';

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-measured-'));
}

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

/** Every message the senders sent, warm-up included (the time series counts both). */
function allSent(result: RunResult): number {
  return result.timeseries.reduce((sum, point) => sum + point.sent, 0);
}

describe('salvo run warm-up', () => {
  // Open loop, so that what is sent when follows the schedule, not the round trip on a loaded machine.
  it("measures a 500 ms run after its 50 ms warm-up, keeps out only the warm-up's share, and passes", async () => {
    const dir = outputDir();
    const rateHz = 2000;
    const run = await runCli(['run', '-d', '500ms', '--rate', String(rateHz), '--json', '--output', dir]);
    expect(run.code, run.stderr).toBe(0);
    const result = readResult(dir);
    expect(result.plan.warmupMs).toBe(50);
    expect(result.totals.sent).toBeGreaterThan(0);
    expect(result.totals).toMatchObject({ accepted: result.totals.sent, received: result.totals.sent, inDoubt: 0 });
    expect(result.latency.service?.count).toBe(result.totals.sent);
    expect(result.checks.length).toBeGreaterThan(0);
    expect(
      result.checks.every((c) => c.ok),
      JSON.stringify(result.checks),
    ).toBe(true);
    // Warm-up sends were made and kept out, but no more than the schedule has due in 50 ms
    // (a warm-up rounded up to a second would have kept out every message).
    const warmupSent = allSent(result) - result.totals.sent;
    expect(warmupSent).toBeGreaterThan(0);
    expect(warmupSent).toBeLessThanOrEqual((rateHz * result.plan.warmupMs) / 1000 + 1);
  });

  it('exits 1 with one line when warm-up covered the whole run', async () => {
    const dir = outputDir();
    // Sends at 0 and 500 ms, both inside the 900 ms warm-up; the next would be due at the stop.
    const run = await runCli(['run', '-d', '1s', '--warmup', '900ms', '--rate', '2', '--quiet', '--output', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(
      /^salvo: no message was measured: warm-up \(900 ms\) covered the whole run \(\d+ sent during warm-up\)$/,
    );
    const result = readResult(dir);
    expect(result.totals.sent).toBe(0);
    expect(allSent(result)).toBeGreaterThan(0);
    expect(result.checks.length).toBeGreaterThan(0);
    expect(
      result.checks.every((c) => !c.ok),
      JSON.stringify(result.checks),
    ).toBe(true);
  });
});

describe('salvo run that measures nothing', () => {
  it('exits 1 with one line when a receive-only run gets nothing', async () => {
    await withBroker({}, async (broker) => {
      const dir = outputDir();
      const run = await runCli([
        'run',
        `${broker.url}/empty`,
        '-c',
        '10',
        '--senders',
        '0',
        '--drain-timeout',
        '1s',
        '--quiet',
        '--output',
        dir,
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe('salvo: no message was measured: nothing was received');
      expect(readResult(dir).checks.map((c) => c.ok)).toEqual([false]);
    });
  });
});

describe('salvo run when the broker stops granting credit', () => {
  it('ends an open-loop run with -c after the drain timeout without progress: exit 3, one line', async () => {
    await withBroker({ maxQueueDepth: 10 }, async (broker) => {
      const started = Date.now();
      const run = await runCli(
        [
          'run',
          `${broker.url}/full`,
          '-c',
          '100',
          '--rate',
          '100',
          '--receivers',
          '0',
          '--drain-timeout',
          '1s',
          '--quiet',
          '--output',
          outputDir(),
        ],
        15_000,
      );
      expect(run.code, `${run.signal ?? ''} ${run.stderr}`).toBe(3);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(
        /^salvo: no progress for 1 s: the broker grants no credit or settles nothing \(sent \d+, settled \d+\)$/,
      );
    });
  });
});
