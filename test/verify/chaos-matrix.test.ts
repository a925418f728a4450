/**
 * The battery proves itself: each chaos kind of the embedded broker is
 * caught by exactly the promise it breaks and by no other of those run
 * beside it, and the evidence counts what the broker says it did. A broker
 * that drops accepted messages breaks every promise of delivery (here
 * at-least-once) but not "at-most-once never duplicates" nor order; one that
 * duplicates breaks only at-most-once (not transactions' atomicity); one
 * that reorders leaves order "not kept" and the rest kept; a leak of
 * rolled-back messages breaks transactions; an ignored selector breaks
 * selectors; a broker that keeps expired messages breaks ttl. Only the promises each row needs are run (--only), so the
 * matrix stays within a couple of minutes.
 */
import { describe, expect, it } from 'vitest';
import type { ScenarioReport, VerifyResult } from '../../src/verify/result.js';
import { runVerify, statusesOf } from './run-verify.js';

interface Row {
  chaos: string;
  only: string[];
  /** The promise it breaks and its status; every other promise run must be kept. */
  breaks: string;
  status: 'broken' | 'not kept';
  /** The evidence count, in the first scenario of the broken promise, that must equal what the broker did. */
  found: (counts: Record<string, number>) => number;
  done: (counts: Record<string, number>) => number;
  /**
   * The evidence may count fewer than the broker did: a message the broker handed out just past its expiry arrives
   * within the receivers' grace, and is not counted as received past its ttl.
   */
  atMost?: true;
}

const ROWS: Row[] = [
  {
    chaos: 'drop=0.01',
    only: ['at-least-once', 'at-most-once', 'order'],
    breaks: 'at-least-once',
    status: 'broken',
    found: (c) => c.lost,
    done: (c) => c['broker.dropped'],
  },
  {
    chaos: 'dup=0.01',
    only: ['at-least-once', 'at-most-once', 'order', 'transactions'],
    breaks: 'at-most-once',
    status: 'broken',
    found: (c) => c.duplicated,
    done: (c) => c['broker.duplicated'],
  },
  {
    chaos: 'reorder=0.01',
    only: ['at-least-once', 'at-most-once', 'order'],
    breaks: 'order',
    status: 'not kept',
    found: (c) => c.reordered,
    done: (c) => c['broker.reordered'],
  },
  {
    chaos: 'leak=0.5',
    only: ['at-least-once', 'transactions'],
    breaks: 'transactions',
    status: 'broken',
    found: (c) => c.ghost,
    done: (c) => c['broker.leaked'],
  },
  {
    chaos: 'ignore-selector=1',
    only: ['at-least-once', 'selectors'],
    breaks: 'selectors',
    status: 'broken',
    found: (c) => c.selectorMismatches,
    // Every message received that the selector does not match: the broker let it through.
    done: (c) => c.received - c.selected,
  },
  // The consuming side's switches, each against the link-level promises.
  {
    chaos: 'lose-released=1',
    only: ['at-least-once', 'redelivery', 'unsettled-return', 'credit'],
    breaks: 'redelivery',
    status: 'broken',
    found: (c) => c.lost,
    done: (c) => c['broker.unreturned'],
  },
  {
    chaos: 'forget-unsettled=1',
    only: ['at-least-once', 'redelivery', 'unsettled-return', 'credit'],
    breaks: 'unsettled-return',
    status: 'broken',
    found: (c) => c.lost,
    done: (c) => c['broker.forgotten'],
  },
  {
    chaos: 'ignore-drain=1',
    only: ['at-least-once', 'redelivery', 'unsettled-return', 'credit'],
    breaks: 'credit',
    status: 'broken',
    // One drain asked, none answered; the broker counts every flow that carried drain (rhea repeats it).
    found: (c) => 1 - c.drainAnswered,
    done: (c) => Math.min(1, c['broker.drainsIgnored']),
  },
  {
    chaos: 'ignore-ttl=1',
    only: ['at-least-once', 'ttl'],
    breaks: 'ttl',
    status: 'broken',
    found: (c) => c.receivedExpired,
    done: (c) => c['broker.ttlIgnored'],
    atMost: true,
  },
];

/** Each row's battery is about 20 s on this host; the bound leaves room for a busy one. */
const ROW_BOUND_MS = 120_000;

describe('salvo verify --broker-chaos: each chaos kind caught by exactly the promise it breaks', () => {
  for (const row of ROWS) {
    it(`${row.chaos}: ${row.breaks} ${row.status}, ${row.only.filter((p) => p !== row.breaks).join(', ')} kept`, {
      timeout: ROW_BOUND_MS + 10_000,
    }, async () => {
      const args = ['--quick', '--seed', '7', '--broker-chaos', row.chaos, '--only', row.only.join(','), '--json'];
      const { run, result } = await runVerify(args, ROW_BOUND_MS);
      const r: VerifyResult = result!;
      expect(r, run.stderr).toBeDefined();
      const expected = Object.fromEntries(row.only.map((id) => [id, id === row.breaks ? row.status : 'kept']));
      expect(statusesOf(r), JSON.stringify(r.promises.map((p) => [p.id, p.evidence]))).toEqual(expected);
      // "Not kept" (order) does not fail the battery: not every broker promises it.
      expect(run.code, run.stderr).toBe(row.status === 'broken' ? 1 : 0);
      expect(r.exitCode).toBe(run.code);
      expect(r.brokerChaos).toBe(row.chaos);
      const first: ScenarioReport = r.promises.find((p) => p.id === row.breaks)!.scenarios[0];
      expect(row.found(first.counts), JSON.stringify(first.counts)).toBeGreaterThan(0);
      if (row.atMost)
        expect(row.found(first.counts), JSON.stringify(first.counts)).toBeLessThanOrEqual(row.done(first.counts));
      else expect(row.found(first.counts), JSON.stringify(first.counts)).toBe(row.done(first.counts));
      expect(first.evidence).toMatch(/\(e\.g\. (s0\.c0\.l0)?#\d+|did not match the selector|not answered/);
    });
  }
});
