/**
 * --pattern rpc on a broker that offers no ANONYMOUS-RELAY: the responders
 * must open (and keep) one sender per reply address instead of a null-target
 * sender. Bounded in count and time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/results/result.js';
import { useBroker } from '../helpers/broker.js';
import { runCli } from '../helpers/cli.js';

describe('salvo run --pattern rpc without ANONYMOUS-RELAY', { timeout: 90_000 }, () => {
  const broker = useBroker({ offerAnonymousRelay: false });

  it('1,000 requests over 4 requester links (4 reply nodes): all answered through per-address reply senders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'salvo-rpc-norelay-'));
    const run = await runCli(['run', `${broker().url}/rpc-norelay`, '--pattern', 'rpc', '-c', '1000', '--links', '4',
      '--drain-timeout', '3s', '--json', '--output', dir], 60_000);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(result.totals).toMatchObject({ requests: 1000, replies: 1000, unmatched: 0, late: 0, received: 1000 });
  });
});
