/**
 * The verdict of DESIGN.md's ledger table, and which categories fail which
 * mode. A category is null when the run cannot tell (no sender ledger in a
 * receive-only run, no receiver ledger in a send-only run): "not checked",
 * never a vacuous pass or a false failure.
 */
import type { SelectionCounts } from './selection.js';

export type LedgerMode = 'at-least-once' | 'at-most-once' | 'transactional';

export const CATEGORIES = [
  'lost',
  'unexpected',
  'duplicated',
  'corrupted',
  'recovered',
  'reordered',
  'inDoubt',
  'resent',
  'redelivered',
  'ghost',
  'partialBatch',
  'expired',
  'receivedExpired',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Categories that fail a run of each mode; corrupted and unexpected fail every mode. */
export const FAILS: Record<LedgerMode, readonly Category[]> = {
  'at-least-once': ['lost', 'unexpected', 'corrupted'],
  'at-most-once': ['duplicated', 'unexpected', 'corrupted'],
  transactional: ['lost', 'duplicated', 'ghost', 'partialBatch', 'unexpected', 'corrupted'],
};

/** Categories only a transactional run has; null (not checked) in the other modes. */
export const TRANSACTIONAL_ONLY: readonly Category[] = ['ghost', 'partialBatch'];

/** Categories only a run with --msg-ttl has; null (not checked) without one. Neither fails a run: see Verdict. */
export const TTL_ONLY: readonly Category[] = ['expired', 'receivedExpired'];

export const MAX_EXAMPLES = 100;

export interface MessageRef {
  producer: string;
  seq: number;
}

export interface Verdict {
  mode: LedgerMode;
  /** false: a failing category is above 0; true: every failing category was checked and is 0; null: not checked. */
  ok: boolean | null;
  /** Which sides had a ledger. */
  checked: { senders: boolean; receivers: boolean };
  /** Categories that failed the run. */
  failed: Category[];
  /** Distinct (producer, seq) sent at least once; null without sender ledgers. */
  attempted: number | null;
  /** Distinct (producer, seq) received at least once; null without receiver ledgers. */
  received: number | null;
  /** Accepted (at-most-once: sent; transactional: committed) and never received. */
  lost: number | null;
  /**
   * Received, never sent: an unknown producer of this run, a sequence number beyond what its producer sent, or
   * unreadable.
   */
  unexpected: number | null;
  /** Received more than once (on one receiver or over several). */
  duplicated: number | null;
  /**
   * Copies received beyond each message's first, over every receiver: with duplicates only (a message that came
   * three times is one duplicated, two extra copies), so that `duplicated` is read as messages, not copies.
   */
  extraCopies?: number;
  /** Body failed its checksum. */
  corrupted: number | null;
  /** In doubt or failed (rejected, released, modified), yet received. */
  recovered: number | null;
  /** Arrivals below a sequence number already seen from the same producer on the same link. */
  reordered: number | null;
  inDoubt: number | null;
  resent: number | null;
  /** Copies the broker marked as redelivered (counted apart from resends). */
  redelivered: number | null;
  /** Transactional: sent in a rolled-back transaction (and never committed), yet received. */
  ghost: number | null;
  /**
   * Transactional: committed batches of which some messages arrived and some did not (counted in batches; an example is
   * a missing message).
   */
  partialBatch: number | null;
  /**
   * --msg-ttl: accepted, never received, and certainly past its ttl before the receivers' last arrival (the time by
   * which its sender had sent it, plus the ttl, is at or before that arrival): a broker that honours ttl may have
   * discarded it, so it is not counted lost. A missing message whose ttl had not passed by then is lost as before.
   * Absent or null without a ttl.
   */
  expired?: number | null;
  /**
   * --msg-ttl: received more than ttl (plus RECEIVED_PAST_TTL_GRACE_US) after it was sent: evidence that the broker
   * does not honour ttl. Reported, not failing (AMQP leaves honouring it to the broker); `salvo verify` judges it.
   */
  receivedExpired?: number | null;
  /** --msg-priority: fresh messages sent with each priority 0-9, over every producer. */
  sentByPriority?: number[];
  /**
   * The run was interrupted and not drained (src/ledger/checker.ts): lost and partialBatch are not checked, and what
   * was promised but had not arrived is `unconfirmed` instead. Absent on a complete run's verdict.
   */
  partial?: true;
  /** Partial verdicts: accepted (at-most-once: sent; transactional: committed) and arrived. */
  confirmed?: number | null;
  /** Partial verdicts: accepted (at-most-once: sent; transactional: committed) and not arrived when the run stopped. */
  unconfirmed?: number | null;
  /** Up to 100 (producer, seq) per category. */
  examples: Partial<Record<Category, MessageRef[]>>;
  /** --recv-selector runs with both sides' ledgers: what the selector let through (src/ledger/selection.ts). */
  selection?: SelectionCounts;
  /**
   * --subscriptions: each subscription's own counts (the categories above are their sums); absent for a queue's
   * consumers.
   */
  subscriptions?: SubscriptionCounts[];
}

/** One subscription's share of a verdict: every promised message was owed to it. */
export interface SubscriptionCounts {
  /** 0-based; summaries count from 1. */
  subscription: number;
  received: number | null;
  lost: number | null;
  duplicated: number | null;
  reordered: number | null;
  ok: boolean | null;
}

export type Counts = Record<Category, number | null>;

/** ok and failed from the counts, by the mode's rule. */
export function judge(mode: LedgerMode, counts: Counts): Pick<Verdict, 'ok' | 'failed'> {
  const failing = FAILS[mode];
  const failed = failing.filter((c) => (counts[c] ?? 0) > 0);
  if (failed.length > 0) return { ok: false, failed };
  return { ok: failing.every((c) => counts[c] !== null) ? true : null, failed };
}
