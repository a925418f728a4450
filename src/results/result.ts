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
  /** msg/s over the measured window. */
  sendRate: number;
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

/**
 * Rates over measured time only: sending from the end of warm-up until the
 * senders finished, receiving from the end of warm-up until the last receipt.
 */
export function totalsFrom(counters: Counters, foreign: number, sendS: number, receiveS: number): Totals {
  const seconds = sendS > 0 ? sendS : 0;
  return {
    ...counters,
    foreign,
    durationS: round(seconds, 3),
    sendRate: seconds > 0 ? round(counters.sent / seconds, 1) : 0,
    receiveRate: receiveS > 0 ? round(counters.received / receiveS, 1) : 0,
  };
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
