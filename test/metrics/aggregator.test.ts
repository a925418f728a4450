import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Aggregator,
  freeHistogram,
  initHistograms,
  newHistogram,
  record,
  summarize,
  type IntervalReport,
  type LatencySummary,
} from '../../src/metrics/index.js';
import { counters, encoded, latencies, report } from './helpers.js';

beforeAll(async () => {
  await initHistograms();
});

const live: Aggregator[] = [];
function aggregator(): Aggregator {
  const a = new Aggregator();
  live.push(a);
  return a;
}
afterEach(() => {
  for (const a of live.splice(0)) a.free();
});

function direct(values: readonly number[]): LatencySummary {
  const h = newHistogram();
  for (const v of values) record(h, v);
  const s = summarize(h);
  freeHistogram(h);
  return s;
}

/** Two workers, four measured seconds, different latency distributions. */
function twoWorkerReports(): { reports: IntervalReport[]; a: number[]; b: number[] } {
  const reports: IntervalReport[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const va = latencies(10 + i, 500);
    const vb = latencies(100 + i, 300).map((v) => v * 3);
    a.push(...va);
    b.push(...vb);
    reports.push(report('A', i, { service: va, endToEnd: va.map((v) => v + 40) }));
    reports.push(report('B', i, { service: vb, endToEnd: vb.map((v) => v + 40) }));
  }
  return { reports, a, b };
}

describe('Aggregator', () => {
  it('merges two workers into exact counts and the percentiles of one histogram of all values', () => {
    const { reports, a, b } = twoWorkerReports();
    const agg = aggregator();
    for (const r of reports) agg.addInterval(r);

    expect(agg.totals()).toEqual(counters({ sent: 3200, accepted: 3200, received: 3200 }));
    const latency = agg.latency();
    expect(Object.keys(latency).sort()).toEqual(['endToEnd', 'service']);
    expect(latency.service).toEqual(direct([...a, ...b]));
    expect(latency.endToEnd).toEqual(direct([...a, ...b].map((v) => v + 40)));
  });

  it('gives per-second points over all workers', () => {
    const { reports, a, b } = twoWorkerReports();
    const agg = aggregator();
    for (const r of reports) agg.addInterval(r);
    const series = agg.timeseries();
    expect(series.map((p) => p.t)).toEqual([0, 1, 2, 3]);
    const first = direct([...a.slice(0, 500), ...b.slice(0, 300)]);
    expect(series[0]).toMatchObject({
      t: 0,
      warmup: false,
      sent: 800,
      received: 800,
      serviceP50Us: first.p50,
      serviceP99Us: first.p99,
    });
    expect(series[0]!.correctedP50Us).toBeNull();
  });

  it('does not depend on the order reports arrive in', () => {
    const { reports } = twoWorkerReports();
    const inOrder = aggregator();
    for (const r of reports) inOrder.addInterval(r);
    const shuffled = aggregator();
    for (const r of [...reports]
      .reverse()
      .sort((x, y) => (x.workerId === y.workerId ? 0 : x.workerId < y.workerId ? 1 : -1))) {
      shuffled.addInterval(r);
    }
    expect(shuffled.timeseries()).toEqual(inOrder.timeseries());
    expect(shuffled.totals()).toEqual(inOrder.totals());
    expect(shuffled.latency()).toEqual(inOrder.latency());
  });

  it('keeps warm-up out of totals and latency, but in the time series, tagged', () => {
    const agg = aggregator();
    agg.addInterval(report('A', 0, { service: [50_000, 60_000] }, { warmup: true }));
    agg.addInterval(report('A', 1, { service: [100, 200, 300] }));
    agg.addInterval(report('B', 0, { service: [70_000] }, { warmup: true }));
    agg.addInterval(report('B', 1, { service: [400] }));

    expect(agg.totals()).toEqual(counters({ sent: 4, accepted: 4, received: 4 }));
    expect(agg.latency().service).toEqual(direct([100, 200, 300, 400]));
    const [warm, measured] = agg.timeseries();
    expect(warm).toMatchObject({ t: 0, warmup: true, sent: 3 });
    expect(warm!.serviceP99Us).toBeGreaterThan(59_000);
    expect(measured).toMatchObject({ t: 1, warmup: false, sent: 4 });
    expect(agg.hlogIntervals('service').map((l) => l.tag)).toEqual(['warmup', undefined]);
  });

  it('lets a final report replace its worker’s intervals without double counting', () => {
    const agg = aggregator();
    agg.addInterval(report('A', 0, { service: [1] }, { warmup: true }));
    agg.addInterval(report('A', 1, { service: [100, 200] }));
    agg.addInterval(report('A', 2, { service: [300] }));
    agg.addInterval(report('B', 1, { service: [1_000] }));
    agg.addFinal({
      workerId: 'A',
      counters: counters({ sent: 3, accepted: 3, received: 3 }),
      histograms: { service: encoded([100, 200, 300]) },
    });

    expect(agg.totals()).toEqual(counters({ sent: 4, accepted: 4, received: 4 }));
    expect(agg.latency().service).toEqual(direct([100, 200, 300, 1_000]));
  });

  it('takes a final report that overtakes interval reports (piscina does not order them)', () => {
    const agg = aggregator();
    agg.addInterval(report('A', 0, { service: [100] }));
    agg.addFinal({
      workerId: 'A',
      counters: counters({ sent: 3, accepted: 2, rejected: 1, received: 3 }),
      histograms: { service: encoded([100, 200, 300]) },
    });
    agg.addInterval(
      report('A', 1, { service: [200, 300] }, { counters: { sent: 2, accepted: 1, rejected: 1, received: 2 } }),
    );

    expect(agg.totals()).toEqual(counters({ sent: 3, accepted: 2, rejected: 1, received: 3 }));
    expect(agg.latency().service).toEqual(direct([100, 200, 300]));
    expect(agg.timeseries().map((p) => p.sent)).toEqual([1, 2]);
  });

  it('refuses a repeated interval or final report', () => {
    const agg = aggregator();
    agg.addInterval(report('A', 0, { service: [1] }));
    expect(() => agg.addInterval(report('A', 0, { service: [1] }))).toThrow('worker A reported interval 0 twice');
    agg.addFinal({ workerId: 'A', counters: counters({}), histograms: {} });
    expect(() => agg.addFinal({ workerId: 'A', counters: counters({}), histograms: {} })).toThrow('two final reports');
  });

  it('refuses malformed reports before changing anything', () => {
    const agg = aggregator();
    const bad = { ...report('A', 0, { service: [1] }), counters: { sent: 1 } } as unknown as IntervalReport;
    expect(() => agg.addInterval(bad)).toThrow('counter accepted must be a finite number');
    expect(() => agg.addInterval(report('A', -1, {}))).toThrow(RangeError);
    expect(agg.timeseries()).toEqual([]);
    agg.addInterval(report('A', 0, { service: [1] })); // not marked as seen by the bad attempt
  });

  it('reports no latency kinds and zero totals when nothing was recorded', () => {
    const agg = aggregator();
    agg.addInterval(report('A', 0, { service: [] }, { counters: {} }));
    expect(agg.latency()).toEqual({});
    expect(agg.totals()).toEqual(counters({}));
    expect(agg.timeseries()[0]!.serviceP50Us).toBeNull();
  });
});
