/**
 * --msg-ttl against the embedded broker, as a user runs it: a late consumer
 * (--recv-start-after) finds part of the backlog expired. The broker drops
 * what expired when it is about to hand it out, and the run counts those
 * messages expired, not lost, exactly as many as the broker dropped. The
 * category cannot hide loss: the same run without a ttl, with the broker
 * dropping messages on purpose, reports them lost; and a broker that keeps
 * expired messages (chaos ignore-ttl) is found delivering them past their ttl.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { queueStats, withBroker } from '../helpers/broker.js';
import { runCli } from '../helpers/cli.js';

/**
 * 500/s for 4 s with a 1 s ttl, receivers taking nothing for the first 2 s: the first second's messages expire. The
 * run goes on for 2 s after the late start: the checker's send-time marks are a second apart, so a message that
 * expired is known to be past its ttl only up to a second after the start (docs/header.md).
 */
const LATE_CONSUMER = ['--rate', '500', '--duration', '4s', '--warmup', '0s', '--recv-start-after', '2s'];

async function run(args: string[]): Promise<{ code: number | null; stderr: string; result: RunResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-header-'));
  const done = await runCli(['run', ...args, '--output', dir, '--quiet'], 60_000);
  const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
  return { code: done.code, stderr: done.stderr, result };
}

describe('salvo run --msg-ttl on the embedded broker', () => {
  it('counts what the broker expired as expired, not lost, and no arrival past its ttl', {
    timeout: 90_000,
  }, async () => {
    await withBroker({}, async (broker) => {
      const { code, stderr, result } = await run([`${broker.url}/header-ttl`, ...LATE_CONSUMER, '--msg-ttl', '1s']);
      const v = result.verdict!;
      expect(code, stderr).toBe(0);
      const expired = (await queueStats(broker, 'header-ttl')).expired ?? 0;
      expect(expired).toBeGreaterThan(0);
      expect(v.expired).toBe(expired);
      expect(v.lost).toBe(0);
      expect(v.receivedExpired).toBe(0);
      // Every message sent is either received or expired.
      expect((v.received ?? 0) + expired).toBe(v.attempted);
      // The drain ends once arrivals are quiet: no drain-timeout problem for messages that expired.
      expect(result.problems.join('\n')).not.toMatch(/drain timeout/);
    });
  });

  it('without a ttl, messages the broker drops are lost: expired is not counted at all', {
    timeout: 90_000,
  }, async () => {
    const { code, result } = await run([...LATE_CONSUMER, '--broker-chaos', 'drop=0.05', '--seed', '3']);
    const v = result.verdict!;
    expect(code).toBe(1);
    expect(result.brokerChaos?.dropped).toBeGreaterThan(0);
    expect(v.lost).toBe(result.brokerChaos?.dropped);
    expect(v.expired ?? null).toBeNull();
    expect(v.failed).toContain('lost');
  });

  it('a broker that keeps expired messages is found delivering them past their ttl', { timeout: 90_000 }, async () => {
    const { code, result } = await run([...LATE_CONSUMER, '--msg-ttl', '1s', '--broker-chaos', 'ignore-ttl=1']);
    const v = result.verdict!;
    // Reported, not failing: AMQP leaves honouring ttl to the broker; salvo verify judges it.
    expect(code).toBe(0);
    expect(v.expired).toBe(0);
    expect(v.receivedExpired).toBeGreaterThan(0);
    // Only what the broker delivered although expired can have come past the ttl (and its grace).
    expect(v.receivedExpired).toBeLessThanOrEqual(result.brokerChaos?.ttlIgnored ?? 0);
    expect(v.received).toBe(v.attempted);
  });
});
