/**
 * A selector run's summary says what salvo knows of the matching messages that
 * did not come: not delivered within the drain time-out, still queued or lost
 * (a broker may stall a selector consumer with them queued, as ActiveMQ Classic
 * does), and the run still fails on them. Run as a user does, on the embedded
 * broker dropping a share of what it accepted.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { runCli } from '../helpers/cli.js';

const RUN_BOUND_MS = 60_000;

describe('a selector run whose matching messages did not all come', { timeout: RUN_BOUND_MS }, () => {
  it('says "not delivered within the drain time-out: still queued or lost", not "left on the queue", and fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-selector-summary-'));
    const args = ['run', '-c', '3000', '--msg-property', 'colour=choice(green,red,blue)'];
    const selecting = ['--recv-selector', "colour = 'green'", '--broker-chaos', 'drop=0.02', '--seed', '3'];
    const run = await runCli([...args, ...selecting, '--drain-timeout', '1s', '--output', dir], RUN_BOUND_MS);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
    const lost = result.verdict?.lost ?? 0;
    // Some green message must be among the dropped, or there is nothing to say.
    expect(lost, run.stdout).toBeGreaterThan(0);
    const t = result.totals;
    const selected = run.stdout.split('\n').find((line) => line.startsWith('  Selected '));
    expect(selected).toBe(
      `  Selected   ${t.selected!.toLocaleString('en-US')} matched "colour = 'green'"  (0 mismatches; ` +
        `${t.unselected!.toLocaleString('en-US')} not matching, not received, as expected; ` +
        `${lost.toLocaleString('en-US')} matching not delivered within the drain time-out (1 s): ` +
        'still queued or lost, salvo cannot tell from here)',
    );
    expect(run.stdout).not.toContain('left on the queue,');
    expect(run.stdout).toMatch(/^ {2}lost +[\d,]+ {2}fails the run {3}not delivered: queued or lost; e\.g\. /m);
    // The words change, the verdict does not: a dropped message still fails the run.
    expect(run.stdout).toContain('Verdict (at-least-once, every message of the run): FAIL (lost)');
    expect(run.code, run.stderr).toBe(1);
  });

  it('says nothing of the kind when every matching message came', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-selector-summary-'));
    const args = ['run', '-c', '2000', '--msg-property', 'colour=choice(green,red,blue)'];
    const run = await runCli([...args, '--recv-selector', "colour = 'green'", '--output', dir], RUN_BOUND_MS);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^ {2}Selected +[\d,]+ matched "colour = 'green'" {2}\(0 mismatches; [\d,]+ not matching, not received, as expected\)$/m,
    );
    expect(run.stdout).not.toContain('drain time-out');
  });
});
