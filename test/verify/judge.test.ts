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
