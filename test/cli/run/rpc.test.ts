/**
 * --pattern rpc through the CLI, as a user runs it: requests answered by
 * salvo's responders on the embedded broker and on Artemis, a fixed rate,
 * a fixed reply address, and the options' one-line errors. Each run is
 * bounded in count and time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/results/result.js';
import { runCli, type CliRun } from '../../helpers/cli.js';

const RUN_BOUND_MS = 60_000;

async function rpcRun(args: string[]): Promise<{ run: CliRun; result: RunResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'salvo-rpc-'));
  const run = await runCli(
    ['run', '--pattern', 'rpc', ...args, '--drain-timeout', '3s', '--json', '--output', dir],
    RUN_BOUND_MS,
  );
  expect(run.stdout, run.stderr).not.toBe('');
  return { run, result: JSON.parse(run.stdout) as RunResult };
}

/** Every request answered once, by its correlation id, and the run passes. */
function expectAllAnswered(run: CliRun, result: RunResult, requests: number): void {
  expect(result.totals).toMatchObject({
    requests,
    replies: requests,
    unmatched: 0,
    late: 0,
    unanswered: 0,
    sent: requests,
    accepted: requests,
  });
  // The responders consumed each request once.
  expect(result.totals.received).toBe(requests);
  expect(result.latency.roundTrip?.count).toBe(requests);
  expect(result.checks).toEqual([
    expect.objectContaining({ name: 'every request answered (matching correlation id)', ok: true }),
  ]);
  expect(result.verdict, 'no ledger in rpc: replies are matched by correlation id').toBeUndefined();
  expect(run.code, run.stderr).toBe(0);
}

describe('salvo run --pattern rpc (embedded broker)', { timeout: 3 * RUN_BOUND_MS }, () => {
  it('2,000 requests over 2 requester links, 10 in flight each: all answered with matching correlation ids, exit 0', async () => {
    const { run, result } = await rpcRun(['-c', '2000', '--links', '2']);
    expectAllAnswered(run, result, 2000);
    expect(result.plan.rpc).toEqual({ responders: 1, inFlight: 10, replyTo: null, timeoutMs: 10_000 });
    // Every latency kind gets per-second percentiles: roundTrip too.
    expect(result.timeseries.some((p) => (p as unknown as Record<string, number | null>).roundTripP99Us !== null)).toBe(
      true,
    );
  });

  it('profiles/rpc.yaml (pattern, links, rpc-in-flight, responders, rpc-timeout keys): 500 answered', async () => {
    const { run, result } = await rpcRun(['--profile', 'profiles/rpc.yaml', '-c', '500']);
    expectAllAnswered(run, result, 500);
    expect(result.plan).toMatchObject({ links: 2, rpc: { responders: 1, inFlight: 10, timeoutMs: 10_000 } });
  });

  it('--reply-to a fixed address (a broker without dynamic nodes), 2 responders: 1,000 answered', async () => {
    const { run, result } = await rpcRun([
      '-c',
      '1000',
      '--reply-to',
      'rpc-replies',
      '--responders',
      '2',
      '--rpc-in-flight',
      '1',
    ]);
    expectAllAnswered(run, result, 1000);
  });

  it('--rate 400 for 3 s: open loop, corrected latency from the intended time, every request answered', async () => {
    const { run, result } = await rpcRun(['--rate', '400', '-d', '3s', '--warmup', '500ms']);
    const t = result.totals;
    // 2.5 s measured at 400/s: about 1,000 requests; warm-up is by send time, so requests due in
    // warm-up but sent after it (a stalled host) count too, but never more than the 1,200 due in all.
    expect(t.requests).toBeGreaterThan(800);
    expect(t.requests).toBeLessThanOrEqual(1200);
    expect(t.replies).toBe(t.requests);
    expect(result.latency.corrected?.count).toBe(t.requests);
    // Corrected counts from the intended time, which is never after the send.
    expect(result.latency.corrected!.p50).toBeGreaterThanOrEqual(result.latency.roundTrip!.p50 * 0.9);
    expect(run.code, run.stderr).toBe(0);
  });
});

const artemis = process.env.SALVO_ARTEMIS_URL;
if (artemis === undefined)
  console.warn(
    '\n!!! SKIPPING rpc runs against Artemis: SALVO_ARTEMIS_URL is not set (scripts/brokers/artemis.sh start)\n',
  );
describe.runIf(artemis !== undefined)(
  'salvo run --pattern rpc against ActiveMQ Artemis (skipped without SALVO_ARTEMIS_URL)',
  { timeout: RUN_BOUND_MS },
  () => {
    it('2,000 requests through Artemis dynamic reply queues: all answered, exit 0', async () => {
      const url = new URL(artemis!);
      url.pathname = `/salvo-rpc-${Date.now()}`;
      const { run, result } = await rpcRun([url.toString(), '-c', '2000']);
      expectAllAnswered(run, result, 2000);
    });
  },
);

describe('salvo run --pattern rpc: bad combinations', () => {
  const cases: [string[], RegExp][] = [
    [['--pattern', 'rpc', '--receivers', '2'], /^salvo: --pattern rpc does not take --receivers/],
    [['--pattern', 'rpc', '--tx-size', '10'], /^salvo: --pattern rpc does not take --tx-size/],
    [['--pattern', 'rpc', '--link-at-most-once'], /^salvo: --pattern rpc does not take --link-at-most-once/],
    [
      ['--pattern', 'rpc', '--recv-tx-size', '10'],
      /^salvo: --pattern rpc does not take --recv-tx-size \(requests are not received in transactions\)$/m,
    ],
    [['--pattern', 'fanout'], /^salvo: --pattern must be rpc, got "fanout"/],
    [['--responders', '2'], /^salvo: --responders needs --pattern rpc/],
    [['--rpc-in-flight', '5'], /^salvo: --rpc-in-flight needs --pattern rpc/],
    [['--pattern', 'rpc', '--rpc-in-flight', '0'], /^salvo: --rpc-in-flight must be a positive integer/],
    [
      ['--pattern', 'rpc', '--senders', '0', '--responders', '0'],
      /^salvo: --senders and --responders cannot both be 0/,
    ],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(' ')}: one line, exit 2`, async () => {
      const run = await runCli(
        ['run', ...args, '-c', '10', '--output', mkdtempSync(join(tmpdir(), 'salvo-rpc-bad-'))],
        20_000,
      );
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.code).toBe(2);
    });
  }
});
