/**
 * When the run loop stops waiting: while senders send, whether the run is
 * stalled; then whether receivers have drained or the drain timed out. Pure
 * apart from the clock it is given, so that every rule is tested by moving
 * time by hand.
 */
import { SalvoError } from '../errors.js';
import type { Plan } from '../plan/index.js';
import type { Clock } from '../timing/clock.js';

/** The shared progress counters summed at one poll: senders' fields over their slots, receivers' over theirs. */
export interface ProgressTotals {
  sent: number;
  settled: number;
  accepted: number;
  /** Accepted messages --recv-selector matches. */
  matching: number;
  received: number;
  /** Arrivals the receivers' ledgers had not seen before. */
  fresh: number;
  /** Fresh arrivals --recv-selector matches. */
  selected: number;
  /** Workers (either role) whose connection is down and being reopened. */
  down: number;
}

/** The receivers' counter the drain waits on. */
export type ArrivalField = 'received' | 'fresh' | 'selected';

export interface DrainRules {
  /** No send and no outcome for this long is a stall (stuckAfterMs). */
  stuckMs: number;
  drainTimeoutMs: number;
  senders: number;
  receivers: number;
  /** What the drain counts once senders are done. */
  arrivalField: ArrivalField;
  /** What the receivers are owed: the senders' counter (with senders), or --count (receive-only; null: no bound). */
  owed: { field: 'accepted' | 'sent' | 'matching' } | { count: number | null };
  /** --tx-size: a rolled-back batch's message that arrives anyway (a ghost) is fresh too. */
  ghostsPossible: boolean;
  /**
   * --subscriptions: how many times each owed message is owed (once per subscription; receivers count distinct
   * arrivals per subscription); 1 for a queue. Absent: 1.
   */
  fanOut?: number;
  /** Receive-only with --duration: the drain ends this long after the start, like a count would end it. */
  receiveOnlyForMs: number | null;
  /**
   * A shard (--shards): its receivers take other shards' messages and it cannot know what their senders got
   * accepted, so it drains until arrivals have been quiet for the drain timeout, and that is how it ends, not a problem.
   */
  untilQuiet: boolean;
  /**
   * At-most-once: what the senders sent is a bound, not a debt. A pre-settled message lost in flight (a reset, a
   * broker that drops) never comes, and salvo's senders cannot know which did; once they are done and every
   * connection is up, a broker that still holds one for a receiver with credit hands it over at once. So the drain
   * ends when arrivals have been quiet for a moment, and the verdict reports the losses (allowed in this mode).
   */
  sentIsBound: boolean;
  /**
   * Slow consumers (--recv-rate, --recv-delay): arrivals go on as long as the backlog lasts, so a drain that waits
   * for quiet could wait for hours. It ends this long after it began, at the latest, and what had not arrived is
   * reported as a backlog left on the broker, not as lost. Null: no such bound.
   */
  slowConsumerBoundMs: number | null;
  /**
   * --msg-ttl: a broker that honours ttl discards what waited too long, so those messages never come. As at most once,
   * the drain ends when arrivals have been quiet for a moment with every connection up (the receivers had credit: a
   * message still queued would have come); the checker then tells expired from lost (src/ledger/checker.ts).
   */
  ttlBound?: boolean;
  /** --recv-start-after: receivers take nothing before this long after the start; quiet counts from then. */
  recvStartAfterMs?: number;
}

export type SendingDecision = { kind: 'sending' } | { kind: 'stalled'; error: SalvoError };
/** `undrained`: slow consumers left this many owed messages on the broker when the drain's bound came. */
export type DrainDecision =
  | { kind: 'waiting' }
  | { kind: 'drained' }
  | { kind: 'timed-out'; problem?: string; undrained?: number };

/** Beyond the senders' own bound on waiting for outcomes, before the coordinator calls the run stuck. */
const OUTSTANDING_GRACE_MS = 1000;
/** With several receiver workers and duplicates: how long receipts must be quiet before the drain ends at the count. */
const DUPLICATE_QUIET_MS = 1_000;
/** At-most-once: how long arrivals must be quiet, every connection up, before nothing more can come. */
const AT_MOST_ONCE_QUIET_MS = 2_000;

/**
 * How long senders may neither send nor see an outcome before the run is
 * stuck: the drain timeout; open loop, at least two of a link's gaps between
 * due sends, so that a slow schedule is never taken for a broker that grants
 * no credit.
 */
export function stuckAfterMs(plan: Plan): number {
  // A blackhole stops everything on purpose for its length: that is not a stuck broker.
  const timed = plan.faults?.spec.timed ?? [];
  const blackholes = timed.map((fault) => (fault.kind === 'blackhole' ? fault.durationMs : 0));
  const blackholeMs = Math.max(0, ...blackholes);
  if (plan.rateHz === null) return plan.drainTimeoutMs + blackholeMs;
  const links = plan.senders * plan.connections * plan.links;
  return Math.max(plan.drainTimeoutMs, (2 * links * 1000) / plan.rateHz) + blackholeMs;
}

export function drainRules(plan: Plan, ledger: boolean): DrainRules {
  const selector = plan.recvSelector !== undefined;
  return {
    stuckMs: stuckAfterMs(plan),
    drainTimeoutMs: plan.drainTimeoutMs,
    senders: plan.senders,
    receivers: plan.receivers,
    // With the ledger, receivers count distinct arrivals: a duplicate must not end the drain before the last original.
    // With a selector, distinct matching ones: a broker that ignores it must not end the drain
    // with messages never promised.
    arrivalField: !ledger || plan.senders === 0 ? 'received' : selector ? 'selected' : 'fresh',
    owed:
      plan.shards !== undefined
        ? { count: null }
        : plan.senders === 0
          ? { count: plan.count }
          : { field: selector ? 'matching' : plan.settle === 'at-most-once' ? 'sent' : 'accepted' },
    ghostsPossible: plan.transactions !== undefined,
    fanOut: plan.topic?.subscriptions ?? 1,
    receiveOnlyForMs: plan.senders === 0 ? plan.durationMs : null,
    untilQuiet: plan.shards !== undefined,
    sentIsBound: plan.settle === 'at-most-once' && plan.senders > 0 && !selector && plan.shards === undefined,
    slowConsumerBoundMs: plan.recvRateHz !== undefined || plan.recvDelayMs !== undefined ? plan.drainTimeoutMs : null,
    ttlBound: plan.msgTtlMs !== undefined && plan.senders > 0 && plan.shards === undefined,
    recvStartAfterMs: plan.recvStartAfterMs ?? 0,
  };
}

export class DrainPolicy {
  /** What the receivers are counted by: all receipts while senders send, then `rules.arrivalField`. */
  private field: ArrivalField = 'received';
  private lastArrived = 0;
  private lastArrivalUs = 0;
  private lastSampleUs = 0;
  private lastMoved = -1;
  private lastMovedUs: number;
  private expected = Number.POSITIVE_INFINITY;
  private stopAtUs = Number.POSITIVE_INFINITY;
  private drainStartUs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly rules: DrainRules,
    private readonly clock: Clock,
    private readonly runStartUs: number,
  ) {
    this.lastMovedUs = clock.nowUs();
  }

  /** Arrivals as the drain counts them, at the last decision (what the progress line shows). */
  get arrived(): number {
    return this.lastArrived;
  }

  /** Senders end by themselves; a run in which nothing is sent or settled for too long is stuck. */
  whileSending(totals: ProgressTotals): SendingDecision {
    const nowUs = this.clock.nowUs();
    this.noteArrivals(totals, nowUs);
    const { sent, settled } = totals;
    // With outcomes outstanding the senders bound their own wait (up to two drain timeouts
    // after the last outcome, then the rest is in doubt): give them that, plus a margin.
    const limitMs = sent > settled ? 2 * this.rules.stuckMs + OUTSTANDING_GRACE_MS : this.rules.stuckMs;
    this.lastMovedUs += this.outageSinceLastSample(totals, nowUs);
    if (sent + settled !== this.lastMoved) {
      this.lastMoved = sent + settled;
      this.lastMovedUs = nowUs;
    } else if (nowUs - this.lastMovedUs > limitMs * 1000) {
      const why = `no progress for ${limitMs / 1000} s: the broker grants no credit or settles nothing`;
      return { kind: 'stalled', error: new SalvoError('refused', `${why} (sent ${sent}, settled ${settled})`) };
    }
    return { kind: 'sending' };
  }

  /** Senders are done: from now on the drain counts its own field, towards what the senders got accepted. */
  beginDrain(totals: ProgressTotals): void {
    const { owed, receiveOnlyForMs } = this.rules;
    this.field = this.rules.arrivalField;
    this.expected =
      'field' in owed ? totals[owed.field] * (this.rules.fanOut ?? 1) : (owed.count ?? Number.POSITIVE_INFINITY);
    const receiversStartUs = this.runStartUs + (this.rules.recvStartAfterMs ?? 0) * 1000;
    this.lastArrivalUs = Math.max(this.lastArrivalUs, this.clock.nowUs(), receiversStartUs);
    this.drainStartUs = Math.max(this.clock.nowUs(), receiversStartUs);
    if (receiveOnlyForMs !== null) this.stopAtUs = this.runStartUs + receiveOnlyForMs * 1000;
  }

  /**
   * Receivers stop when they have every message the senders got accepted
   * (sent, for at-most-once), at the count when only receiving, or when no
   * message arrived for the drain timeout (at-most-once: for a quiet moment
   * with every connection up, see `sentIsBound`).
   */
  whileDraining(totals: ProgressTotals): DrainDecision {
    const nowUs = this.clock.nowUs();
    this.noteArrivals(totals, nowUs);
    if (nowUs >= this.stopAtUs || (this.lastArrived >= this.expected && !this.mayHaveCountedTwice(totals, nowUs))) {
      return { kind: 'drained' };
    }
    const outageUs = this.outageSinceLastSample(totals, nowUs);
    this.lastArrivalUs += outageUs;
    this.drainStartUs += outageUs;
    const { drainTimeoutMs, senders, sentIsBound, slowConsumerBoundMs, ttlBound } = this.rules;
    if (slowConsumerBoundMs !== null && senders > 0 && nowUs - this.drainStartUs > slowConsumerBoundMs * 1000)
      return this.backlogLeft(slowConsumerBoundMs);
    const quietUs = nowUs - this.lastArrivalUs;
    // Connections down stop the clock above; at-most-once, quiet with all up means nothing more can come.
    if (
      (sentIsBound || ttlBound) &&
      totals.down === 0 &&
      quietUs >= Math.min(AT_MOST_ONCE_QUIET_MS, drainTimeoutMs) * 1000
    )
      return { kind: 'drained' };
    if (quietUs <= drainTimeoutMs * 1000) return { kind: 'waiting' };
    // Receive-only, running out of messages is how the run ends: nothing was owed.
    if (senders === 0 || this.rules.untilQuiet) return { kind: 'timed-out' };
    const missing = this.expected - this.lastArrived;
    const problem = `drain timeout: ${missing} messages did not arrive within ${drainTimeoutMs / 1000} s`;
    return { kind: 'timed-out', problem };
  }

  /** Slow consumers had not caught up by the drain's bound: a backlog left on the broker, said so, not lost. */
  private backlogLeft(boundMs: number): DrainDecision {
    const undrained = Math.max(0, this.expected - this.lastArrived);
    const problem =
      `backlog not drained: ${undrained} messages were still queued for the slow consumers when the drain ` +
      `time-out (${boundMs / 1000} s) ended; not judged lost (a longer --drain-timeout lets them drain)`;
    return { kind: 'timed-out', problem, undrained };
  }

  private noteArrivals(totals: ProgressTotals, nowUs: number): void {
    const arrived = totals[this.field];
    if (arrived === this.lastArrived) return;
    this.lastArrived = arrived;
    this.lastArrivalUs = nowUs;
  }

  /**
   * Distinct arrivals are counted per receiver worker: with several, a
   * message the broker redelivered to another worker counts in both, and
   * the count can be reached early. Then the drain goes on until receipts
   * have been quiet for a moment, so that a late original is not called lost.
   */
  private mayHaveCountedTwice(totals: ProgressTotals, nowUs: number): boolean {
    const { ghostsPossible, receivers, drainTimeoutMs } = this.rules;
    if (this.field === 'received' || (receivers < 2 && !ghostsPossible)) return false;
    if (!ghostsPossible && totals.received <= totals.fresh) return false;
    return nowUs - this.lastArrivalUs < Math.min(DUPLICATE_QUIET_MS, drainTimeoutMs) * 1000;
  }

  /**
   * Time since the last sample during which some worker's connection was
   * down (sampled now): the stall and drain clocks stop for it, since
   * reconnecting is not a stall and each worker bounds its own outage
   * (--reconnect-give-up); under frequent resets they still run between outages.
   */
  private outageSinceLastSample(totals: ProgressTotals, nowUs: number): number {
    const sinceUs = this.lastSampleUs > 0 ? nowUs - this.lastSampleUs : 0;
    this.lastSampleUs = nowUs;
    return totals.down > 0 ? sinceUs : 0;
  }
}
