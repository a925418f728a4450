/**
 * `salvo calibrate` on the embedded broker: the injected 10 ms (5 ms each
 * way) shows up in what salvo measures, the table and calibration.json say
 * the same, and the exit code follows the goal. Whether the goal (within
 * 0.25 ms at p50, 0.5 ms at p99) is met is a figure of the host, not of the
 * code: it is a benchmark (the README and the closing note give it), so
 * this test checks the goal's verdict is computed and reported truthfully,
 * and that the shift is the injected one to within a few milliseconds. The
 * proxy's own error (each delayed write's lateness, which no other thread's
 * wake-up is part of) is held to the p50 goal.
 * Serial: alone, after every other file, so the figures it prints are as
 * quiet as CI gets.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CalibrationResult } from '../../src/calibrate/calibrate.js';
import { runCli } from '../helpers/cli.js';

describe('salvo calibrate', () => {
  it('on the embedded broker: a 10 ms shift of service and end to end, the goal judged and the exit code following it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-calibrate-'));
    const cli = await runCli(['calibrate', '--duration', '4s', '--warmup', '1s', '--output', dir], 60_000);
    // The figures of this host, in the CI log.
    process.stdout.write(`${cli.stdout}\n`);
    const result = JSON.parse(readFileSync(join(dir, 'calibration.json'), 'utf8')) as CalibrationResult;
    expect(result.rows.map((r) => `${r.kind} ${r.percentile}`)).toEqual([
      'service p50',
      'service p99',
      'endToEnd p50',
      'endToEnd p99',
    ]);
    // About 480 messages measured in each condition (two runs at 80 msg/s for 3 s).
    for (const counts of [result.counts.without, result.counts.with]) expect(counts.service).toBeGreaterThan(400);
    expect(result.injectedUs).toBe(10_000);
    for (const row of result.rows) {
      expect(row.shiftUs).toBe(row.withUs - row.withoutUs);
      expect(row.errorUs).toBe(row.shiftUs - 10_000);
      expect(row.goalUs).toBe(row.percentile === 'p50' ? 250 : 500);
      expect(row.ok).toBe(Math.abs(row.errorUs) <= row.goalUs);
      // Measured samples always leave some spread; the tail's is wider than the median's.
      expect(row.uncertaintyUs).toBeGreaterThan(0);
    }
    for (const kind of ['service', 'endToEnd']) {
      const [p50, p99] = result.rows.filter((r) => r.kind === kind);
      expect(p99.uncertaintyUs).toBeGreaterThan(p50.uncertaintyUs);
    }
    // The note names the rows whose spread exceeds their goal, and only then appears.
    expect(cli.stdout.includes('the samples pin the shift down')).toBe(
      result.rows.some((r) => r.uncertaintyUs > r.goalUs),
    );
    // The proxy's own lateness: at least the transfer up and the disposition back of each message measured.
    const proxy = result.proxy;
    expect(proxy.writes).toBeGreaterThanOrEqual(2 * result.counts.with.service);
    expect(proxy.p50Us).toBeLessThanOrEqual(proxy.p99Us);
    expect(proxy.p99Us).toBeLessThanOrEqual(proxy.maxUs);
    expect(proxy.ok).toBe(proxy.p50Us <= 250 && proxy.p99Us <= 500);
    expect(cli.stdout).toMatch(
      new RegExp(
        `fault proxy, write - due p50 +\\+${Math.round(proxy.p50Us).toLocaleString('en-US')} +±250  ${proxy.p50Us <= 250 ? 'PASS' : 'FAIL'}`,
      ),
    );
    expect(cli.stdout).toContain(`(${proxy.writes.toLocaleString('en-US')} delayed writes, the latest `);
    expect(cli.stdout.includes('the rest of the error is the other threads')).toBe(!result.ok && proxy.ok);
    expect(proxy.p50Us, cli.stdout).toBeLessThanOrEqual(250);
    // An injected 10 ms is there, whatever the host: at the median, to within 3 ms.
    for (const row of result.rows.filter((r) => r.percentile === 'p50'))
      expect(Math.abs(row.errorUs), cli.stdout).toBeLessThan(3_000);
    expect(cli.stdout).toContain('Goal       shift within 250 µs of 10 ms at p50, within 500 µs at p99');
    expect(result.ok).toBe(result.rows.every((row) => row.ok));
    expect(cli.code, cli.stderr).toBe(result.ok ? 0 : 1);
  }, 60_000);
});
