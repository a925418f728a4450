/**
 * When a fault proxy thread writes its delayed chunks: every flow with a chunk
 * waiting tells this clock its due time, and one wait aims at the earliest of
 * them, to within tens of µs (calibrate's goal is 0.25 ms at p50).
 *
 * One wait for the thread, not one per flow: the last stretch of a wait
 * blocks the thread (a nap, a spin), and with a wait per flow a second flow's
 * due passed during the first one's nap (measured: a tenth of the releases
 * 150 µs late with two connections open).
 *
 * The wait has three phases:
 * - coarse: a timer aimed a millisecond before the due time (Node's timers
 *   count whole ms and fire up to ~1.5 ms late; metrics/due-wait.ts);
 * - fine: `setImmediate` turns, so the thread keeps reading its sockets (a
 *   chunk read late starts its own delay late), each after a short nap;
 * - last: the final 500 µs spun, in 25 µs slices with a turn between them,
 *   since a nap may overshoot by far more than the timer slack.
 * Each turn costs an Immediate and each clock read a heap number, and a
 * scavenge in this thread lands on a release, so the spin reads the clock
 * about once a µs, not every 50 ns (before: a scavenge every 0.1 s, 0.3 ms
 * each; now about two a second).
 */
import { performance } from 'node:perf_hooks';
import { coarseWaitMs, nap } from '../timing/due-wait.js';
import { monotonicNowUs } from '../timing/clock.js';

/** A flow that has a chunk due. */
export interface DueWaiter {
  onDue(): void;
}

/** The coarse timer aims this much before the due time, on top of coarseWaitMs's own guard: a busy host wakes a thread late. */
const EXTRA_GUARD_US = 1000;
/** A nap blocks the thread (its sockets go unread): keep it well below the accuracy aimed at. */
const NAP_MAX_US = 100;
const NAP_MIN_US = 20;
/**
 * The final stretch, spun, never napped: a nap overshoots by 90 µs here
 * (the timer slack and a wake-up), and 3% of them by 200-400 µs (measured
 * in calibration runs, 2-core VM), so with 100 µs spun 1% of releases came
 * 0.5 ms late or more.
 */
const SPIN_US = 500;
/** One slice of the spin, the thread's sockets unread for that long. */
const SPIN_SLICE_US = 25;

/** hrtime's scale (metrics/clock.ts), read through performance.now(), which allocates less per read. */
const ORIGIN_US = monotonicNowUs() - performance.now() * 1000;

/** µs on the monotonic scale of metrics/clock.ts, cheap enough to read in a spin. */
export function releaseNowUs(): number {
  return performance.now() * 1000 + ORIGIN_US;
}

const idleCell = new Int32Array(new SharedArrayBuffer(4));
/** Zero-timeout waits between two clock reads: about 1 µs, and they allocate nothing. */
const SPIN_STEP_WAITS = 8;

/** Busy-waits until `dueUs`, reading the clock about once a µs; returns the time it ended. */
function spinUntil(dueUs: number, nowUs: number): number {
  while (nowUs < dueUs) {
    for (let i = 0; i < SPIN_STEP_WAITS; i++) Atomics.wait(idleCell, 0, 0, 0);
    nowUs = releaseNowUs();
  }
  return nowUs;
}

export class ReleaseClock {
  private readonly dues = new Map<DueWaiter, number>();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** The due time the pending timer or turn was set for; Infinity when none is. */
  private armedForUs = Infinity;

  /** `waiter.onDue()` at `dueUs` (releaseNowUs's scale); replaces the waiter's earlier due. */
  at(waiter: DueWaiter, dueUs: number): void {
    this.dues.set(waiter, dueUs);
    if (dueUs < this.armedForUs) this.arm(dueUs);
  }

  cancel(waiter: DueWaiter): void {
    // The pending wait stays: when it ends with nothing due, it aims at the next due or stops.
    this.dues.delete(waiter);
  }

  has(waiter: DueWaiter): boolean {
    return this.dues.has(waiter);
  }

  private arm(dueUs: number): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.armedForUs = dueUs;
    if (dueUs === Infinity) return;
    const coarseMs = coarseWaitMs(dueUs - EXTRA_GUARD_US, releaseNowUs());
    if (coarseMs > 0) this.timer = setTimeout(this.onTimer, coarseMs);
    else this.immediate = setImmediate(this.turn);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.arm(this.earliest());
  };

  private readonly turn = (): void => {
    this.immediate = undefined;
    const dueUs = this.earliest();
    if (dueUs === Infinity) {
      this.armedForUs = Infinity;
      return;
    }
    const nowUs = releaseNowUs();
    const leftUs = dueUs - nowUs;
    if (leftUs > SPIN_US) {
      const napUs = Math.min(NAP_MAX_US, leftUs - SPIN_US);
      if (napUs >= NAP_MIN_US) nap(napUs);
      this.immediate = setImmediate(this.turn);
      return;
    }
    // The final stretch: spun in slices, a turn between them, so sockets are still read within tens of µs.
    const sliceEndUs = spinUntil(Math.min(dueUs, nowUs + SPIN_SLICE_US), nowUs);
    if (sliceEndUs >= dueUs) this.fire(sliceEndUs);
    else this.immediate = setImmediate(this.turn);
  };

  /** Every waiter due by now, then a wait for the next. */
  private fire(nowUs: number): void {
    this.armedForUs = Infinity;
    for (const [waiter, dueUs] of this.dues) {
      if (dueUs > nowUs) continue;
      // Deleted first: onDue may ask for its next due at once.
      this.dues.delete(waiter);
      waiter.onDue();
    }
    const next = this.earliest();
    if (next < this.armedForUs) this.arm(next);
  }

  private earliest(): number {
    let earliest = Infinity;
    for (const dueUs of this.dues.values()) if (dueUs < earliest) earliest = dueUs;
    return earliest;
  }
}
