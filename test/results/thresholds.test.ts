/** Thresholds judged on a finished run: pass, fail, p99.9, rates, and nothing measured never passing. */
import { describe, expect, it } from 'vitest';
import { zeroCounters, type LatencySummary } from '../../src/metrics/index.js';
import { parseObjective, parseObjectives, resolvePlan, type PlanInput } from '../../src/plan/index.js';
import { totalsFrom, type RunResult, type Totals } from '../../src/results/result.js';
import { formatSummary } from '../../src/results/summary.js';
import { judgeObjective, judgeThresholds, thresholdLine } from '../../src/results/thresholds.js';
import { captureEnvironment } from '../../src/results/environment.js';
import { RESULT_SCHEMA } from '../../src/results/result.js';

function summary(values: Partial<LatencySummary>): LatencySummary {
  return { count: 1000, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, p9999: 0, p99999: 0, max: 0, hdr: '', ...values };
}

function resultOf(input: PlanInput, totals: Partial<Totals>, latency: RunResult['latency']): RunResult {
  const plan = resolvePlan({ runId: 'r1', ...input });
  const base = totalsFrom(zeroCounters(), 0, { sendS: 1, acceptS: 1, receiveS: 1 });
  return {
    schema: RESULT_SCHEMA,
    runId: 'r1',
    startedAt: '2026-12-07T00:00:00.000Z',
    complete: true,
    problems: [],
    plan,
    environment: captureEnvironment('amqp://127.0.0.1:5672 (embedded)'),
    totals: { ...base, ...totals },
    latency,
    checks: [],
    timeseries: [],
  };
}

const MEASURED = { sent: 4000, accepted: 4000, received: 4000, sendRate: 4000, acceptRate: 4000, receiveRate: 3990 };

describe('judgeObjective', () => {
  const basis = {
    latency: { service: { count: 10, p99: 9_000, p999: 15_000 }, sendDelay: { p99: 2_000 } },
    rates: { acceptRate: 4000, sendRate: 4100, receiveRate: 3900 },
  };
  const judge = (text: string) => judgeObjective(parseObjective(text, '--slo'), basis);

  it('passes strictly below a latency limit and fails at or above it', () => {
    expect(judge('service.p99<10ms')).toEqual({ pass: true, measured: 9_000, detail: 'service.p99 9.00ms < 10.0ms' });
    expect(judge('service.p99<9ms')).toEqual({ pass: false, measured: 9_000, detail: 'service.p99 9.00ms >= 9.00ms' });
    expect(judge('sendDelay.p99<1ms').pass).toBe(false);
  });

  it('judges p99.9 on the summary p999', () => {
    expect(judge('service.p99.9<20ms')).toMatchObject({ pass: true, measured: 15_000 });
    expect(judge('service.p99.9<15ms')).toMatchObject({ pass: false, detail: 'service.p99.9 15.0ms >= 15.0ms' });
  });

  it('fails a latency nothing recorded, and judges each rate strictly above its bound', () => {
    expect(judge('endToEnd.p99<1s')).toEqual({ pass: false, measured: null, detail: 'endToEnd.p99: none recorded' });
    expect(judge('throughput>3000').pass).toBe(true);
    expect(judge('acceptRate>4000')).toEqual({ pass: false, measured: 4000, detail: 'acceptRate 4000 msg/s <= 4000' });
    expect(judge('sendRate>4000').pass).toBe(true);
    expect(judge('receiveRate>4000').pass).toBe(false);
  });
});

describe('judgeThresholds', () => {
  const latency = { service: summary({ p50: 200, p99: 3_000, p999: 8_000 }), endToEnd: summary({ p99: 4_000 }) };

  it('records text, metric, limit, unit, measured and pass for each', () => {
    const result = resultOf({ count: 4000 }, MEASURED, latency);
    const judged = judgeThresholds(
      parseObjectives(['service.p99<10ms', 'service.p99.9<5ms', 'acceptRate>20000'], '--threshold'),
      result,
    );
    expect(judged).toEqual([
      { text: 'service.p99<10ms', metric: 'service.p99', limit: 10_000, unit: 'us', measured: 3_000, pass: true },
      { text: 'service.p99.9<5ms', metric: 'service.p99.9', limit: 5_000, unit: 'us', measured: 8_000, pass: false },
      { text: 'acceptRate>20000', metric: 'acceptRate', limit: 20_000, unit: 'msg/s', measured: 4000, pass: false },
    ]);
    expect(judged.map(thresholdLine)).toEqual([
      'PASS  service.p99<10ms: measured 3.00ms',
      'FAIL  service.p99.9<5ms: measured 8.00ms',
      'FAIL  acceptRate>20000: measured 4,000 msg/s',
    ]);
  });

  it('fails every threshold of a run that measured nothing, latency or rate', () => {
    // Figures a broken aggregation could leave: a histogram and a rate, but no message sent after warm-up.
    const result = resultOf({ count: 10 }, { acceptRate: 50_000 }, latency);
    const judged = judgeThresholds(parseObjectives(['service.p99<1s', 'acceptRate>1'], '--threshold'), result);
    expect(judged.map((t) => [t.pass, t.measured])).toEqual([
      [false, null],
      [false, null],
    ]);
    expect(thresholdLine(judged[0])).toBe('FAIL  service.p99<1s: nothing measured');
  });

  it('fails a latency whose histogram is empty', () => {
    const result = resultOf({ count: 4000 }, MEASURED, { service: summary({ count: 0, p99: 0 }) });
    expect(judgeThresholds(parseObjectives(['service.p99<1s'], '--threshold'), result)[0]).toMatchObject({
      pass: false,
      measured: null,
    });
  });

  it('shows in the summary under Thresholds', () => {
    const result = resultOf({ count: 4000 }, MEASURED, latency);
    result.thresholds = judgeThresholds(parseObjectives(['service.p50<1us'], '--threshold'), result);
    expect(formatSummary(result, 'out')).toMatch(/^Thresholds\n {2}FAIL {2}service\.p50<1us: measured 200µs$/m);
  });
});
