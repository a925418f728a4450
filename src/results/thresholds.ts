/**
 * Objectives judged on what a run measured: `salvo run --threshold` on the
 * finished RunResult, and `salvo capacity --slo` on each step (its judge
 * calls judgeObjective). Pure. A latency passes strictly below its limit, a
 * rate strictly above; nothing measured never passes.
 */
import type { LatencyKind } from '../metrics/index.js';
import { objectiveMetric, type Objective, type ObjectivePercentile } from '../plan/index.js';
import { whyNothingMeasured, type RunResult, type ThresholdResult, type Totals } from './result.js';

export type { ThresholdResult } from './result.js';

/** What an objective is judged on: latency figures in µs by kind (absent: none recorded) and the rates in msg/s. */
export interface ObjectiveBasis {
  latency: Partial<Record<LatencyKind, Partial<Record<ObjectivePercentile | 'count', number>>>>;
  rates: Pick<Totals, 'acceptRate' | 'sendRate' | 'receiveRate'>;
}

export interface ObjectiveJudgement {
  pass: boolean;
  /** µs for a latency, msg/s for a rate; null: nothing was measured. */
  measured: number | null;
  /** One phrase, e.g. "service.p99 12.3ms >= 10.0ms". */
  detail: string;
}

export function judgeObjective(objective: Objective, basis: ObjectiveBasis): ObjectiveJudgement {
  const metric = objectiveMetric(objective);
  if (objective.type === 'throughput') {
    const measured = basis.rates[objective.rate];
    const pass = measured > objective.minRate;
    return {
      pass,
      measured,
      detail: `${metric} ${Math.round(measured)} msg/s ${pass ? '>' : '<='} ${objective.minRate}`,
    };
  }
  const summary = basis.latency[objective.kind];
  const measured = summary?.count === 0 ? undefined : summary?.[objective.percentile];
  if (measured === undefined) return { pass: false, measured: null, detail: `${metric}: none recorded` };
  const pass = measured < objective.limitUs;
  return {
    pass,
    measured,
    detail: `${metric} ${formatUs(measured)} ${pass ? '<' : '>='} ${formatUs(objective.limitUs)}`,
  };
}

/**
 * Every threshold of the run judged on its result. A run that measured
 * nothing (no message after warm-up) fails them all, whatever a rate or an
 * empty histogram would say: its thresholds have nothing to hold.
 */
export function judgeThresholds(
  objectives: readonly Objective[],
  result: Pick<RunResult, 'plan' | 'totals' | 'latency' | 'timeseries'>,
): ThresholdResult[] {
  const nothing = whyNothingMeasured(result) !== undefined;
  const basis: ObjectiveBasis = { latency: result.latency, rates: result.totals };
  return objectives.map((objective) => {
    const judged = judgeObjective(objective, basis);
    const latency = objective.type === 'latency';
    return {
      text: objective.text,
      metric: objectiveMetric(objective),
      limit: latency ? objective.limitUs : objective.minRate,
      unit: latency ? 'us' : 'msg/s',
      measured: nothing ? null : judged.measured,
      pass: !nothing && judged.pass,
    };
  });
}

/** A threshold's line in the summary: PASS or FAIL, the objective, and what was measured beside it. */
export function thresholdLine(threshold: ThresholdResult): string {
  return `${threshold.pass ? 'PASS' : 'FAIL'}  ${threshold.text}: ${measuredPhrase(threshold)}`;
}

/** `measured 1.25ms`, `measured 4,000 msg/s`, `nothing measured`. */
export function measuredPhrase({ measured, unit }: Pick<ThresholdResult, 'measured' | 'unit'>): string {
  if (measured === null) return 'nothing measured';
  return `measured ${unit === 'us' ? formatUs(measured) : `${rateText(measured)} msg/s`}`;
}

/** µs as the shortest readable duration: 850µs, 12.3ms, 1.20s. */
export function formatUs(us: number): string {
  if (us < 1_000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${(us / 1_000).toFixed(us < 10_000 ? 2 : 1)}ms`;
  return `${(us / 1_000_000).toFixed(2)}s`;
}

function rateText(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}
