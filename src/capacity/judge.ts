/**
 * One capacity step judged, pure: its SLOs, whether the broker kept up
 * (no backlog growth, nothing accepted left unreceived) and whether salvo
 * did (no more due messages unsent at the end than its sendDelay bound
 * allows, sendDelay within that bound, the target rate achieved). A step whose senders fell behind their schedule fails
 * even
 * when service latency looks fine: coordinated omission must not pass it.
 */
import type { Objective } from '../plan/index.js';
import type { SecondPoint, Totals } from '../results/result.js';
import { formatUs, judgeObjective, type ObjectiveBasis } from '../results/thresholds.js';

/** The latency kinds and percentiles capacity.json keeps for each step (an open-loop one-way run's). */
const STEP_KINDS = ['service', 'corrected', 'endToEnd', 'sendDelay'] as const;
const STEP_PERCENTILES = ['p50', 'p90', 'p99', 'p999'] as const;
export type StepLatency = Partial<
  Record<(typeof STEP_KINDS)[number], Partial<Record<(typeof STEP_PERCENTILES)[number], number>>>
>;

export interface JudgeBounds {
  /** sendDelay p99 above this: the generator fell behind its schedule. */
  maxSendDelayUs: number;
  /** Achieved send rate below this share of the target: behind. */
  minAchievedShare: number;
  /**
   * Backlog growth over the measured seconds above this many seconds of the target rate: the receivers did not keep up.
   */
  maxBacklogS: number;
}

export const JUDGE_DEFAULTS: JudgeBounds = { maxSendDelayUs: 10_000, minAchievedShare: 0.95, maxBacklogS: 0.25 };

/**
 * Who failed a step: salvo's generator, salvo's in-flight limit, the system under test, or salvo and the broker both (a
 * saturated host).
 */
export type Limiter = 'generator' | 'in-flight' | 'broker' | 'both';

export interface StepMeasure {
  rate: number;
  totals: Pick<
    Totals,
    | 'sent'
    | 'accepted'
    | 'received'
    | 'unsent'
    | 'sendRate'
    | 'acceptRate'
    | 'receiveRate'
    | 'passes'
    | 'passesInFlightFull'
    | 'passesNoCredit'
  >;
  /** Every kind the step recorded, in µs: its objectives may name any of them. */
  latency: ObjectiveBasis['latency'];
  receivers: number;
  timeseries: readonly Pick<SecondPoint, 't' | 'warmup' | 'sent' | 'accepted' | 'received'>[];
  /** The run's own problems and failed checks, one line each. */
  problems: string[];
}

export interface StepJudgement {
  pass: boolean;
  /** Why it failed (empty when it passed), one phrase each. */
  reasons: string[];
  /** Failing steps only: who set the limit. */
  limitedBy?: Limiter;
  /** Messages accepted but not yet received at the end of the measured sending window, and their growth over it. */
  backlog: number;
  backlogGrowth: number;
  /** Each objective as measured (µs or msg/s; null: nothing recorded), in --slo order: the repeats' spread reads it. */
  objectives: ObjectiveMeasure[];
}

export interface ObjectiveMeasure {
  text: string;
  measured: number | null;
  pass: boolean;
}

export function judgeStep(step: StepMeasure, slos: readonly Objective[], bounds: JudgeBounds): StepJudgement {
  const judged = slos.map((slo) => judgeObjective(slo, { latency: step.latency, rates: step.totals }));
  const sloFails = judged.filter((j) => !j.pass).map((j) => j.detail);
  // A sendDelay objective is the generator's measure too: missing it is salvo behind, not the broker.
  const generator = [...generatorLag(step, bounds), ...sloFails.filter((d) => d.startsWith('sendDelay'))];
  const { backlog, backlogGrowth } = backlogOf(step.timeseries);
  const brokerFails = [...sloFails.filter((d) => !d.startsWith('sendDelay')), ...step.problems];
  if (step.receivers > 0) {
    if (backlogGrowth > bounds.maxBacklogS * step.rate)
      brokerFails.push(`backlog grew by ${backlogGrowth} (receivers fell behind)`);
    const unreceived = step.totals.accepted - step.totals.received;
    if (unreceived > 0) brokerFails.push(`${unreceived} accepted never received`);
  }
  const reasons = [...generator, ...brokerFails];
  const pass = reasons.length === 0;
  return {
    pass,
    reasons,
    ...(pass ? {} : { limitedBy: limiter(step, generator.length > 0, brokerFails.length > 0) }),
    backlog,
    backlogGrowth,
    objectives: judged.map((j, i) => ({ text: slos[i].text, measured: j.measured, pass: j.pass })),
  };
}

/** The generator behind its schedule, by its own measures (unsent, sendDelay, achieved rate). */
function generatorLag(step: StepMeasure, bounds: JudgeBounds): string[] {
  const lag: string[] = [];
  // Due and unsent when sending stopped is how far behind the generator was then: more than the sendDelay bound's worth
  // fails.
  const unsentAllowed = Math.floor((step.rate * bounds.maxSendDelayUs) / 1_000_000);
  if (step.totals.unsent > unsentAllowed)
    lag.push(`${step.totals.unsent} due message${step.totals.unsent === 1 ? '' : 's'} unsent`);
  const delay = step.latency.sendDelay?.p99;
  if (delay !== undefined && delay > bounds.maxSendDelayUs)
    lag.push(`sendDelay.p99 ${formatUs(delay)} > ${formatUs(bounds.maxSendDelayUs)}`);
  if (step.totals.sendRate < bounds.minAchievedShare * step.rate)
    lag.push(`achieved ${Math.round(step.totals.sendRate)} of ${step.rate} msg/s`);
  return lag;
}

/**
 * Salvo's own limit when it fell behind while the broker met its side
 * (service latency, backlog): passes mostly stopped at the in-flight
 * limit point at --max-in-flight, otherwise at the generator itself.
 */
function limiter(step: StepMeasure, generatorBehind: boolean, brokerFailed: boolean): Limiter {
  if (!generatorBehind) return 'broker';
  if (brokerFailed) return 'both';
  const t = step.totals;
  if (t.passes > 0 && t.passesInFlightFull * 2 > t.passes && t.passesInFlightFull > t.passesNoCredit)
    return 'in-flight';
  return 'generator';
}

/**
 * Accepted minus received, summed second by second: its value at the end
 * of the last full measured sending second, and its growth since the end
 * of warm-up. The drain after the run lets receivers catch up, so the end
 * totals alone would hide a backlog that grew all along.
 */
export function backlogOf(points: StepMeasure['timeseries']): { backlog: number; backlogGrowth: number } {
  let running = 0;
  let atWarmupEnd = 0;
  const sending: number[] = [];
  for (const point of points) {
    running += point.accepted - point.received;
    if (point.warmup) atWarmupEnd = running;
    else if (point.sent > 0) sending.push(running);
  }
  // The last sending second is usually partial: its figure is the drain's start, not the trend.
  const full = sending.length > 1 ? sending.slice(0, -1) : sending;
  const backlog = full.length > 0 ? full[full.length - 1] : atWarmupEnd;
  return { backlog, backlogGrowth: Math.max(0, backlog - atWarmupEnd) };
}

/** A run's latency summaries cut to the kinds and percentiles capacity.json keeps for a step. */
export function stepLatency(latency: ObjectiveBasis['latency']): StepLatency {
  const out: StepLatency = {};
  for (const kind of STEP_KINDS) {
    const summary = latency[kind];
    if (summary === undefined || !(Number(summary.count) > 0)) continue;
    const picked: Partial<Record<(typeof STEP_PERCENTILES)[number], number>> = {};
    for (const p of STEP_PERCENTILES) if (summary[p] !== undefined) picked[p] = summary[p];
    out[kind] = picked;
  }
  return out;
}
