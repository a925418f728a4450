import { encodeHistogram, type Histogram } from './histogram.js';

/**
 * A latency distribution in readable keys; every value in microseconds.
 * p999 is the 99.9th percentile, p9999 the 99.99th, p99999 the 99.999th.
 * `hdr` keeps the full histogram (compressed base64) so later tools can ask
 * for any other percentile or merge runs.
 */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  p99999: number;
  max: number;
  hdr: string;
}

/**
 * The largest value, reported like the percentiles: the top of its bucket
 * (within 0.1%). A live histogram knows the exact max but a decoded one only
 * its bucket, so this keeps a summary the same whichever path the values took.
 */
export function maxUs(h: Histogram): number {
  return h.getValueAtPercentile(100);
}

export function summarize(h: Histogram): LatencySummary {
  return {
    count: h.totalCount,
    mean: h.mean,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    p9999: h.getValueAtPercentile(99.99),
    p99999: h.getValueAtPercentile(99.999),
    max: maxUs(h),
    hdr: encodeHistogram(h),
  };
}
