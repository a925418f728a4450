/**
 * The figures `salvo compare` compares, named as users write them in
 * `--threshold`: rates (`throughput`, the run's headline rate, and
 * `sendRate`, `acceptRate`, `receiveRate`) and latency percentiles
 * (`service.p99`, `endToEnd.p99.9`, ...). One place maps a name to where
 * its figure lives in a RunResult and whether higher is better.
 */
import type { LatencyKind, LatencySummary } from '../metrics/index.js';
import { LATENCY_KINDS } from '../metrics/index.js';

export type RateName = 'throughput' | 'sendRate' | 'acceptRate' | 'receiveRate';
export type PercentileKey = 'p50' | 'p90' | 'p99' | 'p999' | 'p9999' | 'p99999' | 'max';

export type Metric =
  | { family: 'rate'; rate: RateName }
  | { family: 'latency'; kind: LatencyKind; percentile: PercentileKey };

export const RATE_NAMES: readonly RateName[] = ['throughput', 'sendRate', 'acceptRate', 'receiveRate'];

/** How percentiles are written (`p99.9`), against the result's keys (`p999`). */
export const PERCENTILE_LABELS: Readonly<Record<PercentileKey, string>> = {
  p50: 'p50',
  p90: 'p90',
  p99: 'p99',
  p999: 'p99.9',
  p9999: 'p99.99',
  p99999: 'p99.999',
  max: 'max',
};

/**
 * Where each key sits on the distribution, as getValueAtPercentile takes it (max: 100, the top bucket, as summaries
 * report it).
 */
export const PERCENTILE_POINTS: Readonly<Record<PercentileKey, number>> = {
  p50: 50,
  p90: 90,
  p99: 99,
  p999: 99.9,
  p9999: 99.99,
  p99999: 99.999,
  max: 100,
};

/** The percentiles printed for every latency kind both sides measured. */
export const SHOWN_PERCENTILES: readonly PercentileKey[] = ['p50', 'p99', 'p999'];

export function metricName(metric: Metric): string {
  return metric.family === 'rate' ? metric.rate : `${metric.kind}.${PERCENTILE_LABELS[metric.percentile]}`;
}

/** Rates are better higher, latencies lower. */
export function higherIsBetter(metric: Metric): boolean {
  return metric.family === 'rate';
}

/** `throughput`, `service.p99`, `endToEnd.p99.9` (or `p999`) -> a Metric; null when it names none. */
export function parseMetricName(text: string): Metric | null {
  if ((RATE_NAMES as readonly string[]).includes(text)) return { family: 'rate', rate: text as RateName };
  const dot = text.indexOf('.');
  if (dot < 0) return null;
  const kind = text.slice(0, dot);
  const percentile = percentileKey(text.slice(dot + 1));
  if (!(LATENCY_KINDS as readonly string[]).includes(kind) || percentile === null) return null;
  return { family: 'latency', kind: kind as LatencyKind, percentile };
}

function percentileKey(text: string): PercentileKey | null {
  for (const [key, label] of Object.entries(PERCENTILE_LABELS) as [PercentileKey, string][]) {
    if (text === label || text === key) return key;
  }
  return null;
}

export function sameMetric(a: Metric, b: Metric): boolean {
  return metricName(a) === metricName(b);
}

/** The summary value a latency metric reads (µs). */
export function percentileOf(summary: LatencySummary, key: PercentileKey): number {
  return summary[key];
}
