/**
 * The done-when: `salvo calibrate` on the embedded broker meets its
 * goal. In the serial group (alone, after every other file): the goal is
 * about a quiet generator, and a second test file's load moves p99 by
 * milliseconds on two cores.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CalibrationResult } from '../../src/faults/calibrate.js';
import { runCli } from '../helpers/cli.js';

describe('salvo calibrate', () => {
  it('on the embedded broker: the shift of service and end to end is 10 ms within the goal, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-calibrate-'));
    const cli = await runCli(['calibrate', '--duration', '4s', '--warmup', '1s', '--output', dir], 60_000);
    const result = JSON.parse(readFileSync(join(dir, 'calibration.json'), 'utf8')) as CalibrationResult;
    expect(result.rows.map((r) => `${r.kind} ${r.percentile}`)).toEqual(['service p50', 'service p99', 'endToEnd p50', 'endToEnd p99']);
    // About 480 messages measured in each condition (two runs at 80 msg/s for 3 s).
    for (const counts of [result.counts.without, result.counts.with]) expect(counts.service).toBeGreaterThan(400);
    expect(cli.stdout).toContain('Goal       shift within 250 µs of 10 ms at p50, within 500 µs at p99');
    for (const row of result.rows) expect(Math.abs(row.errorUs), `${row.kind} ${row.percentile}: ${cli.stdout}`).toBeLessThanOrEqual(row.goalUs);
    expect(result.ok).toBe(true);
    expect(cli.code, cli.stderr).toBe(0);
  }, 60_000);

});
