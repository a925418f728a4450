/**
 * The per-second figures the report's timeline plots, pure: throughput as a
 * rate over the time each second was really active, and the delivery counts
 * (in doubt, resent, duplicates) faults cause.
 *
 * A run rarely ends on a whole second: its last second of sending holds,
 * say, 0.3 s of messages, and drawn as a count it reads as a collapse at the
 * end of every run. Each throughput series knows when its activity ended
 * (the result's measured windows: warm-up end + the window), so that second
 * is drawn as a rate over its true length, or, when too short to say
 * anything, left out; the seconds after a series' end (sending over, the
 * drain going on) are left out too rather than drawn as zeros. The page
 * says which seconds it treated so.
 */
import type { RunResult, SecondPoint } from '../results/result.js';

export type CountSeries = 'sent' | 'accepted' | 'received';

/** A last second shorter than this is left out: a rate over a few ms is noise, not a figure. */
export const MIN_PARTIAL_S = 0.25;

/** One second the timeline does not draw as counted. */
export interface PartialSecond {
  series: CountSeries;
  /** The second's start, seconds since the run's start. */
  t: number;
  /** How much of it the series was active, in seconds (0 < activeS < 1). */
  activeS: number;
  /** Scaled to a rate over `activeS`, or left out (shorter than MIN_PARTIAL_S). */
  treatment: 'scaled' | 'left out';
}

export interface RateSeries {
  values: (number | null)[];
  partial: PartialSecond[];
}

/**
 * When each series' activity ended, in seconds since the run's start, from
 * the measured windows result.json keeps (duration for sending, the rates'
 * windows for outcomes and receipts); null when the run measured none.
 */
export function activityEnd(result: RunResult, series: CountSeries): number | null {
  const t = result.totals;
  const warmupS = result.plan.warmupMs / 1000;
  // totalsFrom's rates are count / window, rounded to 0.1 msg/s: the window back to within a millisecond.
  const windowS =
    series === 'sent'
      ? t.durationS
      : series === 'accepted'
        ? windowOf(t.accepted, t.acceptRate)
        : windowOf(t.received, t.receiveRate);
  return windowS !== null && windowS > 0 ? warmupS + windowS : null;
}

function windowOf(count: number, rate: number): number | null {
  return count > 0 && rate > 0 ? count / rate : null;
}

/** A series' per-second values as a rate: whole seconds as counted, its last partial second scaled or left out. */
export function rateSeries(points: readonly SecondPoint[], series: CountSeries, endS: number | null): RateSeries {
  const partial: PartialSecond[] = [];
  const values = points.map((point): number | null => {
    const count = point[series];
    if (endS === null) return count;
    const activeS = round3(endS - point.t);
    if (activeS >= 1) return count;
    // After the series' measured end: a last straggler (a message due at the very end, sent a moment later) has no
    // window to be a rate over; drawn as its count it would read as a fall to zero. Left out, and said so.
    if (activeS <= 0) {
      if (count > 0) partial.push({ series, t: point.t, activeS: 0, treatment: 'left out' });
      return null;
    }
    const treatment = activeS >= MIN_PARTIAL_S ? 'scaled' : 'left out';
    partial.push({ series, t: point.t, activeS, treatment });
    return treatment === 'scaled' ? count / activeS : null;
  });
  return { values, partial };
}

/** The per-second delivery counts the faults panel shows, those the result's points carry. */
export type DeliveryCount = 'inDoubt' | 'resent' | 'duplicates';

export const DELIVERY_LABELS: Readonly<Record<DeliveryCount, string>> = {
  inDoubt: 'in doubt',
  resent: 'resent',
  duplicates: 'duplicate copies received',
};

/**
 * The delivery counts worth a panel: every one the points carry when the
 * run had faults (zeros then say something), otherwise those not all zero;
 * none for a run with neither.
 */
export function deliveryCounts(points: readonly SecondPoint[], hadFaults: boolean): DeliveryCount[] {
  const carried = (Object.keys(DELIVERY_LABELS) as DeliveryCount[]).filter((name) =>
    points.some((p) => typeof (p as unknown as Record<string, unknown>)[name] === 'number'),
  );
  return hadFaults ? carried : carried.filter((name) => points.some((p) => countOf(p, name) > 0));
}

/** A delivery count of one second; 0 when the point does not carry it (a result from before it was counted). */
export function countOf(point: SecondPoint, name: DeliveryCount): number {
  const value = (point as unknown as Record<string, unknown>)[name];
  return typeof value === 'number' ? value : 0;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
