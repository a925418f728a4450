/**
 * How sure a capacity verdict is, pure. After the search, the rate it
 * found (the highest pass) and the knee (the lowest failure) are each run
 * again, alternately, so that a change in the host's load falls on both;
 * each is judged by how many of its runs gave the search's answer and by the
 * spread (min to max) of every objective over them. One step at each rate
 * is a sample of one: on a shared host the same rate passed and failed
 * five minutes apart.
 */
import { objectiveMetric, type Objective } from '../plan/index.js';
import { formatUs } from '../results/thresholds.js';
import type { ObjectiveMeasure } from './judge.js';

/** Each of the two rates is judged this many times in all, the search's own step included. */
export const REPEAT_DEFAULT = 3;

/** What a repeat judgement needs of a step. */
export interface RepeatedStep {
  rate: number;
  pass: boolean;
  objectives: readonly ObjectiveMeasure[];
}

export interface ObjectiveSpread {
  objective: string;
  /** µs for a latency, msg/s for a rate; null when no run measured it. */
  min: number | null;
  max: number | null;
}

export interface RateHeld {
  rate: number;
  /** What the search judged it: the capacity passes, the knee fails. */
  expected: 'pass' | 'fail';
  runs: number;
  /** Runs whose verdict was the expected one. */
  held: number;
  spread: ObjectiveSpread[];
}

export interface Confidence {
  capacity?: RateHeld;
  knee?: RateHeld;
  /** Every run at each rate gave the search's answer, and each rate ran --repeat times. */
  settled: boolean;
  /** Runs asked for (over both rates) and not made: the time budget or an interrupt cut them. */
  missing: number;
  /** The objective the summary names: the one nearest its limit at the knee (else at the capacity). */
  judged?: string;
}

/**
 * The rates to run again, alternately: (repeat - 1) runs of the capacity and of the knee, whichever the search
 * found, capacity first.
 */
export function repeatRates(capacityRate: number | undefined, kneeRate: number | undefined, repeat: number): number[] {
  const rates = [capacityRate, kneeRate].filter((r): r is number => r !== undefined);
  const out: number[] = [];
  for (let i = 1; i < repeat; i++) out.push(...rates);
  return out;
}

/** Every step at the capacity and the knee (the search's and the repeats) judged against the search's answer. */
export function confidenceOf(
  steps: readonly RepeatedStep[],
  slos: readonly Objective[],
  rates: { capacityRate?: number; kneeRate?: number },
  repeat: number,
): Confidence {
  const capacity = rates.capacityRate === undefined ? undefined : held(steps, rates.capacityRate, 'pass', slos);
  const knee = rates.kneeRate === undefined ? undefined : held(steps, rates.kneeRate, 'fail', slos);
  const judgedRates = [capacity, knee].filter((r): r is RateHeld => r !== undefined);
  const missing = judgedRates.reduce((sum, r) => sum + Math.max(0, repeat - r.runs), 0);
  const settled = judgedRates.length > 0 && missing === 0 && judgedRates.every((r) => r.held === r.runs);
  const judged = tightest(knee ?? capacity, slos);
  return {
    ...(capacity ? { capacity } : {}),
    ...(knee ? { knee } : {}),
    settled,
    missing,
    ...(judged !== undefined ? { judged } : {}),
  };
}

function held(
  steps: readonly RepeatedStep[],
  rate: number,
  expected: 'pass' | 'fail',
  slos: readonly Objective[],
): RateHeld {
  const runs = steps.filter((s) => s.rate === rate);
  return {
    rate,
    expected,
    runs: runs.length,
    held: runs.filter((s) => s.pass === (expected === 'pass')).length,
    spread: slos.map((slo, i) => {
      const values = runs.map((s) => s.objectives[i]?.measured).filter((v): v is number => typeof v === 'number');
      return {
        objective: slo.text,
        min: values.length > 0 ? Math.min(...values) : null,
        max: values.length > 0 ? Math.max(...values) : null,
      };
    }),
  };
}

/** The objective nearest (or furthest past) its limit at that rate's worst run: the one that decides it. */
function tightest(rate: RateHeld | undefined, slos: readonly Objective[]): string | undefined {
  if (rate === undefined || slos.length === 0) return undefined;
  let best: { text: string; ratio: number } | undefined;
  slos.forEach((slo, i) => {
    const { min, max } = rate.spread[i];
    if (min === null || max === null) return;
    const ratio = slo.type === 'latency' ? max / slo.limitUs : slo.minRate / Math.max(min, 1e-9);
    if (best === undefined || ratio > best.ratio) best = { text: slo.text, ratio };
  });
  return best?.text ?? slos[0].text;
}

/** `service.p99 7.10ms-8.30ms`, `acceptRate 4,980-5,120 msg/s`, `service.p99 none recorded`. */
export function spreadPhrase(spread: ObjectiveSpread, slo: Objective): string {
  const metric = objectiveMetric(slo);
  if (spread.min === null || spread.max === null) return `${metric} none recorded`;
  const show = (v: number): string =>
    slo.type === 'latency' ? formatUs(v) : `${Math.round(v).toLocaleString('en-US')}`;
  const range = spread.min === spread.max ? show(spread.min) : `${show(spread.min)}-${show(spread.max)}`;
  return slo.type === 'latency' ? `${metric} ${range}` : `${metric} ${range} msg/s`;
}

/**
 * The sureness line: `14000 msg/s passed 3/3 (service.p99 7.10ms-8.30ms); 15000 msg/s failed 3/3 (service.p99
 * 12.0ms-16.2ms)`, then whether that settles it.
 */
export function surenessLine(confidence: Confidence, slos: readonly Objective[], repeat: number): string {
  if (repeat <= 1) return 'not repeated (--repeat 1): one step at each rate, a sample of one';
  const index = slos.findIndex((s) => s.text === confidence.judged);
  const part = (r: RateHeld): string => {
    const spread = index >= 0 ? ` (${spreadPhrase(r.spread[index], slos[index])})` : '';
    return `${r.rate} msg/s ${r.expected === 'pass' ? 'passed' : 'failed'} ${r.held}/${r.runs}${spread}`;
  };
  const parts = [confidence.capacity, confidence.knee].filter((r): r is RateHeld => r !== undefined).map(part);
  if (parts.length === 0) return 'nothing to repeat: no step was judged';
  const cut =
    confidence.missing > 0 ? `; ${confidence.missing} repeat${confidence.missing === 1 ? '' : 's'} not run` : '';
  const settled = confidence.settled
    ? 'the same verdict every time'
    : confidence.missing > 0 && [confidence.capacity, confidence.knee].every((r) => !r || r.held === r.runs)
      ? 'the same verdict each time it ran, but fewer times than asked'
      : 'NOT SETTLED: the verdict changed between runs at the same rate (the host or the broker varies)';
  return `${parts.join('; ')}: ${settled}${cut}`;
}
