/**
 * The one wait-until-due of salvo: an open-loop sender waiting for its next
 * due time, and a fault proxy thread's release clock waiting to release a
 * delayed chunk. Every constant of such a wait is here.
 *
 * Node's timers count whole milliseconds from the event loop's cached time,
 * which lags the clock by up to a millisecond, so a timer alone fires up to
 * ~1.5 ms late. A wait therefore has up to three phases:
 * - coarse: a timer that fires at the latest at the last whole millisecond
 *   before the due time (minus a guard for the kernel's timer slack, and
 *   whatever more the profile asks for);
 * - fine: `setImmediate` turns, each of which lets the event loop poll its
 *   sockets (and run rhea's writer), with a short nap (a blocking futex wait)
 *   when the waiter allows one, so the wait costs little CPU;
 * - last: the final stretch is never napped (a nap overshoots by the timer
 *   slack): turned through, or spun in short slices with a turn between them.
 *
 * Nothing here allocates per turn: the turn is one bound function, the
 * waiter one object made once.
 */
import { monotonicNowUs } from './clock.js';

/** How one kind of waiter paces. */
export interface PacingProfile {
  /** The coarse timer aims this much earlier still than COARSE_GUARD_US: a busy host wakes a thread late. */
  readonly extraGuardUs: number;
  /** The longest single timer (ms); a longer wait sets another, so the waiter's due time is read again. */
  readonly timerMaxMs: number;
  /** One nap at most, so the event loop polls sockets (flow frames, the stop message) at least this often. */
  readonly napMaxUs: number;
  /** A shorter nap is not worth its system call. */
  readonly napMinUs: number;
  /** The final stretch before a due time, never napped. */
  readonly spinUs: number;
  /** 0: the final stretch is plain event-loop turns; otherwise it is busy-waited, this many µs at a time. */
  readonly spinSliceUs: number;
  /** A due time counts as come this early (µs); 0: not before it. */
  readonly earlyUs: number;
  /** 0: the fine phase turns the event loop; otherwise it waits on timers of this many ms (no turn, no nap). */
  readonly fineTimerMs: number;
}

/**
 * A stop that arrives before the planned end (Ctrl-C, a broker gone) lands
 * between two due times: the message due just before it is at most one
 * wake-up late, not a sign that the generator fell behind. Messages due
 * within this much of such a stop are not counted unsent.
 */
export const EARLY_STOP_GRACE_US = 2_000;

/**
 * The instant up to which a stopped sender owes its schedule's due messages:
 * the planned end when sending ran to it, else (an early stop) a grace before
 * the stop.
 */
export function owedUntilUs(nowUs: number, plannedStopUs: number | null): number {
  return plannedStopUs !== null && nowUs >= plannedStopUs ? plannedStopUs : nowUs - EARLY_STOP_GRACE_US;
}

/** The coarse timer aims this far before the due time: the kernel's default timer slack is 50 µs. */
export const COARSE_GUARD_US = 200;

/**
 * An open-loop sender (workers/sender-link.ts). Its thread also reads the
 * broker's outcomes and writes rhea's frames, so naps are short and the final
 * 80 µs are turned through, not spun.
 */
export const SENDER_PACING: PacingProfile = {
  extraGuardUs: 0,
  timerMaxMs: 1000,
  napMaxUs: 500,
  napMinUs: 20,
  spinUs: 80,
  spinSliceUs: 0,
  earlyUs: 0,
  fineTimerMs: 0,
};

/**
 * A fault proxy thread's release clock (src/faults/release-clock.ts): it
 * aims at tens of µs, so
 * - the coarse timer aims a further millisecond early;
 * - a nap blocks the thread (its sockets go unread), so at most 100 µs;
 * - the final 500 µs are spun in 25 µs slices: a nap overshoots by 90 µs
 *   there (the timer slack and a wake-up), and 3% of them by 200-400 µs
 *   (measured in calibration runs, 2-core VM), so with 100 µs spun 1% of
 *   releases came 0.5 ms late or more.
 */
export const RELEASE_PACING: PacingProfile = {
  extraGuardUs: 1000,
  timerMaxMs: Number.POSITIVE_INFINITY,
  napMaxUs: 100,
  napMinUs: 20,
  spinUs: 500,
  spinSliceUs: 25,
  earlyUs: 0,
  fineTimerMs: 0,
};

/**
 * A slow consumer (workers/paced-intake.ts) granting credit on a schedule or
 * finishing a message's processing delay. Its schedule is never re-based, so
 * a wake a millisecond early or late moves single messages, not the rate: it
 * waits on timers alone and takes a due time as come a millisecond early,
 * instead of turning the event loop through the last millisecond (which, at
 * a due time every few ms, would keep a core busy for a consumer meant to be
 * slow).
 */
export const RECEIVE_PACING: PacingProfile = {
  extraGuardUs: 0,
  timerMaxMs: 1000,
  napMaxUs: 0,
  napMinUs: 1,
  spinUs: 0,
  spinSliceUs: 0,
  earlyUs: 1_000,
  fineTimerMs: 1,
};

/** Who waits: asked for its due time at every step, so a due time may move while the wait goes on. */
export interface PacedWaiter {
  /** The due time aimed at, µs on the pacer's clock; Infinity: nothing is due, the wait ends. */
  dueUs(): number;
  /** The due time has come (`nowUs`: when the pacer saw it). */
  onDue(nowUs: number): void;
  /** Whether a turn may nap now: a nap blocks the whole thread. */
  mayNap(): boolean;
}

/**
 * Milliseconds to set a timer for, or 0 when the fine phase starts now. A
 * timer of d ms fires once the loop's cached time (at most the true time)
 * has moved d whole milliseconds, so at the earliest at the boundary aimed at.
 */
export function coarseWaitMs(dueUs: number, nowUs: number): number {
  const wholeMs = Math.floor((dueUs - COARSE_GUARD_US) / 1000) - Math.floor(nowUs / 1000);
  return wholeMs >= 1 ? wholeMs : 0;
}

/** In the fine phase: µs to nap before the next turn, 0 to turn without a nap. Never into the final stretch. */
export function napBeforeTurnUs(dueUs: number, nowUs: number, profile: PacingProfile): number {
  const napUs = Math.min(profile.napMaxUs, dueUs - nowUs - profile.spinUs);
  return napUs >= profile.napMinUs ? napUs : 0;
}

const napCell = new Int32Array(new SharedArrayBuffer(4));
/** The longest nap any profile takes: a bound on `nap` whatever its caller passes. */
const NAP_BOUND_US = Math.max(SENDER_PACING.napMaxUs, RELEASE_PACING.napMaxUs);

/** Blocks this thread for about `us` µs (a futex wait nobody wakes), at most NAP_BOUND_US. */
export function nap(us: number): void {
  Atomics.wait(napCell, 0, 0, Math.min(us, NAP_BOUND_US) / 1000);
}

/** Zero-timeout waits between two clock reads: about 1 µs, and they allocate nothing. */
const SPIN_STEP_WAITS = 8;

/**
 * Busy-waits until `untilUs`, reading `now` about once a µs (each read of a
 * clock may allocate a heap number, and a scavenge would land on a due time);
 * returns the time it ended.
 */
export function spinUntil(untilUs: number, nowUs: number, now: () => number): number {
  while (nowUs < untilUs) {
    for (let i = 0; i < SPIN_STEP_WAITS; i++) Atomics.wait(napCell, 0, 0, 0);
    nowUs = now();
  }
  return nowUs;
}

/** One wait at a time for one waiter: `wait()` (re)starts it, `cancel()` ends it, `onDue` says it is over. */
export class Pacer {
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly turnBound = (): void => this.turn();

  constructor(
    private readonly waiter: PacedWaiter,
    private readonly profile: PacingProfile,
    private readonly now: () => number = monotonicNowUs,
  ) {}

  /**
   * Waits for `waiter.dueUs()`, replacing any wait under way. Never calls
   * `onDue` before it returns, and never naps in this first step: the caller
   * may have written on this tick (rhea writes on the next one).
   */
  wait(): void {
    this.cancel();
    this.step(this.now(), false);
  }

  /** A timer or a turn is pending: false once onDue came, after cancel(), or when the due time read was Infinity. */
  get waiting(): boolean {
    return this.timer !== undefined || this.immediate !== undefined;
  }

  cancel(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
  }

  /** One step towards the due time: a coarse timer, or one event-loop turn (after a nap when allowed). */
  private step(nowUs: number, mayNap: boolean): void {
    const dueUs = this.waiter.dueUs() - this.profile.earlyUs;
    if (dueUs === Number.POSITIVE_INFINITY) return;
    const coarseMs = coarseWaitMs(dueUs - this.profile.extraGuardUs, nowUs);
    if (coarseMs > 0) {
      this.timer = setTimeout(this.turnBound, Math.min(coarseMs, this.profile.timerMaxMs));
      return;
    }
    if (this.profile.fineTimerMs > 0) {
      this.timer = setTimeout(this.turnBound, this.profile.fineTimerMs);
      return;
    }
    if (mayNap && this.waiter.mayNap()) {
      const napUs = napBeforeTurnUs(dueUs, nowUs, this.profile);
      if (napUs > 0) nap(napUs);
    }
    this.immediate = setImmediate(this.turnBound);
  }

  private turn(): void {
    this.timer = undefined;
    this.immediate = undefined;
    const dueUs = this.waiter.dueUs() - this.profile.earlyUs;
    if (dueUs === Number.POSITIVE_INFINITY) return;
    let nowUs = this.now();
    const slice = this.profile.spinSliceUs;
    // The final stretch, spun in slices with a turn between them, so sockets are still read within tens of µs.
    if (slice > 0 && nowUs < dueUs && dueUs - nowUs <= this.profile.spinUs) {
      nowUs = spinUntil(Math.min(dueUs, nowUs + slice), nowUs, this.now);
    }
    if (nowUs >= dueUs) this.waiter.onDue(nowUs);
    else this.step(nowUs, true);
  }
}
