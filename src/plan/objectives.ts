/**
 * Objectives: one grammar for `salvo run --threshold` and `salvo capacity
 * --slo`. `KIND.PERCENTILE<DURATION` bounds a latency (service.p99<10ms,
 * service.p99.9<20ms, sendDelay.max<5ms); `RATE>N` bounds a rate in msg/s
 * (acceptRate>20000, receiveRate>5k; `throughput` is the accept rate).
 * Pure: parsing, and which objectives a plan can measure; judging a
 * finished run is src/results/thresholds.ts.
 */
import type { LatencyKind } from '../metrics/interval-report.js';
import { PlanError } from './errors.js';
import { parseRateHz } from './units.js';

/** Every latency kind a run may record (metrics/interval-report.ts), in the order users meet them. */
export const OBJECTIVE_KINDS = [
  'service',
  'corrected',
  'endToEnd',
  'sendDelay',
  'roundTrip',
  'declare',
  'commit',
  'recvDeclare',
  'recvCommit',
] as const satisfies readonly LatencyKind[];
export type ObjectiveKind = (typeof OBJECTIVE_KINDS)[number];

/** LatencySummary keys an objective may name; `p999` is written p99.9 (p999 is read too). */
export const OBJECTIVE_PERCENTILES = ['p50', 'p90', 'p99', 'p999', 'max'] as const;
export type ObjectivePercentile = (typeof OBJECTIVE_PERCENTILES)[number];
const PERCENTILE_WORDS: Record<string, ObjectivePercentile> = {
  p50: 'p50',
  p90: 'p90',
  p99: 'p99',
  'p99.9': 'p999',
  p999: 'p999',
  max: 'max',
};

/** Totals fields a rate objective may name; `throughput` is acceptRate (capacity's first word for it). */
export const OBJECTIVE_RATES = ['acceptRate', 'sendRate', 'receiveRate'] as const;
export type ObjectiveRate = (typeof OBJECTIVE_RATES)[number];
const RATE_WORDS: Record<string, ObjectiveRate> = {
  throughput: 'acceptRate',
  acceptRate: 'acceptRate',
  sendRate: 'sendRate',
  receiveRate: 'receiveRate',
};

export type Objective =
  | { type: 'latency'; text: string; kind: ObjectiveKind; percentile: ObjectivePercentile; limitUs: number }
  | { type: 'throughput'; text: string; rate: ObjectiveRate; minRate: number };

const UNIT_US: Record<string, number> = { us: 1, µs: 1, ms: 1_000, s: 1_000_000 };
const FORM = 'expected KIND.PERCENTILE<DURATION (like service.p99<10ms) or RATE>N (like acceptRate>5000)';

/** `service.p99.9`, `acceptRate`: the objective's metric as summaries and result.json name it. */
export function objectiveMetric(objective: Objective): string {
  if (objective.type === 'throughput') return objective.rate;
  return `${objective.kind}.${objective.percentile === 'p999' ? 'p99.9' : objective.percentile}`;
}

/** Each text parsed; the first bad one is a PlanError naming the option and the token. */
export function parseObjectives(texts: readonly string[], option: string): Objective[] {
  return texts.map((text) => parseObjective(text, option));
}

export function parseObjective(raw: string, option: string): Objective {
  const parsed = readObjective(raw);
  if (typeof parsed === 'string') throw new PlanError(`${option} ${JSON.stringify(raw)}: ${parsed}`);
  return parsed;
}

/** What is wrong with an objective's text, as the profile schema reports it; undefined when it is good. */
export function objectiveProblem(raw: string): string | undefined {
  const parsed = readObjective(raw);
  return typeof parsed === 'string' ? parsed : undefined;
}

/** The objective, or why the text is not one (a phrase, without the option or the token). */
function readObjective(raw: string): Objective | string {
  const text = raw.replace(/\s+/g, '');
  const rate = /^([A-Za-z]+)>(.*)$/.exec(text);
  if (rate) return readRate(text, rate[1], rate[2]);
  // The percentile may hold a dot (p99.9): the kind is up to the first dot, the limit after "<".
  const latency = /^([A-Za-z]+)\.([A-Za-z0-9.]+)<(.*)$/.exec(text);
  if (!latency) return FORM;
  const [, kind, percentile, limit] = latency;
  if (!(OBJECTIVE_KINDS as readonly string[]).includes(kind))
    return `unknown latency kind "${kind}", expected one of ${OBJECTIVE_KINDS.join(', ')}`;
  const key = PERCENTILE_WORDS[percentile];
  if (key === undefined) return `unknown percentile "${percentile}", expected one of p50, p90, p99, p99.9, max`;
  const limitUs = readDurationUs(limit);
  if (typeof limitUs === 'string') return limitUs;
  return { type: 'latency', text, kind: kind as ObjectiveKind, percentile: key, limitUs };
}

function readRate(text: string, word: string, limit: string): Objective | string {
  const rate = RATE_WORDS[word];
  if (rate === undefined)
    return `unknown rate "${word}", expected one of throughput, ${OBJECTIVE_RATES.join(', ')} (msg/s)`;
  const minRate = parseRateHz(limit.replace(/(msg)?\/s$/, ''));
  if (limit === '' || minRate === null || !(minRate > 0))
    return `expected a positive rate in msg/s after ">", like ${word}>5000, got "${limit}"`;
  return { type: 'throughput', text, rate, minRate };
}

function readDurationUs(limit: string): number | string {
  const duration = /^(\d+(?:\.\d+)?)([a-zµ]*)$/.exec(limit);
  if (!duration) return `expected a duration like 10ms after "<", got "${limit}"`;
  if (duration[2] === '') return 'expected a unit (us, ms or s)';
  const unit = UNIT_US[duration[2]];
  if (unit === undefined) return `unknown unit "${duration[2]}", expected us, ms or s`;
  const limitUs = Number(duration[1]) * unit;
  if (limitUs <= 0) return 'expected a limit above zero';
  return limitUs;
}

/** The plan's fields that decide what a run measures (structural: plan.ts imports this module). */
export interface Measures {
  senders: number;
  receivers: number;
  settle: 'at-least-once' | 'at-most-once';
  rateHz: number | null;
  rpc?: object;
  transactions?: object;
  recvTransactions?: object;
}

/**
 * Why this plan's run would not measure what the objective names (one
 * phrase), or undefined when it would. Mirrors what workers record
 * (workers/sender.ts, receiver.ts, requester.ts): an objective on a kind
 * never recorded could only fail, so it is a usage error before the run.
 */
export function whyUnmeasured(objective: Objective, plan: Measures): string | undefined {
  if (objective.type === 'throughput') return rateUnmeasured(objective.rate, plan);
  const { kind } = objective;
  const openLoop = plan.rateHz !== null;
  if (kind === 'roundTrip' && !plan.rpc) return 'only --pattern rpc measures roundTrip';
  if (kind === 'declare' || kind === 'commit')
    return plan.transactions ? undefined : `only --tx-size measures ${kind} (send transactions)`;
  if (kind === 'recvDeclare' || kind === 'recvCommit')
    return plan.recvTransactions ? undefined : `only --recv-tx-size measures ${kind} (receive transactions)`;
  if (kind === 'corrected' && !openLoop)
    return 'only open-loop runs (--rate or phases) measure corrected: a closed loop has no intended send times';
  if (plan.rpc && kind !== 'roundTrip' && kind !== 'corrected')
    return `a --pattern rpc run measures roundTrip and corrected, not ${kind}`;
  if (kind === 'endToEnd') return plan.receivers > 0 ? undefined : '--receivers 0 receives nothing: no endToEnd';
  // rpc: the requesters are the senders and time every reply; responders alone time nothing.
  if (plan.senders === 0) return `--senders 0 sends nothing: no ${kind}`;
  if (plan.rpc) return undefined;
  if (kind === 'sendDelay')
    return openLoop
      ? undefined
      : 'only open-loop runs (--rate or phases) measure sendDelay: a closed loop has no schedule';
  if (plan.settle === 'at-most-once') return `an at-most-once run gets no outcomes: no ${kind}`;
  return undefined;
}

function rateUnmeasured(rate: ObjectiveRate, plan: Measures): string | undefined {
  if (rate === 'receiveRate') return plan.receivers > 0 ? undefined : '--receivers 0 receives nothing: no receiveRate';
  if (plan.senders === 0) return `--senders 0 sends nothing: no ${rate}`;
  if (rate === 'acceptRate' && plan.settle === 'at-most-once')
    return 'an at-most-once run gets no outcomes: no acceptRate (use sendRate or receiveRate)';
  return undefined;
}

/** Every objective the plan can measure, or a PlanError naming the first it cannot and why. */
export function checkMeasured(objectives: readonly Objective[], plan: Measures, option: string): void {
  for (const objective of objectives) {
    const why = whyUnmeasured(objective, plan);
    if (why !== undefined) throw new PlanError(`${option} ${JSON.stringify(objective.text)}: ${why}`);
  }
}
