/**
 * --subscriptions against the embedded broker, driven as a user drives it: 1
 * producer, 4 subscriptions of 2 competing consumers each; a drop scoped to
 * one subscription's queue found there only; durable subscriptions through
 * connection resets.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { runCli, type CliRun } from '../helpers/cli.js';

const COUNT = 4000;

async function topicRun(extra: string[]): Promise<{ run: CliRun; result: RunResult; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-topics-'));
  const run = await runCli(['run', '--json', '--output', dir, '--drain-timeout', '5s', ...extra]);
  return { run, result: JSON.parse(run.stdout) as RunResult, dir };
}

describe('salvo run --subscriptions (embedded broker)', () => {
  it('1 producer, 4 subscriptions of 2 consumers: every subscription gets every message once', async () => {
    const { run, result } = await topicRun(['-c', String(COUNT), '--receivers', '8', '--subscriptions', '4']);
    expect(run.code, run.stderr).toBe(0);
    const verdict = result.verdict!;
    expect(verdict).toMatchObject({ ok: true, attempted: COUNT, lost: 0, duplicated: 0, received: 4 * COUNT });
    expect(verdict.subscriptions?.map((s) => [s.subscription, s.received, s.lost, s.duplicated])).toEqual(
      [0, 1, 2, 3].map((s) => [s, COUNT, 0, 0]),
    );
    expect(result.totals.received).toBe(4 * COUNT);
    expect(result.totals.fanOut).toMatchObject({ subscriptions: 4 });
    expect(result.totals.fanOut!.deliverRate).toBeGreaterThan(result.totals.fanOut!.publishRate);
  }, 120_000);

  it('a drop on one subscription queue (--broker-chaos queue=) is lost there only, with the exact count', async () => {
    const { run, result, dir } = await topicRun([
      ...['-c', String(COUNT), '--receivers', '4', '--subscriptions', '4', '--seed', '7'],
      ...['--broker-chaos', 'drop=0.02,queue=salvo::salvo.sub2'],
    ]);
    expect(run.code, run.stderr).toBe(1);
    const dropped = result.brokerChaos!.dropped;
    expect(dropped).toBeGreaterThan(0);
    const verdict = result.verdict!;
    expect(verdict).toMatchObject({ ok: false, failed: ['lost'], lost: dropped });
    expect(verdict.subscriptions?.map((s) => s.lost)).toEqual([0, dropped, 0, 0]);
    expect(verdict.subscriptions?.map((s) => s.received)).toEqual([COUNT, COUNT - dropped, COUNT, COUNT]);
    // The report shows the same per-subscription rows and the fan-out rates apart.
    const markdown = await runCli(['report', dir, '--format', 'markdown']);
    expect(markdown.stdout).toContain(`| 2 | ${(COUNT - dropped).toLocaleString('en-US')} | ${dropped} | 0 | 0 |`);
    expect(markdown.stdout).toContain('| delivered over 4 subscriptions |');
    expect(markdown.stdout).toContain('| published (topic) |');
  }, 120_000);

  it('durable subscriptions through connection resets (--faults reset, reconnect): nothing lost', async () => {
    const { run, result } = await topicRun([
      ...['-c', '6000', '--rate', '1500', '--receivers', '4', '--subscriptions', '2', '--durable-subscriptions'],
      ...['--faults', 'reset every 1s', '--seed', '3', '--drain-timeout', '8s'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(result.totals.reconnects).toBeGreaterThan(0);
    expect(result.verdict).toMatchObject({ ok: true, lost: 0, attempted: 6000 });
    expect(result.verdict!.subscriptions?.map((s) => [s.received, s.lost])).toEqual([
      [6000, 0],
      [6000, 0],
    ]);
  }, 150_000);

  it('refusals name why: too few receiver links, --shards, --durable-subscriptions alone', async () => {
    const few = await runCli(['run', '-c', '10', '--receivers', '2', '--subscriptions', '3']);
    expect(few.code).toBe(2);
    expect(few.stderr.trim()).toBe(
      'salvo: --subscriptions 3 needs at least one receiver link each; receivers x connections x links gives 2',
    );
    const sharded = await runCli([
      'run',
      'amqp://127.0.0.1:1/x',
      '-c',
      '10',
      '--subscriptions',
      '1',
      '--shards',
      '2',
      '--shard-index',
      '0',
      '--run-id',
      'topics-shards',
    ]);
    expect(sharded.code).toBe(2);
    expect(sharded.stderr).toContain('--shards cannot be combined with --subscriptions');
    const alone = await runCli(['run', '-c', '10', '--durable-subscriptions']);
    expect(alone.code).toBe(2);
    expect(alone.stderr.trim()).toBe('salvo: --durable-subscriptions needs --subscriptions N');
  }, 60_000);
});
