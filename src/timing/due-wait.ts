/**
 * How an open-loop sender waits for its next due time without a millisecond
 * of lateness and without spinning a core.
 *
 * Node's timers count whole milliseconds from the event loop's cached time,
 * which lags the clock by up to a millisecond, so a timer alone sends up to
 * ~1.5 ms late. The wait is therefore in two phases:
 * - coarse: a timer that fires at the latest at the last whole millisecond
 *   before the due time (minus a guard for the kernel's timer slack);
 * - fine: `setImmediate` turns, each of which lets the event loop poll its
 *   sockets and run rhea's writer, with a short nap (a blocking futex wait)
 *   when nothing is in flight that a nap could delay, so the wait costs little
 *   CPU; the last few tens of µs are turned through.
 */

/** The coarse timer aims this far before the due time: the kernel's default timer slack is 50 µs. */
export const COARSE_GUARD_US = 200;
/** The last stretch before a due time is turned through, never napped: a nap overshoots by the timer slack. */
export const SPIN_US = 80;
/** One nap at most, so the event loop polls sockets (flow frames, the stop message) at least this often. */
export const NAP_MAX_US = 500;
/** A shorter nap is not worth its system call. */
const NAP_MIN_US = 20;

/**
 * Milliseconds to set a timer for, or 0 when the fine phase starts now. A
 * timer of d ms fires once the loop's cached time (at most the true time)
 * has moved d whole milliseconds, so at the earliest at the boundary aimed at.
 */
export function coarseWaitMs(dueUs: number, nowUs: number): number {
  const wholeMs = Math.floor((dueUs - COARSE_GUARD_US) / 1000) - Math.floor(nowUs / 1000);
  return wholeMs >= 1 ? wholeMs : 0;
}

/**
 * In the fine phase: µs to nap before the next turn, 0 to turn without a
 * nap. No nap while a delivery is in flight: its outcome would be timed late.
 */
export function fineNapUs(dueUs: number, nowUs: number, idle: boolean): number {
  if (!idle) return 0;
  const napUs = Math.min(NAP_MAX_US, dueUs - nowUs - SPIN_US);
  return napUs >= NAP_MIN_US ? napUs : 0;
}

const napCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for about `us` µs (a futex wait nobody wakes). Bounded by NAP_MAX_US. */
export function nap(us: number): void {
  Atomics.wait(napCell, 0, 0, Math.min(us, NAP_MAX_US) / 1000);
}
