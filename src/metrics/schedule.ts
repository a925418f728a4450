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
