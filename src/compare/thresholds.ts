/**
 * `--threshold METRIC=±N%`: how far a metric may move in its bad direction
 * before a significant move is a regression. The sign must be the bad
 * direction (a rate falls, a latency rises), so a threshold reads as what it
 * guards against: `throughput=-5%`, `service.p99=+10%`.
 */
import { SalvoError } from '../errors.js';
import { higherIsBetter, metricName, parseMetricName, RATE_NAMES, sameMetric, type Metric } from './metrics.js';

export interface Threshold {
  metric: Metric;
  /** Allowed change in the bad direction, in percent, signed: -5 for a rate, +10 for a latency. */
  percent: number;
}

/** Used when no --threshold is given. */
export const DEFAULT_THRESHOLDS: readonly string[] = ['throughput=-5%', 'service.p99=+10%'];

const SYNTAX = /^([A-Za-z.0-9]+)=([+-])(\d+(?:\.\d+)?)%$/;
const EXAMPLE = 'expected METRIC=-N% for a rate or METRIC=+N% for a latency (e.g. throughput=-5%, service.p99=+10%)';

export class ThresholdError extends SalvoError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'ThresholdError';
  }
}

export function parseThresholds(tokens: readonly string[]): Threshold[] {
  const parsed: Threshold[] = [];
  for (const token of tokens) {
    const threshold = parseThreshold(token);
    if (parsed.some((t) => sameMetric(t.metric, threshold.metric))) {
      throw new ThresholdError(`--threshold "${token}": ${metricName(threshold.metric)} has a threshold already`);
    }
    parsed.push(threshold);
  }
  return parsed;
}

export function parseThreshold(token: string): Threshold {
  const match = SYNTAX.exec(token.trim());
  if (match === null) throw new ThresholdError(`--threshold "${token}": ${EXAMPLE}`);
  const [, name, sign, digits] = match;
  const metric = parseMetricName(name);
  if (metric === null) {
    throw new ThresholdError(
      `--threshold "${token}": unknown metric "${name}"; expected ${RATE_NAMES.join(', ')} or KIND.PERCENTILE (KIND ` +
        `service, corrected, sendDelay, endToEnd; PERCENTILE p50, p90, p99, p99.9, p99.99, p99.999, max)`,
    );
  }
  const percent = Number(digits) * (sign === '-' ? -1 : 1);
  const badSign = higherIsBetter(metric) ? '-' : '+';
  if (sign !== badSign) {
    const what = higherIsBetter(metric)
      ? 'a rate regresses when it falls: write -N%'
      : 'a latency regresses when it rises: write +N%';
    throw new ThresholdError(`--threshold "${token}": ${what}`);
  }
  return { metric, percent };
}
