/**
 * `salvo capacity` holds consumers slow: --recv-rate and --recv-delay reach
 * every step's run (its own result.json says so), and a step whose rate
 * passes what the slow consumers take fails on its backlog.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { runCli } from '../helpers/cli.js';

describe('salvo capacity with slow consumers', () => {
  it('passes --recv-rate and --recv-delay to each step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-slow-capacity-'));
    const run = await runCli(
      [
        'capacity',
        '--slo',
        'service.p99<5s',
        '--recv-rate',
        '100',
        '--recv-delay',
        '2ms',
        '--start-rate',
        '400',
        '--max-steps',
        '1',
        '--step-duration',
        '2s',
        '--no-preflight',
        '--repeat',
        '1',
        '--output',
        dir,
      ],
      90_000,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const step = JSON.parse(readFileSync(join(dir, 'step-1', 'result.json'), 'utf8')) as RunResult;
    expect(step.plan).toMatchObject({ recvRateHz: 100, recvDelayMs: 2 });
    expect(existsSync(join(dir, 'capacity.json'))).toBe(true);
    // 400/s offered to consumers held to 100/s: the step's backlog grew, so it cannot pass.
    const capacity = JSON.parse(readFileSync(join(dir, 'capacity.json'), 'utf8')) as {
      steps: { pass: boolean; backlogGrowth: number }[];
    };
    expect(capacity.steps[0].pass).toBe(false);
    expect(capacity.steps[0].backlogGrowth).toBeGreaterThan(0);
    expect(step.backlog?.atSendEnd).toBeGreaterThan(0);
  }, 120_000);
});
