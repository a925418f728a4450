/**
 * The RunResult: everything a run measured, as written to result.json.
 * A discriminated `complete` flag plus a reason, so an interrupted run's
 * partial figures are data, never lost.
 */
import type { Counters, LatencyKind, LatencySummary, TimePoint } from '../metrics/index.js';
import type { Plan } from '../plan/index.js';
import type { Environment } from './environment.js';

export const RESULT_SCHEMA = 'salvo.result/1';

/** The run's counters (warm-up excluded) and rates; the field names are the result schema's. */
export interface Totals extends Counters {
  /** Messages received that this run did not send (left on the queue by someone else). */
  foreign: number;
  durationS: number;
  /** msg/s written to the connection (into socket buffers), over the measured sending window. */
  sendRate: number;
  /** msg/s the broker accepted, from the end of warm-up to the last outcome: at-least-once's headline rate. */
  acceptRate: number;
  receiveRate: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  runId: string;
  startedAt: string;
  complete: boolean;
  /** Why the run is incomplete or failed (one line each), empty when all went well. */
  problems: string[];
  plan: Plan;
  environment: Environment;
  totals: Totals;
  latency: Partial<Record<LatencyKind, LatencySummary>>;
  checks: Check[];
  timeseries: TimePoint[];
}

/** Seconds of each measured window: all start at the end of warm-up. */
export interface Windows {
  /** Until the senders' last send. */
  sendS: number;
  /** Until the senders' last outcome. */
  acceptS: number;
  /** Until the last receipt. */
  receiveS: number;
}

/** Rates over measured time only, each over its own window. */
export function totalsFrom(counters: Counters, foreign: number, windows: Windows): Totals {
  const seconds = windows.sendS > 0 ? windows.sendS : 0;
  return {
    ...counters,
    foreign,
    durationS: round(seconds, 3),
    sendRate: rate(counters.sent, seconds),
    acceptRate: rate(counters.accepted, windows.acceptS),
    receiveRate: rate(counters.received, windows.receiveS),
  };
}

function rate(count: number, seconds: number): number {
  return seconds > 0 ? round(count / seconds, 1) : 0;
}

/** What the run promised, checked against what it measured. */
export function checksFor(plan: Plan, totals: Totals): Check[] {
  const checks: Check[] = [];
  if (plan.receivers > 0 && plan.senders > 0) {
    if (plan.settle === 'at-least-once') {
      const lost = totals.accepted - totals.received;
      checks.push({
        // Counts only: a redelivery can hide a loss until the ledger compares sequence numbers.
        name: 'no fewer received than accepted',
        ok: lost <= 0,
        detail: lost > 0 ? `${lost} accepted but not received` : `${totals.received} of ${totals.accepted} accepted`,
      });
    } else {
      const extra = totals.received - totals.sent;
      checks.push({
        name: 'no message received more often than sent',
        ok: extra <= 0,
        detail: extra > 0 ? `${extra} more received than sent` : `${totals.received} received of ${totals.sent} sent`,
      });
    }
  }
  if (plan.settle === 'at-least-once' && plan.senders > 0) {
    const refused = totals.rejected + totals.released + totals.modified;
    checks.push({
      name: 'every sent message accepted',
      ok: refused === 0 && totals.inDoubt === 0 && totals.accepted === totals.sent,
      detail: `${totals.accepted} accepted, ${totals.rejected} rejected, ${totals.released} released, ${totals.modified} modified, ${totals.inDoubt} in doubt of ${totals.sent} sent`,
    });
  }
  return checks;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
