/**
 * A comparison from two loaded sides, pure: which metrics are compared,
 * each one's row (judge.ts), and the outcome the CLI turns into an exit code.
 */
import type { LatencyKind } from '../metrics/index.js';
import { LATENCY_KINDS } from '../metrics/index.js';
import type { RunResult } from '../results/result.js';
import { formatTags } from '../plan/tags.js';
import { judgeMetric, type Row } from './judge.js';
import { metricName, sameMetric, SHOWN_PERCENTILES, type Metric } from './metrics.js';
import { basisFor, figuresFor, headlineRate, runFigure, type Basis } from './samples.js';
import type { Threshold } from './thresholds.js';
import { smallestP } from './statistics.js';
import { CompareInputError, requireSameWorkload, type SourcedResult } from './validate.js';

export interface CompareOptions {
  thresholds: readonly Threshold[];
  /** The thresholds were given by the user: one on a metric neither side measured is an error, not skipped. */
  explicit: boolean;
  alpha: number;
}

export interface Comparison {
  baseline: { runs: number; sources: string[] };
  current: { runs: number; sources: string[] };
  basis: Basis;
  alpha: number;
  /** The rate `throughput` stands for in these runs. */
  throughputIs: string;
  workload: string;
  rows: Row[];
  regressions: Row[];
  /** Names of the metrics with a threshold that were judged (significance was reachable). */
  judged: string[];
  /** Metrics with a threshold that could not be judged: the gate could not fire on them. */
  notGated: NotGated[];
}

/**
 * Why a metric with a threshold could not be judged:
 * - `too few samples`: these sample counts cannot reach p < alpha however far apart they are (3 runs against 3);
 * - `no samples`: a side has no samples to judge the noise by (p99.9 of a single file without its interval logs);
 * - `zero baseline`: the baseline figure is 0, so the change has no size.
 */
export type NotGatedCause = 'too few samples' | 'no samples' | 'zero baseline';

export type NotGated = {
  metric: string;
  samples: { baseline: number; current: number };
} & (
  | {
      cause: 'too few samples';
      /** Samples a side that could reach p < alpha. */
      need: number;
    }
  | { cause: Exclude<NotGatedCause, 'too few samples'>; need: null }
);

export function compare(
  baseline: readonly SourcedResult[],
  current: readonly SourcedResult[],
  options: CompareOptions,
): Comparison {
  requireSameWorkload(baseline, current);
  if (baseline.length === 0 || current.length === 0)
    throw new CompareInputError('nothing to compare: a side holds no result');
  const metrics = metricsToCompare(
    [...baseline, ...current].map((s) => s.result),
    options,
  );
  const rows = metrics
    .map((metric) =>
      judgeMetric(
        figuresFor(metric, baseline, current),
        options.thresholds.find((t) => sameMetric(t.metric, metric)),
        options.alpha,
      ),
    )
    .filter((row): row is Row => row !== null);
  const first = baseline[0].result;
  const plan = first.plan;
  return {
    baseline: { runs: baseline.length, sources: baseline.map((s) => s.source) },
    current: { runs: current.length, sources: current.map((s) => s.source) },
    basis: basisFor(baseline.length, current.length),
    alpha: options.alpha,
    throughputIs: headlineRate(plan),
    workload: describeWorkload(first),
    rows,
    regressions: rows.filter((row) => row.judgement === 'regression'),
    judged: rows.filter((row) => row.thresholdPercent !== null && notGated(row, options.alpha) === null).map(nameOf),
    notGated: rows.map((row) => notGated(row, options.alpha)).filter((n): n is NotGated => n !== null),
  };
}

function nameOf(row: Row): string {
  return row.name;
}

/** Why a gated row's threshold could not fire, or null when it could (or the row has no threshold). */
function notGated(row: Row, alpha: number): NotGated | null {
  if (row.thresholdPercent === null) return null;
  const samples = { ...row.samples };
  if (row.judgement === 'untested') {
    const cause = row.p === null ? 'no samples' : 'zero baseline';
    return { metric: row.name, cause, samples, need: null };
  }
  if (row.canBeSignificant) return null;
  return { metric: row.name, cause: 'too few samples', samples, need: samplesNeeded(alpha) };
}

/** The fewest samples a side (the same on both) with which complete separation gives p < alpha. */
export function samplesNeeded(alpha: number): number {
  let n = 1;
  while (smallestP(n, n) >= alpha) n += 1;
  return n;
}

/** throughput, then each latency kind every run measured (p50, p99, p99.9), then whatever else a threshold names. */
function metricsToCompare(runs: readonly RunResult[], options: CompareOptions): Metric[] {
  const measured = (metric: Metric): boolean => runs.every((run) => runFigure(metric, run) !== null);
  const metrics: Metric[] = [{ family: 'rate', rate: 'throughput' }];
  for (const kind of LATENCY_KINDS) {
    if (!measured(latency(kind, 'p50'))) continue;
    for (const percentile of SHOWN_PERCENTILES) metrics.push(latency(kind, percentile));
  }
  for (const threshold of options.thresholds) {
    if (metrics.some((m) => sameMetric(m, threshold.metric))) continue;
    if (measured(threshold.metric)) metrics.push(threshold.metric);
    else if (options.explicit) {
      throw new CompareInputError(`--threshold on ${metricName(threshold.metric)}: not measured by every run compared`);
    }
  }
  return metrics;
}

function latency(kind: LatencyKind, percentile: (typeof SHOWN_PERCENTILES)[number]): Metric {
  return { family: 'latency', kind, percentile };
}

/** One line: what both sides ran. */
export function describeWorkload(run: RunResult): string {
  const plan = run.plan;
  const parts = [
    plan.target.kind === 'embedded' ? 'embedded broker' : 'external broker',
    plan.settle,
    `${plan.bodySize} B`,
    plan.durable ? 'durable' : undefined,
    plan.rateHz === null ? 'closed loop' : `${plan.rateHz} msg/s open loop`,
    `${plan.senders} sender${plan.senders === 1 ? '' : 's'} x ${plan.connections} ` +
      `connection${plan.connections === 1 ? '' : 's'} x ${plan.links} link${plan.links === 1 ? '' : 's'}`,
    `${plan.receivers} receiver${plan.receivers === 1 ? '' : 's'}`,
    plan.tags ? `tags ${formatTags(plan.tags)}` : undefined,
  ];
  return parts.filter((p): p is string => p !== undefined).join(', ');
}
