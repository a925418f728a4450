/**
 * Warm-up: one boundary, in whole microseconds on the run's monotonic clock,
 * and one predicate that every side applies to a message's send time. The
 * sender asks with its pass time (a float), the receiver with the stamp that
 * pass wrote (the same time floored to a µs); against an integer boundary
 * both give the same answer, so no message is warm-up on one side and
 * measured on the other.
 */
import { INTERVAL_MS } from './interval-report.js';

/** The first measured µs: exactly `warmupMs` after the run start (an integer even if the start is not). */
export function warmupEndUs(runStartUs: number, warmupMs: number): number {
  return Math.ceil(runStartUs + warmupMs * 1000);
}

/** Whether a message sent at `sentUs` (float or floored stamp) belongs to the warm-up. */
export function isWarmup(sentUs: number, warmupEndUs: number): boolean {
  return Math.floor(sentUs) < warmupEndUs;
}

/**
 * A second of the time series is tagged warm-up when any of it lies inside
 * the warm-up, so a second that straddles the boundary is tagged warm-up
 * (it holds warm-up messages). Totals never depend on the tag: they are
 * decided per message by `isWarmup`.
 */
export function isWarmupInterval(interval: number, warmupMs: number): boolean {
  return interval * INTERVAL_MS < warmupMs;
}
