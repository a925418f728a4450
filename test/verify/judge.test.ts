/**
 * A scenario's judgement from its run's result: each claim broken only by its
 * own categories, and a run that measured nothing of its claim "not run",
 * never "kept".
 */
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/ledger/index.js';
import type { FaultRecord } from '../../src/metrics/fault-record.js';
import type { RunResult } from '../../src/results/result.js';
import { combineScenarios, judgeScenario } from '../../src/verify/judge.js';

function verdict(fields: Partial<Verdict> = {}): Verdict {
  return {
    mode: 'at-least-once',
    ok: true,
    checked: { senders: true, receivers: true },
    failed: [],
    attempted: 1000,
    received: 1000,
    lost: 0,
    unexpected: 0,
    duplicated: 0,
    corrupted: 0,
    recovered: 0,
    reordered: 0,
    inDoubt: 0,
    resent: 0,
    redelivered: 0,
    ghost: null,
    partialBatch: null,
    examples: {},
    ...fields,
  };
}

/** The fields judgeScenario reads; the rest of a RunResult does not matter to it. */
function result(v: Verdict | undefined, faults?: FaultRecord[], problems: string[] = []): RunResult {
  const totals = { batchesRolledBack: 0, recvBatchesRolledBack: 0 };
  return { verdict: v, faults, problems, totals } as unknown as RunResult;
}

const reset = (atMs: number): FaultRecord => ({ atMs, kind: 'reset', target: 'all', effect: '2 connections reset' });
const disconnect = (atMs: number): FaultRecord => ({ atMs, kind: 'disconnect', target: 's0', effect: 'reset' });

describe('judgeScenario', () => {
  it('delivery: lost breaks it, with the count and the first examples (run id left out)', () => {
    const refs = [5, 9, 12, 40].map((seq) => ({ producer: 'verify-1-at-least-once-1/s0.c0.l0', seq }));
    const judged = judgeScenario(
      'delivery',
      undefined,
      result(verdict({ ok: false, failed: ['lost'], lost: 4, received: 996, examples: { lost: refs } })),
      undefined,
    );
    expect(judged.status).toBe('broken');
    expect(judged.evidence).toBe('lost 4 (e.g. s0.c0.l0#5, s0.c0.l0#9, s0.c0.l0#12); 1,000 sent');
    expect(judged.counts).toMatchObject({ attempted: 1000, received: 996, lost: 4 });
  });

  it('each claim is broken by its own categories only', () => {
    const dup = result(verdict({ duplicated: 7 }));
    expect(judgeScenario('delivery', undefined, dup, undefined).status).toBe('kept');
    expect(judgeScenario('no-duplicates', undefined, dup, undefined).status).toBe('broken');
    expect(judgeScenario('order', undefined, dup, undefined).status).toBe('kept');
    const reordered = result(verdict({ reordered: 3 }));
    expect(judgeScenario('order', undefined, reordered, undefined).status).toBe('not kept');
    expect(judgeScenario('delivery', undefined, reordered, undefined).status).toBe('kept');
    const ghost = result(verdict({ mode: 'transactional', ghost: 12, partialBatch: 0 }));
    expect(judgeScenario('atomic', undefined, ghost, undefined).status).toBe('broken');
    expect(judgeScenario('no-duplicates', undefined, ghost, undefined).status).toBe('kept');
  });

  it('selector: a message that does not match breaks it; none matching is not run', () => {
    const ignored = verdict({ selection: { selected: 300, selectorMismatches: 700, unselected: 0 } });
    const judged = judgeScenario('selector', undefined, result(ignored), 'the broker ignored the selector');
    expect(judged).toMatchObject({
      status: 'broken',
      evidence: '700 of 1,000 received did not match the selector; 1,000 sent',
    });
    // Matches not delivered: broken, in words that do not claim them gone (a stalled consumer leaves them queued).
    const stalled = verdict({
      ok: false,
      lost: 543,
      received: 457,
      selection: { selected: 457, selectorMismatches: 0, unselected: 0 },
    });
    expect(judgeScenario('selector', undefined, result(stalled), undefined)).toMatchObject({
      status: 'broken',
      evidence: 'matching not delivered within the drain time-out (queued or lost) 543; 1,000 sent',
    });
    const none = verdict({ selection: { selected: 0, selectorMismatches: 0, unselected: 1000 }, received: 0 });
    expect(judgeScenario('selector', undefined, result(none), undefined).status).toBe('not run');
  });

  it('measured nothing: not run, never kept', () => {
    const cases: [Parameters<typeof judgeScenario>, RegExp][] = [
      [['delivery', undefined, undefined, 'broker refused the attach'], /^broker refused the attach$/],
      [['delivery', undefined, result(undefined, undefined, ['drain timed out']), undefined], /^drain timed out$/],
      [['delivery', undefined, result(verdict({ ok: null })), undefined], /no delivery verdict/],
      [['delivery', undefined, result(verdict({ attempted: 0, received: 0 })), undefined], /^nothing was sent$/],
      [['no-duplicates', undefined, result(verdict({ received: 0, lost: 1000 })), undefined], /nothing was received/],
      [['delivery', 'reset', result(verdict(), []), undefined], /^no reset was injected/],
      [['delivery', 'reset', result(verdict(), [reset(1000)]), undefined], /the resets broke no connection$/],
      [['delivery', 'blackhole', result(verdict(), [reset(1000)]), undefined], /^no blackhole was injected/],
    ];
    for (const [args, why] of cases) {
      const judged = judgeScenario(...args);
      expect(judged.status, why.source).toBe('not run');
      expect(judged.evidence).toMatch(why);
    }
  });

  it('a loss is broken even when all was lost (nothing received is evidence for delivery)', () => {
    const all = verdict({ ok: false, failed: ['lost'], received: 0, lost: 1000 });
    expect(judgeScenario('delivery', undefined, result(all), undefined).status).toBe('broken');
  });

  it('faults felt are in the evidence of a kept scenario', () => {
    const judged = judgeScenario(
      'delivery',
      'reset',
      result(verdict({ inDoubt: 4, resent: 4 }), [reset(1000), disconnect(1001), reset(2000), disconnect(2001)]),
      undefined,
    );
    expect(judged.status).toBe('kept');
    expect(judged.evidence).toBe('2 resets, 2 disconnects; lost 0 of 1,000 sent, 1,000 received, 4 in doubt, 4 resent');
  });
});

/** A --pattern rpc run's result: no verdict, the requesters' counts. */
function rpcResult(totals: Partial<RunResult['totals']>, faults?: FaultRecord[]): RunResult {
  const t = {
    requests: 1000,
    replies: 1000,
    unanswered: 0,
    unmatched: 0,
    late: 0,
    duplicates: 0,
    inDoubt: 0,
    resent: 0,
  };
  return { faults, problems: [], totals: { ...t, ...totals } } as unknown as RunResult;
}

describe('judgeScenario: request/response (promise 13)', () => {
  it('every request answered, through resets with resends: kept, the resends in the evidence', () => {
    const judged = judgeScenario(
      'answered',
      'reset',
      rpcResult({ inDoubt: 6, resent: 5, duplicates: 1 }, [reset(1000), disconnect(1001)]),
      undefined,
    );
    expect(judged.status).toBe('kept');
    expect(judged.evidence).toBe(
      '1 reset, 1 disconnect; 1,000 of 1,000 requests answered, 0 unanswered, 6 in doubt, 5 resent',
    );
    expect(judged.counts).toMatchObject({ attempted: 1000, received: 1000, resent: 5, duplicates: 1 });
  });

  it('requests counted unanswered (given up, or outstanding at the end) break it', () => {
    const judged = judgeScenario(
      'answered',
      undefined,
      rpcResult({ replies: 990, unanswered: 10, late: 3 }),
      undefined,
    );
    expect(judged.status).toBe('broken');
    expect(judged.evidence).toBe('10 unanswered, 0 unmatched, 3 late; 1,000 requests');
  });

  it('a reply gone missing without being counted (replies + unanswered short of requests) breaks it', () => {
    const judged = judgeScenario('answered', undefined, rpcResult({ replies: 998 }), undefined);
    expect(judged.status).toBe('broken');
    expect(judged.evidence).toBe('998 answered + 0 unanswered of 1,000 requests: replies went missing uncounted');
  });

  it('a reply to no request of the run breaks it', () => {
    expect(judgeScenario('answered', undefined, rpcResult({ unmatched: 1 }), undefined).status).toBe('broken');
  });

  it('no request sent, no result, or resets that broke nothing: not run', () => {
    expect(judgeScenario('answered', undefined, rpcResult({ requests: 0, replies: 0 }), undefined).evidence).toBe(
      'no request was sent',
    );
    expect(judgeScenario('answered', undefined, undefined, 'refused').evidence).toBe('refused');
    const unfelt = judgeScenario('answered', 'reset', rpcResult({}, [reset(1000)]), undefined);
    expect(unfelt).toMatchObject({
      status: 'not run',
      evidence: expect.stringMatching(/the resets broke no connection$/),
    });
  });
});

describe('combineScenarios', () => {
  const s = (label: string, status: 'kept' | 'broken' | 'not run', evidence: string = status) => ({
    label,
    status,
    evidence,
    counts: {},
  });

  it('any broken run breaks the promise, any not run leaves it unchecked, else kept', () => {
    expect(combineScenarios([s('a', 'kept'), s('b', 'broken')]).status).toBe('broken');
    expect(combineScenarios([s('a', 'kept'), s('b', 'not run')]).status).toBe('not run');
    expect(combineScenarios([s('a', 'kept'), s('b', 'kept')]).status).toBe('kept');
    expect(combineScenarios([]).status).toBe('not run');
  });

  it('the broken run first in the evidence, each labelled', () => {
    expect(combineScenarios([s('a', 'kept', 'fine'), s('b', 'broken', 'lost 1')]).evidence).toBe('b: lost 1 | a: fine');
  });
});
