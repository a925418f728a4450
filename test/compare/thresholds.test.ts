import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, parseThreshold, parseThresholds, ThresholdError } from '../../src/compare/thresholds.js';

function message(tokens: string[]): string {
  try {
    parseThresholds(tokens);
  } catch (error) {
    expect(error).toBeInstanceOf(ThresholdError);
    expect((error as ThresholdError).code).toBe('usage');
    const text = (error as Error).message;
    expect(text).not.toContain('\n');
    return text;
  }
  throw new Error(`parsed ${JSON.stringify(tokens)} without an error`);
}

describe('--threshold parsing', () => {
  it('reads rates and latency percentiles, either spelling of p99.9', () => {
    expect(parseThreshold('throughput=-5%')).toEqual({ metric: { family: 'rate', rate: 'throughput' }, percent: -5 });
    expect(parseThreshold('service.p99=+10%')).toEqual({
      metric: { family: 'latency', kind: 'service', percentile: 'p99' },
      percent: 10,
    });
    expect(parseThreshold('endToEnd.p99.9=+2.5%').metric).toEqual({
      family: 'latency',
      kind: 'endToEnd',
      percentile: 'p999',
    });
    expect(parseThreshold('endToEnd.p999=+2.5%').metric).toEqual({
      family: 'latency',
      kind: 'endToEnd',
      percentile: 'p999',
    });
    expect(parseThreshold('receiveRate=-0%').percent).toBe(-0);
  });

  it('has defaults that parse', () => {
    expect(parseThresholds(DEFAULT_THRESHOLDS).map((t) => t.percent)).toEqual([-5, 10]);
  });

  it('names the bad token and says what was expected', () => {
    expect(message(['throughput=5%'])).toBe(
      '--threshold "throughput=5%": expected METRIC=-N% for a rate or METRIC=+N% for a latency (e.g. throughput=-5%, service.p99=+10%)',
    );
    expect(message(['throughput=-5'])).toContain('--threshold "throughput=-5": expected METRIC=-N%');
    expect(message(['throughput'])).toContain('--threshold "throughput": expected');
    expect(message(['=-5%'])).toContain('--threshold "=-5%": expected');
    expect(message(['throughput=-five%'])).toContain('"throughput=-five%"');
  });

  it('refuses unknown metrics, naming them', () => {
    expect(message(['latency=+5%'])).toMatch(
      /^--threshold "latency=\+5%": unknown metric "latency"; expected throughput, sendRate, acceptRate, receiveRate or KIND\.PERCENTILE/,
    );
    expect(message(['service.p42=+5%'])).toContain('unknown metric "service.p42"');
    expect(message(['server.p99=+5%'])).toContain('unknown metric "server.p99"');
  });

  it('refuses a sign that is not the bad direction', () => {
    expect(message(['throughput=+5%'])).toBe('--threshold "throughput=+5%": a rate regresses when it falls: write -N%');
    expect(message(['service.p99=-10%'])).toBe(
      '--threshold "service.p99=-10%": a latency regresses when it rises: write +N%',
    );
  });

  it('refuses two thresholds on one metric', () => {
    expect(message(['service.p99.9=+5%', 'service.p999=+9%'])).toBe(
      '--threshold "service.p999=+9%": service.p99.9 has a threshold already',
    );
  });
});
