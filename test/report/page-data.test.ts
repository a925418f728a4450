/**
 * What the HTML page's plots are given: series by the run's shape, warm-up spans, reconnect and fault marks, the
 * distribution's x range.
 */
import { describe, expect, it } from 'vitest';
import { distributionFor, faultsOf, formatMarkdown, inverseTail, pageData } from '../../src/report/index.js';
import { latencyOf, pointAt, resultOf, withFaults } from './fixture.js';

describe('report page data', () => {
  it('shades each run of warm-up seconds and marks the seconds that reconnected', () => {
    const timeseries = [
      pointAt(0, { warmup: true, sent: 10 }),
      pointAt(1, { warmup: true, sent: 10 }),
      pointAt(2, { sent: 10 }),
      pointAt(3, { sent: 10, reconnects: 2 }),
      pointAt(4, { sent: 10 }),
      pointAt(5, { sent: 10, reconnects: 1 }),
    ];
    const data = pageData(resultOf({ duration: '6s' }, { timeseries }));
    expect(data.marks.warmup).toEqual([[0, 2]]);
    expect(data.marks.events.map((e) => [e.t, e.label])).toEqual([
      [3.5, 'reconnect ×2'],
      [5.5, 'reconnect ×1'],
    ]);
    expect(data.throughput!.x).toEqual([0, 1, 2, 3, 4, 5]);
    expect(data.throughput!.series.map((s) => s.label)).toEqual(['sent', 'accepted', 'received']);
    expect(data.throughput!.series[0].values).toEqual([10, 10, 10, 10, 10, 10]);
  });

  it("shows only the counters the run's shape moves", () => {
    const series = (input: Parameters<typeof resultOf>[0]) =>
      pageData(resultOf(input, { timeseries: [pointAt(0)] })).throughput!.series.map((s) => s.label);
    expect(series({ count: 10, linkAtMostOnce: true })).toEqual(['sent', 'received']);
    expect(series({ count: 10, receivers: 0 })).toEqual(['sent', 'accepted']);
    expect(series({ count: 10, senders: 0 })).toEqual(['received']);
  });

  it('marks well-formed faults at their time, in order, and ignores entries it cannot read', () => {
    const result = withFaults(resultOf({ count: 10 }, { timeseries: [pointAt(0)] }), [
      { atMs: 2500, kind: 'blackhole', target: 'all connections (1)', effect: 'held 1 connection for 2 s' },
      { atMs: 1000, kind: 'reset', target: 'all connections (1)', effect: '1 connection reset' },
      { atMs: 'soon', kind: 'reset' },
      null,
    ]);
    expect(faultsOf(result).map((f) => f.atMs)).toEqual([1000, 2500]);
    expect(pageData(result).marks.events.map((e) => [e.t, e.label])).toEqual([
      [1, 'reset'],
      [2.5, 'blackhole'],
    ]);
    expect(faultsOf(resultOf({ count: 10 }))).toEqual([]);
  });

  it('marks timed connection events in place of per-second reconnect counts, apart from faults', () => {
    const timeseries = [pointAt(0), pointAt(1, { reconnects: 1 }), pointAt(2)];
    const result = withFaults(resultOf({ duration: '3s' }, { timeseries }), [
      { atMs: 1000, kind: 'reset', target: 'all connections (1)', effect: '1 connection reset' },
      { atMs: 1002, kind: 'disconnect', target: 's0.c0', effect: 'read ECONNRESET; 12 in doubt' },
      { atMs: 1180, kind: 'reconnect', target: 's0.c0', effect: 'back after 178 ms, 2 attempts' },
    ]);
    const events = pageData(result).marks.events;
    expect(events.map((e) => [e.t, e.label])).toEqual([
      [1, 'reset'],
      [1.002, 'disconnect'],
      [1.18, 'reconnect'],
    ]);
    expect(events[1].colour).toBe(events[2].colour);
    expect(events[0].colour).not.toBe(events[1].colour);
    expect(formatMarkdown(result)).toContain('| faults injected | 1 |  |');
  });

  it('plots each histogram from 0% to at most 99.999%, and per-second latency safe for a log axis', async () => {
    // 200,000 values: the distribution reaches past 99.999%, where the plot stops.
    const service = await latencyOf([
      [100, 150_000],
      [1000, 49_990],
      [20_000, 10],
    ]);
    const timeseries = [
      pointAt(0, { serviceP50Us: 0, serviceP99Us: 900 }),
      pointAt(1, { serviceP50Us: 120, serviceP99Us: null }),
    ];
    const data = pageData(resultOf({ count: 200_000 }, { latency: { service }, timeseries }));
    const plot = data.distribution!;
    expect(plot.x[0]).toBe(1);
    expect(Math.max(...plot.x)).toBeLessThanOrEqual(100_000 * (1 + 1e-9));
    expect(Math.max(...plot.x)).toBeGreaterThan(inverseTail(0.9999));
    expect(plot.series[0].values[0]).toBe(100);
    expect(plot.series[0].values[plot.series[0].values.length - 1]).toBeGreaterThanOrEqual(20_000);
    expect(data.latency!.series.map((s) => s.label)).toEqual(['service p99', 'service p50']);
    expect(data.latency!.series[1].values).toEqual([1, 120]); // a 0 µs second drawn at 1 µs
    expect(data.latency!.series[0].values).toEqual([900, null]);
  });

  it('has no timeline for a run without per-second points', () => {
    const data = pageData(resultOf({ count: 10 }));
    expect([data.throughput, data.latency, data.delivery, data.timeRange]).toEqual([null, null, null, null]);
  });

  it('puts every kind on one distribution plot, each on the percentile levels its own histogram has', async () => {
    const service = await latencyOf([
      [100, 900],
      [300, 100],
    ]);
    const corrected = await latencyOf([
      [100, 500],
      [2000, 400],
      [40_000, 9600],
    ]);
    const result = resultOf({ count: 1000 }, { latency: { service, corrected } });
    const plot = pageData(result).distribution!;
    expect(plot.id).toBe('plot-distribution');
    expect(plot.series.map((s) => s.label)).toEqual(['service (1,000)', 'corrected (10,500)']);
    const rows = (kind: 'service' | 'corrected') =>
      distributionFor(result, kind).rows.filter((row) => row.percentile < 1);
    const longer = [rows('service'), rows('corrected')].reduce((a, b) => (b.length > a.length ? b : a));
    expect(plot.x).toEqual(longer.map((row) => inverseTail(row.percentile)));
    for (const [i, kind] of (['service', 'corrected'] as const).entries()) {
      const own = rows(kind);
      const values = plot.series[i].values;
      expect(values.slice(0, own.length)).toEqual(own.map((row) => row.value));
      expect(values.slice(own.length).every((v) => v === null)).toBe(true);
    }
    // One kind: the same one plot.
    expect(pageData(resultOf({ count: 1000 }, { latency: { service } })).distribution!.series).toHaveLength(1);
    expect(pageData(resultOf({ count: 1000 })).distribution).toBeNull();
  });
});
