/**
 * The timeline's per-second figures: a last partial second drawn as a rate over its true length (or left out when
 * too short), never as a drop; seconds after a series ended not drawn; the delivery counts shown when faults or
 * their counts say something.
 */
import { describe, expect, it } from 'vitest';
import { pageData, renderHtml } from '../../src/report/index.js';
import { activityEnd, deliveryCounts, MIN_PARTIAL_S, rateSeries } from '../../src/report/timeline.js';
import { pointAt, resultOf, withFaults } from './fixture.js';

const RATE = 1000;

/** An open-loop run at RATE whose sending ends `endS` after the start, received until `receiveEndS`. */
function runEnding(endS: number, receiveEndS: number, warmupS = 0) {
  const seconds = Math.ceil(receiveEndS);
  const counted = (t: number, end: number) => Math.round(RATE * Math.max(0, Math.min(1, end - t)));
  const timeseries = Array.from({ length: seconds }, (_, t) =>
    pointAt(t, {
      warmup: t < warmupS,
      sent: counted(t, endS),
      accepted: counted(t, endS),
      received: counted(t, receiveEndS),
    }),
  );
  const measured = (end: number) => timeseries.filter((p) => !p.warmup).reduce((sum, p) => sum + counted(p.t, end), 0);
  const sent = measured(endS);
  const received = measured(receiveEndS);
  return resultOf(
    { duration: `${endS}s`, rate: RATE, warmup: `${warmupS}s` },
    {
      timeseries,
      totals: {
        sent,
        accepted: sent,
        received,
        durationS: endS - warmupS,
        sendRate: sent / (endS - warmupS),
        acceptRate: sent / (endS - warmupS),
        receiveRate: received / (receiveEndS - warmupS),
      },
    },
  );
}

describe('the timeline per second', () => {
  it("draws a series' last partial second as a rate over its true length, not as a drop", () => {
    const result = runEnding(3.5, 3.5);
    expect(activityEnd(result, 'sent')).toBeCloseTo(3.5, 6);
    const sent = pageData(result).throughput!.series.find((s) => s.label === 'sent')!;
    expect(result.timeseries.map((p) => p.sent)).toEqual([RATE, RATE, RATE, RATE / 2]);
    expect(sent.values).toEqual([RATE, RATE, RATE, RATE]);
    const html = renderHtml(result);
    expect(html).toMatch(/sent: its last second \(3-3\.500 s\) drawn as a rate over its 0\.500 s/);
  });

  it('leaves out a last second too short for a rate, and the seconds after a series ended, and says so', () => {
    // Sending stops 0.1 s into second 3; receiving goes on until 4.6 s (the drain).
    const result = runEnding(3.1, 4.6, 1);
    const series = pageData(result).throughput!.series;
    const values = (label: string) => series.find((s) => s.label === label)!.values;
    expect(MIN_PARTIAL_S).toBeGreaterThan(0.1);
    expect(values('sent')).toEqual([RATE, RATE, RATE, null, null]);
    expect(values('accepted')).toEqual([RATE, RATE, RATE, null, null]);
    expect(values('received')[4]).toBeCloseTo(RATE, 6);
    for (const v of values('received')) expect(v).not.toBe(0);
    expect(renderHtml(result)).toMatch(/sent: its last second \(3-3\.100 s\) left out, too short for a rate/);
  });

  it('leaves a run that ends on a whole second as counted, with no note', () => {
    const result = runEnding(3, 3);
    expect(pageData(result).throughput!.series[0].values).toEqual([RATE, RATE, RATE]);
    expect(renderHtml(result)).not.toContain('id="partial-note"');
  });

  it('draws counts as counted when the result gives no window to know the end by', () => {
    const points = [pointAt(0, { sent: 10 }), pointAt(1, { sent: 3 })];
    expect(rateSeries(points, 'sent', null)).toEqual({ values: [10, 3], partial: [] });
  });

  it('shows in doubt, resent and duplicates per second under the faults, when there were faults or such counts', () => {
    const quiet = [pointAt(0, { sent: 10 }), pointAt(1, { sent: 10 })];
    expect(deliveryCounts(quiet, false)).toEqual([]);
    expect(pageData(resultOf({ count: 20 }, { timeseries: quiet })).delivery).toBeNull();
    // Faults: every count the points carry, zeros included.
    const faulted = withFaults(resultOf({ count: 20 }, { timeseries: quiet }), [
      { atMs: 500, kind: 'reset', target: 'all connections (1)', effect: '1 connection reset' },
    ]);
    const delivery = pageData(faulted).delivery!;
    expect(delivery.series.map((s) => s.label)).toEqual(['in doubt', 'resent', 'duplicate copies received']);
    expect(delivery.x).toEqual(pageData(faulted).throughput!.x);
    // No fault recorded, yet messages went in doubt: those counts alone.
    const doubted = [pointAt(0, { inDoubt: 4 }), pointAt(1, { resent: 0 })];
    const plot = pageData(resultOf({ count: 20 }, { timeseries: doubted })).delivery!;
    expect(plot.series.map((s) => [s.label, s.values])).toEqual([['in doubt', [4, 0]]]);
    const copies = [pointAt(0, { duplicates: 3 }), pointAt(1)];
    expect(deliveryCounts(copies, false)).toEqual(['duplicates']);
  });

  it("says the run's duplicates when its seconds do not count them (a result from before they were)", () => {
    const older = ({ duplicates: _, ...point }: ReturnType<typeof pointAt>) => point as ReturnType<typeof pointAt>;
    const timeseries = [older(pointAt(0, { inDoubt: 3, resent: 3 })), older(pointAt(1))];
    const result = resultOf({ count: 20 }, { timeseries });
    expect(renderHtml(result)).not.toContain('Duplicates are not counted per second');
    const verdict: NonNullable<typeof result.verdict> = {
      mode: 'at-least-once',
      ok: true,
      checked: { senders: true, receivers: true },
      failed: [],
      attempted: 20,
      received: 20,
      lost: 0,
      unexpected: 0,
      duplicated: 7,
      extraCopies: 9,
      corrupted: 0,
      recovered: 3,
      reordered: 0,
      inDoubt: 3,
      resent: 3,
      redelivered: 0,
      ghost: null,
      partialBatch: null,
      examples: {},
    };
    expect(renderHtml({ ...result, verdict })).toContain(
      'over the run the verdict counts 7 messages duplicated (9 extra copies)',
    );
  });

  it('spans every timeline over the same seconds, markers after the last point included', () => {
    const result = withFaults(resultOf({ count: 20 }, { timeseries: [pointAt(0), pointAt(1), pointAt(2)] }), [
      { atMs: 2700, kind: 'reset', target: 'all connections (1)', effect: '1 connection reset' },
    ]);
    const data = pageData(result);
    expect(data.timeRange).toEqual([0, 2.7]);
    expect(data.marks.events.map((e) => [e.t, e.fault])).toEqual([[2.7, true]]);
    expect(data.marks.events[0].detail).toBe('2.700 s reset: all connections (1); 1 connection reset');
  });
});

describe('a last straggler', () => {
  it('after the measured end is left out and said so, never drawn as a fall to its count', () => {
    const points = [
      pointAt(0, { sent: 1497 }),
      pointAt(1, { sent: 1502 }),
      pointAt(2, { sent: 1500 }),
      pointAt(3, { sent: 1 }),
    ];
    const { values, partial } = rateSeries(points, 'sent', 3);
    expect(values).toEqual([1497, 1502, 1500, null]);
    expect(partial).toEqual([{ series: 'sent', t: 3, activeS: 0, treatment: 'left out' }]);
  });
});
