/**
 * The run's observer for `--metrics-port`: hands LiveMetrics what the run
 * already keeps (the shared progress counters, the Aggregator's merged
 * interval reports, the faults due so far), once a second and once at the
 * end, from the snapshot every observer gets.
 */
import { CATEGORIES, type Verdict } from '../ledger/index.js';
import type { LiveMetrics } from '../metrics/prometheus.js';
import type { RunEnd, RunObserver, RunSecond, RunStart } from './run-observer.js';
import { owedDeliveries } from '../results/backlog.js';

export class LiveFeed implements RunObserver {
  private start: RunStart | undefined;
  /** What distinct arrivals must reach for a whole run (accepted; sent at-most-once); null when that does not apply. */
  private expected: 'accepted' | 'sent' | null = null;
  /** Distinct arrivals are counted only with the ledger, for messages of this run's senders. */
  private distinct = false;

  constructor(private readonly metrics: LiveMetrics) {}

  started(start: RunStart): void {
    const { plan, ledger } = start;
    this.start = start;
    // Transactions: what was accepted in a rolled-back batch is not owed to the receivers.
    const transactions = plan.transactions !== undefined || plan.recvTransactions !== undefined;
    const whole = plan.senders > 0 && plan.receivers > 0 && !transactions;
    this.expected = whole && ledger ? (plan.settle === 'at-most-once' ? 'sent' : 'accepted') : null;
    this.distinct = ledger && plan.senders > 0;
  }

  second(snapshot: RunSecond): void {
    if (!this.start) return;
    this.progress(this.start, snapshot);
    this.series(this.start, snapshot, Math.floor((snapshot.nowUs - this.start.runStartUs) / 1e6));
  }

  /** Once every report is in (before the aggregator is freed): the last figures and the verdict. */
  finished({ outcome, last }: RunEnd): void {
    // A run that never started has shown nothing live: it ends nothing either.
    if (!this.start || !last) return;
    this.progress(this.start, last);
    // Every second has been reported by now, the last (partial) one included.
    this.series(this.start, last, Math.floor((last.nowUs - this.start.runStartUs) / 1e6) + 1);
    const { result } = outcome;
    const verdict = result.verdict;
    this.metrics.end({
      ok: result.complete && result.checks.every((check) => check.ok),
      ...(verdict ? { verdict: { ok: verdict.ok, counts: verdictCounts(verdict) } } : {}),
    });
  }

  private progress(start: RunStart, { nowUs, totals }: RunSecond): void {
    const { runStartUs, plan } = start;
    const { expected } = this;
    this.metrics.progress({
      elapsedS: (nowUs - runStartUs) / 1e6,
      warmup: nowUs < runStartUs + plan.warmupMs * 1000,
      sent: totals.sent,
      settled: totals.settled,
      accepted: totals.accepted,
      received: totals.received,
      distinct: this.distinct ? totals.fresh : null,
      expected: expected === null ? null : totals[expected],
      down: totals.down,
      ...(plan.senders > 0 && plan.receivers > 0 ? { backlog: owedDeliveries(plan, totals) - totals.received } : {}),
    });
  }

  /** `below`: the first second that may still be under way. */
  private series(start: RunStart, { series, faultsSoFar }: RunSecond, below: number): void {
    this.metrics.reported(series.reported());
    const second = series.latestComplete(start.senderWorkers + start.receiverWorkers, below);
    const point = second === undefined ? undefined : series.point(second);
    if (second !== undefined && point !== undefined) {
      this.metrics.second({ t: point.t, counters: point, latency: series.intervalQuantiles(second) });
    }
    this.metrics.cumulative(series.cumulativeQuantiles());
    if (faultsSoFar) this.metrics.faultsSoFar(faultsSoFar);
  }
}

function verdictCounts(verdict: Verdict): Record<string, number | null> {
  return Object.fromEntries(CATEGORIES.map((category) => [category, verdict[category] ?? null]));
}
