/**
 * Live metrics as a scraper reads them: the text format, every series under
 * the run's id, counters that never go back, quantiles from the aggregator's
 * merged seconds, and which addresses may serve them.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveMetricsEndpoint } from '../../src/coordinator/metrics-server.js';
import { Aggregator, initHistograms } from '../../src/metrics/index.js';
import { LiveMetrics, type LiveProgress } from '../../src/metrics/prometheus.js';
import { counters, latencies, report } from './helpers.js';

beforeAll(async () => {
  await initHistograms();
});

const aggregators: Aggregator[] = [];
afterEach(() => {
  for (const a of aggregators.splice(0)) a.free();
});

/** The value of one sample line, by metric name and the labels it must carry; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

function progress(partial: Partial<LiveProgress>): LiveProgress {
  return {
    elapsedS: 1,
    warmup: false,
    sent: 0,
    settled: 0,
    accepted: 0,
    received: 0,
    distinct: 0,
    expected: 0,
    down: 0,
    ...partial,
  };
}

describe('LiveMetrics', () => {
  it('labels every series with the run id, the process figures included', async () => {
    const metrics = new LiveMetrics();
    metrics.startRun('run-a');
    metrics.progress(progress({ sent: 10 }));
    const samples = (await metrics.text()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples.length).toBeGreaterThan(20);
    expect(samples.filter((line) => !line.includes('run_id="run-a"'))).toEqual([]);
    expect(samples.some((line) => line.startsWith('salvo_process_cpu'))).toBe(true);
  });

  it('counts totals as they grow and never backwards; in flight, pending and duplicates from the same counters', async () => {
    const metrics = new LiveMetrics();
    metrics.startRun('r');
    metrics.progress(progress({ sent: 100, settled: 80, accepted: 80, received: 75, distinct: 70, expected: 80 }));
    metrics.progress(progress({ sent: 90, settled: 85, accepted: 85, received: 90, distinct: 85, expected: 85 }));
    const text = await metrics.text();
    expect(sample(text, 'salvo_sent_total')).toBe(100);
    expect(sample(text, 'salvo_accepted_total')).toBe(85);
    expect(sample(text, 'salvo_received_total')).toBe(90);
    expect(sample(text, 'salvo_received_distinct_total')).toBe(85);
    expect(sample(text, 'salvo_in_flight')).toBe(5);
    expect(sample(text, 'salvo_pending_receipt')).toBe(0);
    expect(sample(text, 'salvo_duplicate_receipts')).toBe(5);
  });

  it('a new run starts every series again under its own id', async () => {
    const metrics = new LiveMetrics();
    metrics.startRun('first');
    expect(sample(await metrics.text(), 'salvo_second')).toBe(-1);
    metrics.progress(progress({ sent: 500 }));
    metrics.reported(counters({ reconnects: 3 }));
    metrics.startRun('second');
    metrics.progress(progress({ sent: 7 }));
    const text = await metrics.text();
    expect(text).not.toContain('run_id="first"');
    expect(sample(text, 'salvo_sent_total', { run_id: 'second' })).toBe(7);
    expect(sample(text, 'salvo_reconnects_total', { run_id: 'second' })).toBe(0);
  });

  it('shows the quantiles of the latest second every worker reported, and cumulative ones after warm-up', async () => {
    const aggregator = new Aggregator();
    aggregators.push(aggregator);
    const warm = latencies(1, 200).map((v) => v * 100);
    const a = latencies(2, 1000);
    const b = latencies(3, 1000);
    aggregator.addInterval(report('w1', 0, { service: warm }, { warmup: true, counters: { sent: 200 } }));
    aggregator.addInterval(report('w2', 0, {}, { warmup: true, counters: { received: 200 } }));
    aggregator.addInterval(report('w1', 1, { service: a }, { counters: { sent: 1000, rejected: 4 } }));
    aggregator.addInterval(report('w2', 1, {}, { counters: { received: 990 } }));
    // Second 2 is not complete: only one of two workers has reported it.
    aggregator.addInterval(report('w1', 2, { service: b.map((v) => v * 10) }, { counters: { sent: 1000 } }));
    const second = aggregator.latestComplete(2, 3);
    expect(second).toBe(1);

    const metrics = new LiveMetrics();
    metrics.startRun('q');
    const point = aggregator.point(second!)!;
    metrics.second({ t: point.t, counters: point, latency: aggregator.intervalQuantiles(second!) });
    metrics.cumulative(aggregator.cumulativeQuantiles());
    metrics.reported(aggregator.reported());
    const text = await metrics.text();

    const q = (quantile: string, window: string): number | undefined =>
      sample(text, 'salvo_latency_seconds', { kind: 'service', quantile, window });
    // HDR buckets are within 0.1% (3 significant digits); the median of n values is the ceil(n/2)-th.
    const near = (seconds: number | undefined, us: number): void =>
      expect(Math.abs(seconds! * 1e6 - us) / us).toBeLessThan(0.002);
    const second1 = [...a].sort((x, y) => x - y);
    near(q('0.5', 'second'), second1[499]);
    near(q('0.99', 'second'), second1[989]);
    near(q('0.999', 'second'), second1[998]);
    // Cumulative: seconds 1 and 2 (complete or not), never the warm-up.
    const measured = [...a, ...b.map((v) => v * 10)].sort((x, y) => x - y);
    near(q('0.5', 'cumulative'), measured[999]);
    near(q('0.99', 'cumulative'), measured[1979]);
    expect(sample(text, 'salvo_latency_samples', { kind: 'service', window: 'cumulative' })).toBe(2000);
    expect(sample(text, 'salvo_latency_samples', { kind: 'service', window: 'second' })).toBe(1000);
    expect(sample(text, 'salvo_latency_seconds', { kind: 'endToEnd' })).toBeUndefined();
    expect(sample(text, 'salvo_rate_per_second', { event: 'sent' })).toBe(1000);
    expect(sample(text, 'salvo_rate_per_second', { event: 'received' })).toBe(990);
    expect(sample(text, 'salvo_second')).toBe(1);
    // Interval counters, warm-up included: every report so far.
    expect(sample(text, 'salvo_rejected_total')).toBe(4);
  });

  it('a kind with no values in the latest second loses its series instead of keeping a stale one', async () => {
    const metrics = new LiveMetrics();
    metrics.startRun('s');
    const quantiles = { count: 10, p50Us: 100, p99Us: 200, p999Us: 300 };
    metrics.second({ t: 0, counters: counters({}), latency: { service: quantiles } });
    metrics.second({ t: 1, counters: counters({}), latency: {} });
    expect(
      sample(await metrics.text(), 'salvo_latency_seconds', { kind: 'service', window: 'second' }),
    ).toBeUndefined();
  });

  it('faults so far by kind, and the verdict at the end', async () => {
    const metrics = new LiveMetrics();
    metrics.startRun('f');
    metrics.faultsSoFar(new Map([['reset', 2]]));
    metrics.faultsSoFar(
      new Map([
        ['reset', 5],
        ['broker-restart', 1],
      ]),
    );
    metrics.end({ ok: false, verdict: { ok: false, counts: { lost: 3, duplicated: 0, ghost: null } } });
    const text = await metrics.text();
    expect(sample(text, 'salvo_faults_injected_total', { kind: 'reset' })).toBe(5);
    expect(sample(text, 'salvo_faults_injected_total', { kind: 'broker-restart' })).toBe(1);
    expect(sample(text, 'salvo_finished')).toBe(1);
    expect(sample(text, 'salvo_ok')).toBe(0);
    expect(sample(text, 'salvo_verdict_ok')).toBe(0);
    expect(sample(text, 'salvo_verdict', { category: 'lost' })).toBe(3);
    expect(sample(text, 'salvo_verdict', { category: 'ghost' })).toBeUndefined();
  });
});

describe('--metrics-port and --metrics-host', () => {
  it('take a port from 0 to 65535 and an IP address, the loopback unless another is named', () => {
    expect(resolveMetricsEndpoint(undefined, undefined)).toBeNull();
    expect(resolveMetricsEndpoint('0', undefined)).toEqual({ host: '127.0.0.1', port: 0, exposed: false });
    expect(resolveMetricsEndpoint(9464, 'localhost')).toEqual({ host: '127.0.0.1', port: 9464, exposed: false });
    expect(resolveMetricsEndpoint('9464', '127.0.0.2')).toEqual({ host: '127.0.0.2', port: 9464, exposed: false });
    expect(resolveMetricsEndpoint('9464', '[::1]')).toEqual({ host: '::1', port: 9464, exposed: false });
    // Off the loopback on purpose (a pod scraped from outside): taken, and marked exposed.
    for (const host of ['0.0.0.0', '::', '10.1.2.3', '192.168.0.1', '::ffff:10.0.0.1']) {
      expect(resolveMetricsEndpoint('9464', host), host).toEqual({ host, port: 9464, exposed: true });
    }
    for (const host of ['example.com', '$(POD_IP)', '']) {
      expect(() => resolveMetricsEndpoint('9464', host), host).toThrow(
        /^--metrics-host must be an IP address to listen on .*got "/,
      );
    }
    for (const port of ['-1', '65536', '1.5', 'http', '']) {
      expect(() => resolveMetricsEndpoint(port, undefined), port).toThrow(/--metrics-port must be a port from 0/);
    }
    expect(() => resolveMetricsEndpoint(undefined, '127.0.0.1')).toThrow(/--metrics-host needs --metrics-port/);
  });
});
