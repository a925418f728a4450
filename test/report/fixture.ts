/**
 * RunResults built in the test, from histograms the test records: every expected figure comes from the test's own
 * values.
 */
import {
  encodeHistogram,
  freeHistogram,
  initHistograms,
  newHistogram,
  summarize,
  zeroCounters,
  type LatencyKind,
  type LatencySummary,
  type TimePoint,
} from '../../src/metrics/index.js';
import { resolvePlan, type PlanInput } from '../../src/plan/index.js';
import { captureEnvironment } from '../../src/results/environment.js';
import { RESULT_SCHEMA, totalsFrom, type RunResult, type Totals } from '../../src/results/result.js';

/** A summary (with its encoded histogram) of the values given, each `count` times. */
export async function latencyOf(
  values: readonly (readonly [valueUs: number, count: number])[],
): Promise<LatencySummary> {
  await initHistograms();
  const h = newHistogram();
  try {
    for (const [value, count] of values) h.recordValueWithCount(value, count);
    return summarize(h);
  } finally {
    freeHistogram(h);
  }
}

export async function encodedOf(values: readonly (readonly [valueUs: number, count: number])[]): Promise<string> {
  await initHistograms();
  const h = newHistogram();
  try {
    for (const [value, count] of values) h.recordValueWithCount(value, count);
    return encodeHistogram(h);
  } finally {
    freeHistogram(h);
  }
}

export function resultOf(
  input: PlanInput,
  parts: Partial<Omit<RunResult, 'totals'>> & { totals?: Partial<Totals> } = {},
): RunResult {
  const plan = resolvePlan({ runId: 'r1', ...input });
  const base = totalsFrom(zeroCounters(), 0, { sendS: 10, acceptS: 10, receiveS: 10 });
  const { totals, ...rest } = parts;
  return {
    schema: RESULT_SCHEMA,
    runId: 'r1',
    startedAt: '2026-12-02T00:00:00.000Z',
    complete: true,
    problems: [],
    plan,
    environment: captureEnvironment('amqp://127.0.0.1:5672 (embedded)'),
    latency: {},
    checks: [],
    timeseries: [],
    ...rest,
    totals: { ...base, ...totals },
  };
}

/** A second of the time series with the given counters; latencies null unless given. */
export function pointAt(t: number, fields: Partial<TimePoint> = {}): TimePoint {
  const nulls = Object.fromEntries(
    (['service', 'corrected', 'sendDelay', 'endToEnd'] as LatencyKind[]).flatMap((k) => [
      [`${k}P50Us`, null],
      [`${k}P99Us`, null],
    ]),
  ) as Pick<TimePoint, `${LatencyKind}P${'50' | '99'}Us`>;
  return { t, warmup: false, ...zeroCounters(), ...nulls, ...fields };
}

/**
 * The result with `faults` as a run with --faults records them. Typed loosely
 * on purpose: the report must read whatever a result holds there, whatever
 * type RunResult gives the field.
 */
export function withFaults(result: RunResult, faults: unknown[]): RunResult {
  return { ...result, faults } as unknown as RunResult;
}
