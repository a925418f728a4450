/** --slo parsing: the forms a user writes, and one line naming the token for each mistake. */
import { describe, expect, it } from 'vitest';
import { PlanError } from '../../src/plan/index.js';
import { judgeSlo, parseSlo } from '../../src/capacity/slo.js';

describe('parseSlo', () => {
  it('reads a latency objective in µs, whatever the unit', () => {
    expect(parseSlo('service.p99<10ms')).toEqual({
      type: 'latency',
      text: 'service.p99<10ms',
      kind: 'service',
      percentile: 'p99',
      limitUs: 10_000,
    });
    expect(parseSlo('sendDelay.p999<500us')).toMatchObject({ kind: 'sendDelay', percentile: 'p999', limitUs: 500 });
    expect(parseSlo('corrected.p50 < 1.5s')).toMatchObject({
      kind: 'corrected',
      percentile: 'p50',
      limitUs: 1_500_000,
      text: 'corrected.p50<1.5s',
    });
    expect(parseSlo('endToEnd.p90<250µs')).toMatchObject({ kind: 'endToEnd', limitUs: 250 });
  });

  it('reads a throughput objective in msg/s', () => {
    expect(parseSlo('throughput>5000')).toEqual({ type: 'throughput', text: 'throughput>5000', minRate: 5000 });
    expect(parseSlo('throughput>2000msg/s')).toMatchObject({ minRate: 2000 });
  });

  const errors: [string, string][] = [
    ['service.p99<10', '--slo "service.p99<10": expected a unit (us, ms or s)'],
    ['service.p99<10min', '--slo "service.p99<10min": unknown unit "min", expected us, ms or s'],
    [
      'latency.p99<10ms',
      '--slo "latency.p99<10ms": unknown latency kind "latency", expected one of service, corrected, endToEnd, sendDelay',
    ],
    ['service.p95<10ms', '--slo "service.p95<10ms": unknown percentile "p95", expected one of p50, p90, p99, p999'],
    [
      'service.p99>10ms',
      '--slo "service.p99>10ms": expected KIND.PERCENTILE<DURATION (like service.p99<10ms) or throughput>N',
    ],
    ['service.p99<fast', '--slo "service.p99<fast": expected a duration like 10ms after "<", got "fast"'],
    ['service.p99<0ms', '--slo "service.p99<0ms": expected a limit above zero'],
    ['throughput>lots', '--slo "throughput>lots": expected a positive rate in msg/s, like throughput>5000'],
  ];
  it.each(errors)('%s is a PlanError naming it', (text, message) => {
    expect(() => parseSlo(text)).toThrow(PlanError);
    expect(() => parseSlo(text)).toThrow(message);
  });
});

describe('judgeSlo', () => {
  const basis = { latency: { service: { p99: 9_000 }, sendDelay: { p99: 2_000 } }, acceptRate: 4000 };
  it('passes strictly below the limit and fails at or above it', () => {
    expect(judgeSlo(parseSlo('service.p99<10ms'), basis)).toEqual({ ok: true, detail: 'service.p99 9.00ms < 10.0ms' });
    expect(judgeSlo(parseSlo('service.p99<9ms'), basis)).toEqual({ ok: false, detail: 'service.p99 9.00ms >= 9.00ms' });
    expect(judgeSlo(parseSlo('sendDelay.p99<1ms'), basis).ok).toBe(false);
  });
  it('fails a latency nothing recorded, and judges throughput on the accept rate', () => {
    expect(judgeSlo(parseSlo('endToEnd.p99<1s'), basis)).toEqual({ ok: false, detail: 'endToEnd.p99: none recorded' });
    expect(judgeSlo(parseSlo('throughput>3000'), basis).ok).toBe(true);
    expect(judgeSlo(parseSlo('throughput>4000'), basis).ok).toBe(false);
  });
});
