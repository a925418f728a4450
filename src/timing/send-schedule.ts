/**
 * Open-loop (fixed-rate) sending. Message i is meant to go at
 * t_i = startUs + i * 1e6 / rateHz, and the schedule is never re-based when
 * the sender falls behind: the lag is exactly what `sendDelay` and
 * `corrected` latency must show (no coordinated omission).
 */
export class OpenLoopSchedule {
  readonly intervalUs: number;

  constructor(
    readonly rateHz: number,
    readonly startUs: number,
  ) {
    if (!(rateHz > 0) || !Number.isFinite(rateHz)) throw new RangeError(`rateHz must be positive, got ${rateHz}`);
    this.intervalUs = 1e6 / rateHz;
  }

  /** When message i (0-based) is meant to be sent. */
  intendedUs(i: number): number {
    return this.startUs + i * this.intervalUs;
  }

  /** How many messages (0 .. n-1) are due by nowUs, in total since the start. */
  due(nowUs: number): number {
    if (nowUs < this.startUs) return 0;
    let n = Math.floor((nowUs - this.startUs) / this.intervalUs) + 1;
    // The division and intendedUs can round differently at a boundary;
    // intendedUs is the truth, so settle on its answer.
    while (this.intendedUs(n) <= nowUs) n++;
    while (n > 0 && this.intendedUs(n - 1) > nowUs) n--;
    return n;
  }

  /** How many messages were meant to go strictly before `us`: one due exactly at a stop is not owed. */
  dueBefore(us: number): number {
    const n = this.due(us);
    return n > 0 && this.intendedUs(n - 1) >= us ? n - 1 : n;
  }

  /**
   * Messages due before `stoppedUs` (at most `cap`: a count ends the schedule)
   * that had not been sent when sending stopped.
   */
  unsent(stoppedUs: number, sent: number, cap = Number.POSITIVE_INFINITY): number {
    return Math.max(0, Math.min(this.dueBefore(stoppedUs), cap) - sent);
  }
}

/** The three latencies of one open-loop message, in µs. */
export interface OpenLoopLatencies {
  /** completed - intended: what a user of the system waits. */
  correctedUs: number;
  /** completed - sent: what the broker (and network) took. */
  serviceUs: number;
  /** sent - intended: how far the generator fell behind its schedule. */
  sendDelayUs: number;
}

/** corrected = service + sendDelay by construction. */
export function openLoopLatencies(intendedUs: number, sentUs: number, completedUs: number): OpenLoopLatencies {
  return {
    correctedUs: completedUs - intendedUs,
    serviceUs: completedUs - sentUs,
    sendDelayUs: sentUs - intendedUs,
  };
}

/** One stretch of a phased schedule: its length and its rate at the start and the end (linear between). */
export interface RateSegment {
  durationMs: number;
  fromHz: number;
  toHz: number;
}

/** What a sender needs of a schedule: intended times and how many are due. */
export interface SendSchedule {
  intendedUs(i: number): number;
  due(nowUs: number): number;
  dueBefore(us: number): number;
  unsent(stoppedUs: number, sent: number, cap?: number): number;
}

/**
 * Open loop through phases (a profile's `phases`): segments of fixed rates
 * or linear ramps, one after the other; after the last one the last rate
 * goes on (the run's stop time ends it). Message i is meant to go when the
 * rate integrated from the start reaches i, so a fixed-rate segment gives
 * the same times as OpenLoopSchedule and a ramp spaces its messages closer
 * and closer; never re-based, as there.
 */
export class PhasedSchedule extends OpenLoopSchedule implements SendSchedule {
  /** Per segment: its start (µs after startUs) and the messages meant to go before it (real-valued). */
  private readonly starts: { atUs: number; before: number; segment: RateSegment }[] = [];
  private readonly endUs: number;
  private readonly endCount: number;
  private readonly lastHz: number;

  constructor(segments: readonly RateSegment[], startUs: number) {
    if (segments.length === 0) throw new RangeError('a phased schedule needs at least one segment');
    super(segments[0].fromHz, startUs);
    let atUs = 0;
    let before = 0;
    for (const segment of segments) {
      if (!(segment.fromHz > 0 && segment.toHz > 0 && segment.durationMs > 0))
        throw new RangeError(`segment rates and durations must be positive, got ${JSON.stringify(segment)}`);
      this.starts.push({ atUs, before, segment });
      before += ((segment.fromHz + segment.toHz) / 2) * (segment.durationMs / 1000);
      atUs += segment.durationMs * 1000;
    }
    this.endUs = atUs;
    this.endCount = before;
    this.lastHz = segments[segments.length - 1].toHz;
  }

  override intendedUs(i: number): number {
    if (i >= this.endCount) return this.startUs + this.endUs + ((i - this.endCount) * 1e6) / this.lastHz;
    let k = this.starts.length - 1;
    while (k > 0 && this.starts[k].before > i) k--;
    const { atUs, before, segment } = this.starts[k];
    return this.startUs + atUs + secondsInto(segment, i - before) * 1e6;
  }

  override due(nowUs: number): number {
    if (nowUs < this.startUs) return 0;
    let n = Math.floor(this.countBy(nowUs - this.startUs)) + 1;
    // As in OpenLoopSchedule: intendedUs is the truth at a boundary.
    while (this.intendedUs(n) <= nowUs) n++;
    while (n > 0 && this.intendedUs(n - 1) > nowUs) n--;
    return n;
  }

  /** Messages meant to go in the first `us` after the start (real-valued). */
  private countBy(us: number): number {
    if (us >= this.endUs) return this.endCount + ((us - this.endUs) * this.lastHz) / 1e6;
    let k = this.starts.length - 1;
    while (k > 0 && this.starts[k].atUs > us) k--;
    const { atUs, before, segment } = this.starts[k];
    const t = (us - atUs) / 1e6;
    const slope = (segment.toHz - segment.fromHz) / (segment.durationMs / 1000);
    return before + segment.fromHz * t + (slope * t * t) / 2;
  }
}

/** Seconds into a segment at which `n` of its messages are meant to have gone: N(t) = r0 t + s t^2 / 2 solved for t. */
function secondsInto(segment: RateSegment, n: number): number {
  const slope = (segment.toHz - segment.fromHz) / (segment.durationMs / 1000);
  if (Math.abs(slope) < 1e-9) return n / segment.fromHz;
  // The root that starts at 0 for n = 0; written to keep its precision when the slope is small.
  return (2 * n) / (segment.fromHz + Math.sqrt(segment.fromHz * segment.fromHz + 2 * slope * n));
}

/** A sending link's open-loop schedule from the run's start, or null when it runs closed loop. */
export function linkSchedule(
  link: { readonly rateHz: number | null; readonly scheduleOffsetUs: number; readonly phases?: readonly RateSegment[] },
  runStartUs: number,
): OpenLoopSchedule | null {
  if (link.rateHz === null) return null;
  const startUs = runStartUs + link.scheduleOffsetUs;
  return link.phases ? new PhasedSchedule(link.phases, startUs) : new OpenLoopSchedule(link.rateHz, startUs);
}
