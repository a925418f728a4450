/**
 * Reconnect with in-doubt resend, end to end: `salvo run` against the
 * embedded broker through a fault proxy that this test resets on its own
 * clock (every connection gets an RST on both sides). The run must carry on
 * through every reset, send again what was in doubt, and end with a verdict
 * that lost nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '../../../src/faults/index.js';
import type { RunResult } from '../../../src/results/result.js';
import { useBroker } from '../../helpers/broker.js';
import { startCli, type CliRun } from '../../helpers/cli.js';

const broker = useBroker();
let proxy: FaultProxy;

beforeAll(async () => {
  const url = new URL(broker().url);
  proxy = await FaultProxy.start({ targetHost: url.hostname, targetPort: Number(url.port) });
});
afterAll(async () => {
  await proxy?.stop();
});

/** Resolves once the broker has taken messages on `address`: the run is under way (a loaded host connects slowly). */
async function flowing(address: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const queue = (await broker().stats()).queues.find((q) => q.address === address);
    if (queue !== undefined && queue.enqueued > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no message reached ${address} within ${timeoutMs} ms`);
}

/** Runs salvo through the proxy, resetting every connection each `everyMs` while it runs. */
/**
 * Resets from the first moment (connects and attaches get cut too), or with
 * `afterFlowing` only once messages flow: a run without reconnect cut while
 * connecting has nothing to write.
 */
async function runThroughResets(
  args: string[],
  everyMs: number,
  { afterFlowing = false } = {},
): Promise<{ run: CliRun; result: RunResult; resets: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-reconnect-'));
  const address = `reconnect-${Math.random().toString(36).slice(2, 8)}`;
  const { child, done } = startCli([
    'run',
    `amqp://127.0.0.1:${proxy.port}/${address}`,
    '--json',
    '--output',
    dir,
    ...args,
  ]);
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  if (afterFlowing) await flowing(address);
  let resets = 0;
  const timer = setInterval(() => {
    if (!proxy.inject({ kind: 'reset' }).effect.startsWith('0 ')) resets++;
  }, everyMs);
  try {
    const run = await done;
    // No JSON is a failure of its own: say how the run ended, not that JSON.parse met an empty string.
    if (run.stdout.trim() === '')
      throw new Error(`salvo run printed no result (exit ${run.code}): ${run.stderr.trim()}`);
    return { run, result: JSON.parse(run.stdout) as RunResult, resets };
  } finally {
    clearInterval(timer);
    clearTimeout(kill);
  }
}

describe('salvo run --reconnect through connection resets', () => {
  it('at-least-once, 20,000 at 4,000/s, a reset every second: lost 0, in doubt > 0, every one resent, exit 0', async () => {
    const { run, result, resets } = await runThroughResets(
      ['-c', '20000', '--rate', '4000', '--reconnect', '--drain-timeout', '3s'],
      1000,
    );
    expect(resets, 'the test reset live connections').toBeGreaterThanOrEqual(3);
    const v = result.verdict!;
    expect(v).toMatchObject({
      mode: 'at-least-once',
      ok: true,
      attempted: 20000,
      lost: 0,
      unexpected: 0,
      corrupted: 0,
    });
    expect(v.inDoubt).toBeGreaterThan(0);
    // Every message in doubt went again, and every one of the 20,000 arrived.
    expect(v.resent).toBe(v.inDoubt);
    expect(v.received).toBe(20000);
    expect(result.totals.accepted).toBe(20000);
    expect(result.totals.reconnects).toBeGreaterThanOrEqual(2 * (resets - 1));
    expect(result.totals.resent).toBeGreaterThanOrEqual(v.resent!);
    // The fault log names connections as users count them, not by internal worker ids.
    const events = (result.faults ?? []).filter((f) => f.kind === 'disconnect' || f.kind === 'reconnect');
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(event.target).toMatch(/^(sender|receiver) \d+, connection \d+$/);
    expect(result.complete).toBe(true);
    expect(
      result.checks.every((check) => check.ok),
      JSON.stringify(result.checks),
    ).toBe(true);
    expect(run.code, run.stderr).toBe(0);
  });

  it("more deliveries on one session than rhea's 2,048-slot ring, closed loop, four links: still nothing lost", async () => {
    const { run, result, resets } = await runThroughResets(
      ['-c', '30000', '--links', '2', '--connections', '2', '--reconnect', '--drain-timeout', '3s'],
      400,
    );
    expect(resets).toBeGreaterThan(0);
    expect(result.verdict).toMatchObject({ ok: true, attempted: 30000, lost: 0, unexpected: 0, received: 30000 });
    expect(result.verdict!.resent).toBe(result.verdict!.inDoubt);
    expect(run.code, run.stderr).toBe(0);
  });

  it('links sized by their count (200 messages each, below the in-flight limit) through resets: every one in doubt resent, nothing lost', async () => {
    // 20 links of 200 messages at 100/s each: slots and template copies are sized by the count (sender-link.ts
    // linkInFlightBound), and resends after each reset go through the same slots again.
    const { run, result, resets } = await runThroughResets(
      ['-c', '4000', '--rate', '2000', '--connections', '2', '--links', '10', '--reconnect', '--drain-timeout', '3s'],
      300,
    );
    expect(resets).toBeGreaterThan(0);
    expect(result.verdict).toMatchObject({ ok: true, attempted: 4000, lost: 0, unexpected: 0, received: 4000 });
    expect(result.verdict!.resent).toBe(result.verdict!.inDoubt);
    expect(result.totals.accepted).toBe(4000);
    expect(run.code, run.stderr).toBe(0);
  });

  it('at-most-once under the same resets: duplicated 0, losses reported, exit 0', async () => {
    const { run, result, resets } = await runThroughResets(
      ['-c', '20000', '--rate', '4000', '--link-at-most-once', '--reconnect', '--drain-timeout', '2s'],
      1000,
    );
    expect(resets).toBeGreaterThanOrEqual(3);
    const v = result.verdict!;
    expect(v).toMatchObject({
      mode: 'at-most-once',
      ok: true,
      attempted: 20000,
      duplicated: 0,
      unexpected: 0,
      inDoubt: 0,
      resent: 0,
    });
    expect(v.received! + v.lost!).toBe(20000);
    expect(result.totals.reconnects).toBeGreaterThan(0);
    expect(run.code, run.stderr).toBe(0);
  });

  it('a broker gone for good: the worker gives up after --reconnect-give-up, exit 3, one line, the result written as incomplete', async () => {
    const url = new URL(broker().url);
    const doomed = await FaultProxy.start({ targetHost: url.hostname, targetPort: Number(url.port) });
    const dir = mkdtempSync(join(tmpdir(), 'salvo-reconnect-'));
    const address = `gone-${Math.random().toString(36).slice(2, 8)}`;
    const { child, done } = startCli([
      'run',
      `amqp://127.0.0.1:${doomed.port}/${address}`,
      '-c',
      '100000',
      '--rate',
      '2000',
      '--reconnect-give-up',
      '2s',
      '--json',
      '--output',
      dir,
    ]);
    const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
    // Once messages flow, the proxy closes its listener and every connection: nothing answers on that port again.
    await flowing(address);
    await doomed.stop();
    const run = await done;
    clearTimeout(kill);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^salvo: (sender|receiver) \d+, connection \d+: connection lost: .*; gave up reconnecting after 2 s \(\d+ attempts, the last: cannot connect to amqp:\/\/127\.0\.0\.1:\d+: connection refused\)$/m,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(result.complete).toBe(false);
    expect(result.totals.sent).toBeGreaterThan(0);
  });

  it('without --reconnect, the first reset ends the run: exit 3, incomplete, what was measured written', async () => {
    const { run, result } = await runThroughResets(['-c', '200000', '--rate', '4000', '--no-reconnect'], 200, {
      afterFlowing: true,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^salvo: (sender|receiver) \d+, connection \d+: connection lost: /m);
    expect(result.complete).toBe(false);
    expect(result.totals.sent).toBeGreaterThan(0);
  });
});
