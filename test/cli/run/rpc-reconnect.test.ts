/**
 * --pattern rpc through connection resets, as a user runs it against the
 * embedded broker: requesters and responders reconnect, requests left
 * outstanding by a reset go again (same correlation id, new reply address),
 * and every request is answered once or counted unanswered:
 * requests = replies + unanswered. Bounded: 6 s at 200 requests/s.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/results/result.js';
import { runCli, type CliRun } from '../../helpers/cli.js';

const RUN_BOUND_MS = 60_000;

async function resetRun(extra: string[]): Promise<{ run: CliRun; result: RunResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-rpc-reset-'));
  const run = await runCli(
    [
      'run',
      '--pattern',
      'rpc',
      '--faults',
      'reset every 1s',
      '-d',
      '6s',
      '--rate',
      '200',
      '--warmup',
      '0s',
      ...extra,
      '--json',
      '--output',
      dir,
    ],
    RUN_BOUND_MS,
  );
  expect(run.stdout, run.stderr).not.toBe('');
  return { run, result: JSON.parse(run.stdout) as RunResult };
}

/** The identity every rpc run keeps, and what a reset run must show it lived through. */
function expectThroughResets(result: RunResult): void {
  const t = result.totals;
  expect(t.requests).toBeGreaterThan(0);
  expect(t.reconnects, 'the resets broke connections and they came back').toBeGreaterThan(0);
  expect(result.faults?.some((f) => f.kind === 'reset')).toBe(true);
  expect(t.replies + t.unanswered, 'each request answered or counted unanswered').toBe(t.requests);
  // A resend is a transfer, not a new request: its id is one already counted.
  expect(t.sent).toBe(t.requests + t.resent);
  expect(t.resent).toBeLessThanOrEqual(t.inDoubt);
  // Two answers to one request (resent, or redelivered to a responder) are one reply and one duplicate: every reply
  // has an id this run sent.
  expect(t.unmatched).toBe(0);
}

describe('salvo run --pattern rpc through resets (embedded broker)', { timeout: 2 * RUN_BOUND_MS }, () => {
  it('dynamic reply nodes, a reset every second: requesters and responders reconnect, every request answered, exit 0', async () => {
    const { run, result } = await resetRun(['--links', '2']);
    expectThroughResets(result);
    expect(result.totals.unanswered).toBe(0);
    expect(result.totals.late).toBe(0);
    expect(result.checks).toEqual([
      expect.objectContaining({ name: 'every request answered (matching correlation id)', ok: true }),
    ]);
    expect(run.code, run.stderr).toBe(0);
  });

  it('--reply-to a fixed address (replies to old requests still come): each request answered once, exit 0', async () => {
    const { run, result } = await resetRun(['--reply-to', `rpc-reset-replies-${Date.now()}`, '--responders', '2']);
    expectThroughResets(result);
    expect(result.totals.unanswered).toBe(0);
    expect(run.code, run.stderr).toBe(0);
  });
});

describe('salvo run --pattern rpc with --broker-chaos drop (embedded broker)', { timeout: RUN_BOUND_MS }, () => {
  it('each request or reply the broker dropped is one request counted unanswered, none uncounted; exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-rpc-drop-'));
    const run = await runCli(
      [
        'run',
        '--pattern',
        'rpc',
        '--broker-chaos',
        'drop=0.02',
        '-c',
        '1000',
        '--warmup',
        '0s',
        '--rpc-timeout',
        '1s',
        '--json',
        '--output',
        dir,
      ],
      RUN_BOUND_MS,
    );
    const result = JSON.parse(run.stdout) as RunResult;
    const t = result.totals;
    const dropped = result.brokerChaos?.dropped ?? 0;
    expect(dropped, 'seeded: the broker dropped some').toBeGreaterThan(0);
    expect(t.unanswered).toBe(dropped);
    expect(t.replies + t.unanswered).toBe(t.requests);
    expect(result.checks).toEqual([expect.objectContaining({ ok: false })]);
    expect(run.code).toBe(1);
  });
});
