/**
 * The sender's pacing constants and steps under their former names, for the
 * callers that still use them one by one (src/faults/release-clock.ts,
 * scripts/bench/pacer.mjs, test/metrics/due-wait.test.ts). The wait itself
 * and every constant live in pacer.ts; once release-clock uses `Pacer`
 * with RELEASE_PACING, this file can go.
 */
import { SENDER_PACING, napBeforeTurnUs } from './pacer.js';

export { COARSE_GUARD_US, coarseWaitMs, nap } from './pacer.js';

/** The last stretch before a due time is turned through, never napped: a nap overshoots by the timer slack. */
export const SPIN_US = SENDER_PACING.spinUs;
/** One nap at most, so the event loop polls sockets (flow frames, the stop message) at least this often. */
export const NAP_MAX_US = SENDER_PACING.napMaxUs;

/**
 * In the fine phase: µs to nap before the next turn, 0 to turn without a
 * nap. No nap while a delivery is in flight: its outcome would be timed late.
 */
export function fineNapUs(dueUs: number, nowUs: number, idle: boolean): number {
  return idle ? napBeforeTurnUs(dueUs, nowUs, SENDER_PACING) : 0;
}
