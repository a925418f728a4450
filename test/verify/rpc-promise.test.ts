/**
 * Promise 13 through `salvo verify`: request/response on the clean embedded
 * broker, with no faults and through a reset every second, is kept; the
 * evidence says what was injected and felt, and that every request was
 * answered (requests = answered + unanswered, unanswered 0). What breaks it
 * is judge.test.ts's (an unanswered request, a reply gone missing uncounted);
 * that a broker's drops are counted unanswered, test/cli/run/rpc-reconnect.test.ts's
 * (a verify battery under drop chaos waits out each dropped request's
 * --rpc-timeout: about a minute). Bounded: two short runs.
 */
import { describe, expect, it } from 'vitest';
import { runVerify } from './run-verify.js';

const BOUND_MS = 90_000;

describe('salvo verify --only rpc on the clean embedded broker', { timeout: BOUND_MS + 10_000 }, () => {
  it('kept with no faults and through resets, every request answered, exit 0', async () => {
    const { run, result } = await runVerify(['--quick', '--only', 'rpc'], BOUND_MS);
    expect(run.code, run.stderr).toBe(0);
    const rpc = result!.promises.find((p) => p.id === 'rpc')!;
    expect(rpc.number).toBe(13);
    expect(rpc.status, rpc.evidence).toBe('kept');
    expect(rpc.scenarios.map((s) => [s.label, s.status])).toEqual([
      ['no faults', 'kept'],
      ['through resets', 'kept'],
    ]);
    for (const s of rpc.scenarios) {
      expect(s.counts.attempted).toBeGreaterThan(0);
      expect(s.counts.received).toBe(s.counts.attempted);
      expect(s.counts.unanswered).toBe(0);
    }
    const resets = rpc.scenarios[1];
    expect(resets.counts.disconnect).toBeGreaterThan(0);
    expect(resets.evidence).toMatch(
      /^\d+ resets?, [1-9]\d* disconnects?; ([\d,]+) of \1 requests answered, 0 unanswered(, [\d,]+ in doubt, [\d,]+ resent)?$/,
    );
  });
});
