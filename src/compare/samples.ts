/**
 * From runs to figures, pure: for each metric, one side's headline figure
 * and the samples its noise is judged by.
 *
 * - Sets (at least 2 runs on BOTH sides): one sample per run, the run's own
 *   figure (its totals rate, its latency percentile). The run-to-run spread
 *   is the noise that matters on a shared machine.
 * - Otherwise: per-second samples from every run, warm-up seconds left out:
 *   rates from the time series (seconds wholly inside the sending window:
 *   a partial second's count is not a rate), latency percentiles from the
 *   run's interval logs (<kind>.hlog) when they were read, else from the
 *   time series, which has p50 and p99 only (other percentiles then have
 *   no samples and stay untested).
 *
 * A side's figure is the median of its runs' figures (a single run: its figure).
 */
import type { Counters, LatencyKind, TimePoint } from '../metrics/index.js';
import type { Plan } from '../plan/index.js';
import type { RunResult } from '../results/result.js';
import { percentileOf, type Metric, type PercentileKey, type RateName } from './metrics.js';
import { median } from './statistics.js';

export type Basis = 'per-run' | 'per-second';

/** One second's latency percentiles, from the interval log. */
export interface IntervalPercentiles {
  warmup: boolean;
  count: number;
  values: Record<PercentileKey, number>;
}

/** A run as compare sees it: its result, and per-second percentiles per kind when its interval logs were read. */
export interface RunData {
  result: RunResult;
  perSecondLatency?: Partial<Record<LatencyKind, IntervalPercentiles[]>>;
}

export interface SideFigures {
  /** Median over the side's runs; null when a run lacks the metric. */
  figure: number | null;
  samples: number[];
}

export interface MetricFigures {
  metric: Metric;
  basis: Basis;
  baseline: SideFigures;
  current: SideFigures;
}

type ConcreteRate = Exclude<RateName, 'throughput'>;

const RATE_COUNTER: Readonly<Record<ConcreteRate, keyof Counters>> = {
  sendRate: 'sent',
  acceptRate: 'accepted',
  receiveRate: 'received',
};

/**
 * The rate that is the run's throughput: the broker's accepts for
 * at-least-once, receipts for receive-only and at-most-once with receivers,
 * sends for at-most-once without receivers (what the summary leads with).
 */
export function headlineRate(plan: Plan): ConcreteRate {
  if (plan.senders === 0) return 'receiveRate';
  if (plan.settle === 'at-least-once') return 'acceptRate';
  return plan.receivers > 0 ? 'receiveRate' : 'sendRate';
}

export function basisFor(baselineRuns: number, currentRuns: number): Basis {
  return baselineRuns >= 2 && currentRuns >= 2 ? 'per-run' : 'per-second';
}

export function figuresFor(metric: Metric, baseline: readonly RunData[], current: readonly RunData[]): MetricFigures {
  const basis = basisFor(baseline.length, current.length);
  return { metric, basis, baseline: side(metric, baseline, basis), current: side(metric, current, basis) };
}

function side(metric: Metric, runs: readonly RunData[], basis: Basis): SideFigures {
  const figures = runs.map((run) => runFigure(metric, run.result));
  const complete = figures.every((f): f is number => f !== null);
  const figure = complete && figures.length > 0 ? median(figures) : null;
  if (basis === 'per-run') return { figure, samples: complete ? figures : [] };
  return { figure, samples: runs.flatMap((run) => perSecond(metric, run)) };
}

/** A run's own figure of the metric, null when it did not measure it. */
export function runFigure(metric: Metric, run: RunResult): number | null {
  if (metric.family === 'rate') return finiteOrNull(run.totals[concreteRate(metric.rate, run.plan)]);
  const summary = run.latency[metric.kind];
  if (summary === undefined || summary.count === 0) return null;
  return finiteOrNull(percentileOf(summary, metric.percentile));
}

function concreteRate(rate: RateName, plan: Plan): ConcreteRate {
  return rate === 'throughput' ? headlineRate(plan) : rate;
}

/** One value per measured second of the run (see the module comment for which seconds). */
export function perSecond(metric: Metric, data: RunData): number[] {
  const run = data.result;
  const measured = run.timeseries.filter((point) => !point.warmup);
  if (metric.family === 'rate') {
    const counter = RATE_COUNTER[concreteRate(metric.rate, run.plan)];
    return finite(fullSeconds(measured, run).map((point) => point[counter]));
  }
  const intervals = data.perSecondLatency?.[metric.kind];
  if (intervals !== undefined) {
    return finite(intervals.filter((i) => !i.warmup && i.count > 0).map((i) => i.values[metric.percentile]));
  }
  if (metric.percentile !== 'p50' && metric.percentile !== 'p99') return [];
  const key = `${metric.kind}${metric.percentile === 'p50' ? 'P50Us' : 'P99Us'}` as const;
  return finite(measured.map((point) => point[key]));
}

// A hand-edited or truncated file may hold anything where a number belongs; it is left out, not compared.
function finite(values: readonly unknown[]): number[] {
  return values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Seconds wholly inside the sending window (warm-up end to the last send);
 * a receive-only run has no sending window, so its last second, cut short
 * by the drain, is the one left out.
 */
function fullSeconds(points: readonly TimePoint[], run: RunResult): TimePoint[] {
  const sendingEndS = run.plan.warmupMs / 1000 + run.totals.durationS;
  if (run.totals.durationS > 0) return points.filter((point) => point.t + 1 <= sendingEndS + 1e-9);
  return points.slice(0, -1);
}
