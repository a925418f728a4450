/**
 * The coordinator's side of `--metrics-port`: reads what the run already
 * keeps (the shared progress counters, the Aggregator's merged interval
 * reports, the fault session) and hands it to LiveMetrics. The counters are
 * read at every poll (a few sums); anything that walks histograms at most
 * once a second.
 */
import { CATEGORIES, type Verdict } from '../ledger/index.js';
import { type Aggregator } from '../metrics/index.js';
import { monotonicNowUs } from '../timing/clock.js';
import type { LiveMetrics } from '../metrics/prometheus.js';
import type { Plan } from '../plan/index.js';
import type { RunResult } from '../results/result.js';
import type { FaultSession } from './fault-session.js';
import type { ProgressReader } from '../protocol/progress-counters.js';

export interface LiveSources {
  aggregator: Aggregator;
  progress: ProgressReader;
  senderSlots: readonly number[];
  receiverSlots: readonly number[];
  runStartUs: number;
  /** The ledger is kept: receivers count distinct arrivals (`fresh`). */
  ledger: boolean;
  faults: FaultSession | undefined;
}

const SLOW_EVERY_US = 1_000_000;

export class LiveFeed {
  private slowAtUs = 0;
  private readonly warmupMs: number;
  /** The progress field distinct arrivals must reach for a whole run (accepted; sent at-most-once); null when that does not apply. */
  private readonly expected: 'accepted' | 'sent' | null;
  /** Distinct arrivals are counted only with the ledger, for messages of this run's senders. */
  private readonly distinct: boolean;

  constructor(private readonly metrics: LiveMetrics, plan: Plan, private readonly sources: LiveSources) {
    this.warmupMs = plan.warmupMs;
    // Transactions: what was accepted in a rolled-back batch is not owed to the receivers.
    const whole = plan.senders > 0 && plan.receivers > 0 && plan.transactions === undefined && plan.recvTransactions === undefined;
    this.expected = whole && sources.ledger ? (plan.settle === 'at-most-once' ? 'sent' : 'accepted') : null;
    this.distinct = sources.ledger && plan.senders > 0;
  }

  /** At every coordinator poll. */
  poll(): void {
    const nowUs = monotonicNowUs();
    this.fast(nowUs);
    if (nowUs - this.slowAtUs < SLOW_EVERY_US) return;
    this.slowAtUs = nowUs;
    this.slow(nowUs, Math.floor((nowUs - this.sources.runStartUs) / 1e6));
  }

  /** Once every report is in (before the aggregator is freed): the last figures and the verdict. */
  finish(result: RunResult): void {
    const nowUs = monotonicNowUs();
    this.fast(nowUs);
    // Every second has been reported by now, the last (partial) one included.
    this.slow(nowUs, Math.floor((nowUs - this.sources.runStartUs) / 1e6) + 1);
    const verdict = result.verdict;
    this.metrics.end({
      ok: result.complete && result.checks.every((check) => check.ok),
      ...(verdict ? { verdict: { ok: verdict.ok, counts: verdictCounts(verdict) } } : {}),
    });
  }

  private fast(nowUs: number): void {
    const { progress, senderSlots, receiverSlots, runStartUs } = this.sources;
    const { warmupMs, expected } = this;
    const distinct = this.distinct ? progress.sum('fresh', receiverSlots) : null;
    this.metrics.progress({
      elapsedS: (nowUs - runStartUs) / 1e6,
      warmup: nowUs < runStartUs + warmupMs * 1000,
      sent: progress.sum('sent', senderSlots),
      settled: progress.sum('settled', senderSlots),
      accepted: progress.sum('accepted', senderSlots),
      received: progress.sum('received', receiverSlots),
      distinct,
      expected: expected === null ? null : progress.sum(expected, senderSlots),
      down: progress.sum('down', [...senderSlots, ...receiverSlots]),
    });
  }

  /** `below`: the first second that may still be under way. */
  private slow(nowUs: number, below: number): void {
    const { aggregator, senderSlots, receiverSlots, faults } = this.sources;
    this.metrics.reported(aggregator.reported());
    const second = aggregator.latestComplete(senderSlots.length + receiverSlots.length, below);
    const point = second === undefined ? undefined : aggregator.point(second);
    if (second !== undefined && point !== undefined) this.metrics.second({ t: point.t, counters: point, latency: aggregator.intervalQuantiles(second) });
    this.metrics.cumulative(aggregator.cumulativeQuantiles());
    if (faults) this.metrics.faultsSoFar(faults.injectedSoFar(nowUs));
  }
}

function verdictCounts(verdict: Verdict): Record<string, number | null> {
  return Object.fromEntries(CATEGORIES.map((category) => [category, verdict[category]]));
}
