/**
 * --pattern rpc replies: on a broker that offers no ANONYMOUS-RELAY the responders
 * must open (and keep) one sender per reply address instead of a null-target
 * sender; requests nobody answers are given up at --rpc-timeout; replies to
 * requests already given up are late. Bounded in count and time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/results/result.js';
import { useBroker } from '../../helpers/broker.js';
import { runCli } from '../../helpers/cli.js';

describe('salvo run --pattern rpc without ANONYMOUS-RELAY', { timeout: 90_000 }, () => {
  const broker = useBroker({ offerAnonymousRelay: false });

  it('1,000 requests over 4 requester links (4 reply nodes): all answered through per-address reply senders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-rpc-norelay-'));
    const run = await runCli(
      [
        'run',
        `${broker().url}/rpc-norelay`,
        '--pattern',
        'rpc',
        '-c',
        '1000',
        '--links',
        '4',
        '--drain-timeout',
        '3s',
        '--json',
        '--output',
        dir,
      ],
      60_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(result.totals).toMatchObject({ requests: 1000, replies: 1000, unmatched: 0, late: 0, received: 1000 });
  });
});

describe('salvo run --pattern rpc: unanswered and late replies', { timeout: 90_000 }, () => {
  const broker = useBroker();

  it('--responders 0 and nobody answers: each request given up after --rpc-timeout, the check fails in one line, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-rpc-unanswered-'));
    const started = Date.now();
    const run = await runCli(
      [
        'run',
        `${broker().url}/rpc-nobody`,
        '--pattern',
        'rpc',
        '--responders',
        '0',
        '-c',
        '20',
        '--rpc-timeout',
        '500ms',
        '--json',
        '--output',
        dir,
      ],
      60_000,
    );
    expect(Date.now() - started, 'given up at the timeout, not at a drain or stall bound').toBeLessThan(15_000);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(result.totals).toMatchObject({ requests: 20, replies: 0, unanswered: 20, unmatched: 0, late: 0 });
    expect(result.checks).toEqual([
      expect.objectContaining({ ok: false, detail: '0 replies to 20 requests, 20 unanswered, 0 unmatched, 0 late' }),
    ]);
    expect(run.stderr.trim().split('\n')).toEqual([
      'salvo: the run failed its checks: 0 replies to 20 requests, 20 unanswered, 0 unmatched, 0 late',
    ]);
    expect(run.code).toBe(1);
  });

  it('requests given up before a responder starts are answered late: counted as late, not as replies or unmatched', async () => {
    const address = `rpc-late-${Date.now()}`;
    const dir = mkdtempSync(join(tmpdir(), 'salvo-rpc-late-'));
    const requesters = runCli(
      [
        'run',
        `${broker().url}/${address}`,
        '--pattern',
        'rpc',
        '--responders',
        '0',
        '--rate',
        '40',
        '-d',
        '8s',
        '--warmup',
        '0s',
        '--rpc-timeout',
        '300ms',
        '--json',
        '--output',
        join(dir, 'req'),
      ],
      60_000,
    );
    // The responders come a second and a half later (and live 4 s, within the requesters' 8 s, however slowly
    // they start): the backlog's requests were already given up, the later ones are answered in time.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const responders = await runCli(
      [
        'run',
        `${broker().url}/${address}`,
        '--pattern',
        'rpc',
        '--senders',
        '0',
        '-d',
        '4s',
        '--drain-timeout',
        '10s',
        '--json',
        '--output',
        join(dir, 'resp'),
      ],
      60_000,
    );
    const run = await requesters;
    const result = JSON.parse(run.stdout) as RunResult;
    const t = result.totals;
    expect(t.late, run.stdout).toBeGreaterThan(0);
    expect(t.unmatched).toBe(0);
    expect(t.replies).toBeGreaterThan(0);
    // Each request answered or unanswered, never both: a late reply's request was counted unanswered when given up.
    expect(t.replies + t.unanswered).toBe(t.requests);
    expect(t.late).toBeLessThanOrEqual(t.unanswered);
    expect(run.code).toBe(1);
    expect(responders.code, responders.stderr).toBe(0);
  });
});
