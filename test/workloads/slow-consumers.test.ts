/**
 * Slow consumers against the embedded broker, through the CLI as a user runs
 * them. Every assertion is on counts, with bounds that hold however late a
 * loaded machine wakes a thread: a paced receiver can only be slower than its
 * rate, never faster (by more than the credit it may hold ahead), and the
 * backlog at the end of the send phase is what was accepted minus what had
 * been received by then.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { PACED_CREDIT_AHEAD_MS } from '../../workers/paced-intake.js';
import { runCli } from '../helpers/cli.js';

function outputDir(): string {
  return mkdtempSync(join(tmpdir(), 'salvo-slow-'));
}

function readResult(dir: string): RunResult {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

describe('--recv-rate: a backlog grows at the rate difference', () => {
  it('senders at 2,000/s, receivers at 200/s for 3 s: the backlog is what was accepted and not yet received', async () => {
    const dir = outputDir();
    // Far below what even a starved sender gets accepted, so that the drain's 1 s cannot take the backlog.
    const recvRateHz = 200;
    const drainTimeoutS = 1;
    const started = Date.now();
    const run = await runCli([
      'run',
      '--duration',
      '3s',
      '--warmup',
      '0s',
      '--rate',
      '2000',
      '--recv-rate',
      String(recvRateHz),
      '--drain-timeout',
      `${drainTimeoutS}s`,
      '--output',
      dir,
    ]);
    const wallS = (Date.now() - started) / 1000;
    const result = readResult(dir);
    const { backlog, totals, verdict } = result;
    expect(backlog, run.stderr).toBeDefined();
    if (!backlog || !verdict) throw new Error('no backlog or verdict');
    // Everything accepted was accepted by the end of the send phase (senders end once every outcome is in).
    const accepted = totals.accepted;
    expect(accepted).toBeGreaterThan(0);
    // A paced receiver takes at most its rate, plus the credit it holds ahead: the backlog cannot be smaller.
    const aheadMax = Math.ceil((recvRateHz * PACED_CREDIT_AHEAD_MS) / 1000) + 1;
    const receivedBySendEnd = accepted - backlog.atSendEnd;
    expect(receivedBySendEnd).toBeGreaterThanOrEqual(0);
    expect(receivedBySendEnd).toBeLessThanOrEqual(recvRateHz * backlog.sendPhaseS + aheadMax);
    // So the growth is at least the accept rate minus the receive rate, and at most the accept rate.
    expect(backlog.growthPerS).toBeLessThanOrEqual(accepted / backlog.sendPhaseS + 1e-9);
    expect(backlog.growthPerS).toBeGreaterThanOrEqual(
      accepted / backlog.sendPhaseS - recvRateHz - aheadMax / backlog.sendPhaseS,
    );
    // Over the whole run (send phase plus the bounded drain) the receivers kept to their rate.
    // (The stop after the drain's bound reaches the receivers a moment later, longer on a loaded host: 3 s allowed.)
    expect(totals.received).toBeLessThanOrEqual(recvRateHz * (backlog.sendPhaseS + drainTimeoutS + 3) + aheadMax);
    // The per-second queue depth is the running sum of accepted minus received (never shown below 0).
    let depth = 0;
    for (const point of result.timeseries) {
      depth += point.accepted - point.received;
      expect(point.backlog).toBe(Math.max(0, depth));
    }
    expect(backlog.peak).toBe(Math.max(...result.timeseries.map((p) => p.backlog ?? 0)));
    // The drain could not take the backlog within 1 s: it ended at its bound, and said so plainly.
    expect(backlog.undrained).toBeGreaterThan(0);
    expect(result.problems.join('\n')).toMatch(/backlog not drained: \d+ messages were still queued/);
    expect(verdict).toMatchObject({ partial: true, lost: null, unexpected: 0, corrupted: 0, duplicated: 0 });
    expect((verdict.confirmed ?? 0) + (verdict.unconfirmed ?? 0)).toBe(accepted);
    expect(verdict.unconfirmed).toBeGreaterThan(0);
    expect(verdict.unconfirmed).toBeLessThanOrEqual(backlog.undrained ?? 0);
    expect(run.stdout).toContain('partial verdict (slow consumers: backlog not drained)');
    expect(run.stdout).toMatch(/Backlog\s+[\d,]+ messages queued at the end of the send phase/);
    // Not a pass: what was accepted has not all been received. Exit 1, never a crash.
    expect(run.code).toBe(1);
    // Ended within its bounds: 3 s of sending, at most 2 s of drain, start-up and shutdown.
    expect(wallS).toBeLessThan(3 + drainTimeoutS + 20);
  }, 60_000);

  it('splits the rate over receivers and links: two receivers of two links still take 500/s in all', async () => {
    const dir = outputDir();
    const run = await runCli([
      'run',
      '--duration',
      '2s',
      '--warmup',
      '0s',
      '--rate',
      '1500',
      '--recv-rate',
      '500',
      '--receivers',
      '2',
      '--links',
      '2',
      '--drain-timeout',
      '1s',
      '--output',
      dir,
    ]);
    const { backlog, totals } = readResult(dir);
    if (!backlog) throw new Error(run.stderr);
    // Four links at 125/s each, with their own credit ahead.
    const aheadMax = 4 * (Math.ceil((125 * PACED_CREDIT_AHEAD_MS) / 1000) + 1);
    expect(totals.accepted - backlog.atSendEnd).toBeLessThanOrEqual(500 * backlog.sendPhaseS + aheadMax);
    expect(totals.received).toBeLessThanOrEqual(500 * (backlog.sendPhaseS + 1 + 3) + aheadMax);
    expect(backlog.atSendEnd).toBeGreaterThan(0);
  }, 60_000);
});

describe('--recv-delay: processing time bounds the receive rate', () => {
  it('10 ms per message: at most 100/s per link, and a drain long enough takes everything (PASS)', async () => {
    const dir = outputDir();
    const count = 200;
    const run = await runCli([
      'run',
      '--count',
      String(count),
      '--rate',
      '1000',
      '--recv-delay',
      '10ms',
      '--drain-timeout',
      '30s',
      '--output',
      dir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const { totals, verdict, backlog } = readResult(dir);
    expect(verdict).toMatchObject({ ok: true, lost: 0, corrupted: 0, received: count });
    expect(totals.received).toBe(count);
    // 200 messages one after another, 10 ms each: at least 2 s from the first to the last, so at most ~100/s.
    expect(totals.receiveRate).toBeLessThanOrEqual(100 * 1.02);
    // One link, 10 ms a message: by the end of the send phase at most one per 10 ms had been taken (plus one a
    // millisecond early), the rest was queued.
    if (!backlog) throw new Error('no backlog');
    expect(count - backlog.atSendEnd).toBeLessThanOrEqual(100 * backlog.sendPhaseS + 2);
    expect(backlog.undrained).toBeUndefined();
    expect(run.stdout).toMatch(/Consumers\s+held slow: --recv-delay 10 ms/);
  }, 60_000);
});
