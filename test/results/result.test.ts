import { describe, expect, it } from 'vitest';
import { noPerSecondLatency, zeroCounters, type Counters, type TimePoint } from '../../src/metrics/index.js';
import { resolvePlan, type PlanInput } from '../../src/plan/index.js';
import { checksFor, whyNothingMeasured, totalsFrom, type Check, type Totals } from '../../src/results/result.js';

function plan(input: PlanInput = {}): ReturnType<typeof resolvePlan> {
  return resolvePlan({ runId: 'test', ...input });
}

function totals(counters: Partial<Counters>, seconds = 2): Totals {
  return totalsFrom({ ...zeroCounters(), ...counters }, 0, { sendS: seconds, acceptS: seconds, receiveS: seconds });
}

function failed(checks: Check[]): Check[] {
  return checks.filter((check) => !check.ok);
}

/** One second of the time series, warm-up messages included as the workers count them. */
function second(t: number, warmup: boolean, counters: Partial<Counters>): TimePoint {
  return {
    t,
    warmup,
    ...zeroCounters(),
    ...noPerSecondLatency(),
    ...counters,
    serviceP50Us: null,
    serviceP99Us: null,
    correctedP50Us: null,
    correctedP99Us: null,
    sendDelayP50Us: null,
    sendDelayP99Us: null,
    endToEndP50Us: null,
    endToEndP99Us: null,
  };
}

describe('totalsFrom', () => {
  it('gives rates over the measured seconds only', () => {
    const t = totalsFrom({ ...zeroCounters(), sent: 3000, accepted: 3000, received: 1500 }, 7, {
      sendS: 1.5,
      acceptS: 2,
      receiveS: 3,
    });
    expect(t).toMatchObject({
      sent: 3000,
      received: 1500,
      foreign: 7,
      durationS: 1.5,
      sendRate: 2000,
      acceptRate: 1500,
      receiveRate: 500,
    });
  });

  it('gives rates of 0, never Infinity or NaN, when no measured time passed', () => {
    const t = totalsFrom({ ...zeroCounters(), sent: 10, received: 10 }, 0, { sendS: 0, acceptS: 0, receiveS: 0 });
    expect(t).toMatchObject({ durationS: 0, sendRate: 0, acceptRate: 0, receiveRate: 0 });
  });
});

describe('checksFor, at-least-once with senders and receivers', () => {
  const p = plan({ count: 1000 });

  it('passes when every message sent was accepted and received, and says on what', () => {
    const checks = checksFor(p, totals({ sent: 1000, accepted: 1000, received: 1000 }));
    expect(checks.map((c) => c.name)).toEqual(['no fewer received than accepted', 'every sent message accepted']);
    expect(failed(checks)).toEqual([]);
    expect(checks[0].detail).toBe('1000 of 1000 accepted');
  });

  it('fails on messages accepted but not received', () => {
    const checks = failed(checksFor(p, totals({ sent: 1000, accepted: 1000, received: 997 })));
    expect(checks.map((c) => c.detail)).toEqual(['3 accepted but not received']);
  });

  it.each([
    [
      'rejected',
      { sent: 1000, accepted: 998, rejected: 2, received: 998 },
      '998 accepted, 2 rejected, 0 released, 0 modified, 0 in doubt of 1000 sent',
    ],
    [
      'released',
      { sent: 1000, accepted: 999, released: 1, received: 999 },
      '999 accepted, 0 rejected, 1 released, 0 modified, 0 in doubt of 1000 sent',
    ],
    [
      'modified',
      { sent: 1000, accepted: 999, modified: 1, received: 999 },
      '999 accepted, 0 rejected, 0 released, 1 modified, 0 in doubt of 1000 sent',
    ],
    [
      'in doubt',
      { sent: 1000, accepted: 990, inDoubt: 10, received: 990 },
      '990 accepted, 0 rejected, 0 released, 0 modified, 10 in doubt of 1000 sent',
    ],
  ])('fails on a message %s', (_, counters, detail) => {
    const checks = failed(checksFor(p, totals(counters)));
    expect(checks.map((c) => [c.name, c.detail])).toEqual([['every sent message accepted', detail]]);
  });

  it('fails when nothing was sent after warm-up: no check passes on nothing', () => {
    const checks = checksFor(p, totals({}));
    expect(checks.length).toBeGreaterThan(0);
    expect(failed(checks)).toEqual(checks);
  });

  it('fails the receipt check when messages were sent but none accepted', () => {
    const checks = failed(checksFor(p, totals({ sent: 50, inDoubt: 50 })));
    expect(checks.map((c) => c.name)).toEqual(['no fewer received than accepted', 'every sent message accepted']);
    expect(checks[0].detail).toBe('no message accepted after warm-up: nothing to compare receipts with');
  });
});

describe('checksFor, other shapes of run', () => {
  it('at-most-once: fails on more received than sent, and on nothing received', () => {
    const p = plan({ count: 100, linkAtMostOnce: true });
    expect(failed(checksFor(p, totals({ sent: 100, received: 100 })))).toEqual([]);
    expect(failed(checksFor(p, totals({ sent: 100, received: 101 }))).map((c) => c.detail)).toEqual([
      '1 more received than sent',
    ]);
    expect(failed(checksFor(p, totals({ sent: 100 }))).map((c) => c.detail)).toEqual([
      'no message received after warm-up',
    ]);
  });

  it('send only: passes on messages accepted, fails on none sent', () => {
    const p = plan({ count: 100, receivers: 0 });
    expect(failed(checksFor(p, totals({ sent: 100, accepted: 100 })))).toEqual([]);
    expect(failed(checksFor(p, totals({}))).length).toBe(1);
    const presettled = plan({ count: 100, receivers: 0, linkAtMostOnce: true });
    expect(failed(checksFor(presettled, totals({ sent: 100 })))).toEqual([]);
    expect(failed(checksFor(presettled, totals({}))).map((c) => c.detail)).toEqual(['no message sent after warm-up']);
  });

  it('receive only: passes on messages received, fails on none', () => {
    const p = plan({ count: 100, senders: 0 });
    expect(checksFor(p, totals({ received: 100 })).map((c) => c.ok)).toEqual([true]);
    expect(failed(checksFor(p, totals({}))).map((c) => c.detail)).toEqual(['no message received after warm-up']);
  });
});

describe('whyNothingMeasured', () => {
  it('says nothing when the run measured messages', () => {
    const p = plan({ duration: '2s' });
    expect(
      whyNothingMeasured({ plan: p, totals: totals({ sent: 1 }), timeseries: [second(0, true, { sent: 5 })] }),
    ).toBeUndefined();
  });

  it('says warm-up covered the whole run when every message was sent during it', () => {
    const p = plan({ duration: '1s', warmup: '900ms', rate: 2 });
    const reason = whyNothingMeasured({
      plan: p,
      totals: totals({}),
      timeseries: [second(0, true, { sent: 2, accepted: 2, received: 2 })],
    });
    expect(reason).toBe('no message was measured: warm-up (900 ms) covered the whole run (2 sent during warm-up)');
  });

  it('says nothing arrived on a receive-only run that got nothing', () => {
    const p = plan({ count: 10, senders: 0 });
    expect(whyNothingMeasured({ plan: p, totals: totals({}), timeseries: [] })).toBe(
      'no message was measured: nothing was received',
    );
  });
});
