/**
 * What workers send the coordinator, as plain data (structured-clone safe).
 *
 * The scheme, chosen so nothing is counted twice whatever the arrival order:
 * - Every second a worker posts an IntervalReport: the counter and histogram
 *   DELTAS of that one interval, tagged with its 0-based index since the run
 *   start and whether it is warm-up. Its last, partial interval is posted the
 *   same way before the task ends.
 * - When its task ends a worker resolves with a FinalReport: its CUMULATIVE
 *   counters and histograms over all non-warm-up intervals. piscina does not
 *   order port messages against task completion, so the final report may
 *   arrive before some interval reports; it is the authority for totals and
 *   latency, and interval reports then only feed the time series.
 */

/**
 * `declare` and `commit`: a sender's transaction declare and discharge round
 * trips (commit or rollback); `recvDeclare` and `recvCommit` the same for
 * receivers that accept inside transactions (--recv-tx-size). `roundTrip`:
 * --pattern rpc, a request sent -> its reply received. `endToEndCrossShard`:
 * end to end of a message sent on one shard (--shards) and received on
 * another, on two hosts' clocks, corrected by their estimated offsets
 * (cross-shard-clock.ts); `endToEnd` keeps the same-shard messages, measured
 * on one monotonic clock.
 */
export type LatencyKind =
  | 'service'
  | 'corrected'
  | 'sendDelay'
  | 'endToEnd'
  | 'endToEndCrossShard'
  | 'declare'
  | 'commit'
  | 'recvDeclare'
  | 'recvCommit'
  | 'roundTrip';

export const LATENCY_KINDS: readonly LatencyKind[] = [
  'service',
  'corrected',
  'sendDelay',
  'endToEnd',
  'endToEndCrossShard',
  'declare',
  'commit',
  'recvDeclare',
  'recvCommit',
  'roundTrip',
];

/** Message outcomes; in an IntervalReport, those of that interval only. */
export interface Counters {
  sent: number;
  accepted: number;
  rejected: number;
  released: number;
  modified: number;
  received: number;
  /**
   * Copies of a message its receiving worker had already seen. A running
   * figure for the per-second series: copies split across workers are found
   * only by the verdict, which counts duplicates exactly over every ledger.
   */
  duplicates: number;
  /**
   * Unsettled when the connection dropped (each time: a message may go in doubt more than once), or when the run ended.
   */
  inDoubt: number;
  /** In-doubt messages sent again after a reconnect, with their old sequence numbers. */
  resent: number;
  /** Connections opened again after a loss. */
  reconnects: number;
  /** Open loop: due by the schedule when sending stopped, never sent (the generator fell behind). */
  unsent: number;
  /**
   * Sender passes (one pass sends up to a batch), and those that stopped short at the in-flight limit or for want of
   * credit.
   */
  passes: number;
  passesInFlightFull: number;
  passesNoCredit: number;
  /** --tx-size: messages in committed and in rolled-back send transactions, and those transactions. */
  committed: number;
  rolledBack: number;
  batchesCommitted: number;
  batchesRolledBack: number;
  /** --recv-tx-size: messages accepted in committed and in rolled-back receive transactions, and those transactions. */
  recvCommitted: number;
  recvRolledBack: number;
  recvBatchesCommitted: number;
  recvBatchesRolledBack: number;
  /**
   * --pattern rpc: requests sent, replies matched to one, replies with an unknown correlation id, replies after their
   * request was given up.
   */
  requests: number;
  replies: number;
  unmatched: number;
  late: number;
  /**
   * --shards: cross-shard end-to-end samples that came out below zero once corrected (the offsets' error is larger
   * than the latency): recorded as 0 in `endToEndCrossShard`, and counted here.
   */
  crossShardNegative: number;
  /** --pattern rpc: requests never answered (given up at --rpc-timeout, or outstanding at the end): requests = replies + unanswered. */
  unanswered: number;
}

export const COUNTER_NAMES: readonly (keyof Counters)[] = [
  'sent',
  'accepted',
  'rejected',
  'released',
  'modified',
  'received',
  'duplicates',
  'inDoubt',
  'resent',
  'reconnects',
  'unsent',
  'passes',
  'passesInFlightFull',
  'passesNoCredit',
  'committed',
  'rolledBack',
  'batchesCommitted',
  'batchesRolledBack',
  'recvCommitted',
  'recvRolledBack',
  'recvBatchesCommitted',
  'recvBatchesRolledBack',
  'requests',
  'replies',
  'unmatched',
  'late',
  'crossShardNegative',
  'unanswered',
];

/** Encoded histograms (encodeHistogram), one per kind the worker records. */
export type EncodedHistograms = Partial<Record<LatencyKind, string>>;

export interface IntervalReport {
  workerId: string;
  /** 0-based second since the run start (intervalIndex). */
  interval: number;
  warmup: boolean;
  counters: Counters;
  histograms: EncodedHistograms;
}

export interface FinalReport {
  workerId: string;
  /** Sums over all the worker's non-warm-up intervals. */
  counters: Counters;
  histograms: EncodedHistograms;
}

export const INTERVAL_MS = 1000;

export function zeroCounters(): Counters {
  return {
    sent: 0,
    accepted: 0,
    rejected: 0,
    released: 0,
    modified: 0,
    received: 0,
    duplicates: 0,
    inDoubt: 0,
    resent: 0,
    reconnects: 0,
    unsent: 0,
    passes: 0,
    passesInFlightFull: 0,
    passesNoCredit: 0,
    committed: 0,
    rolledBack: 0,
    batchesCommitted: 0,
    batchesRolledBack: 0,
    recvCommitted: 0,
    recvRolledBack: 0,
    recvBatchesCommitted: 0,
    recvBatchesRolledBack: 0,
    requests: 0,
    replies: 0,
    unmatched: 0,
    late: 0,
    crossShardNegative: 0,
    unanswered: 0,
  };
}

/** a + b, field by field, as a new object. */
export function addCounters(a: Counters, b: Counters): Counters {
  return {
    sent: a.sent + b.sent,
    accepted: a.accepted + b.accepted,
    rejected: a.rejected + b.rejected,
    released: a.released + b.released,
    modified: a.modified + b.modified,
    received: a.received + b.received,
    duplicates: a.duplicates + b.duplicates,
    inDoubt: a.inDoubt + b.inDoubt,
    resent: a.resent + b.resent,
    reconnects: a.reconnects + b.reconnects,
    unsent: a.unsent + b.unsent,
    passes: a.passes + b.passes,
    passesInFlightFull: a.passesInFlightFull + b.passesInFlightFull,
    passesNoCredit: a.passesNoCredit + b.passesNoCredit,
    committed: a.committed + b.committed,
    rolledBack: a.rolledBack + b.rolledBack,
    batchesCommitted: a.batchesCommitted + b.batchesCommitted,
    batchesRolledBack: a.batchesRolledBack + b.batchesRolledBack,
    recvCommitted: a.recvCommitted + b.recvCommitted,
    recvRolledBack: a.recvRolledBack + b.recvRolledBack,
    recvBatchesCommitted: a.recvBatchesCommitted + b.recvBatchesCommitted,
    recvBatchesRolledBack: a.recvBatchesRolledBack + b.recvBatchesRolledBack,
    requests: a.requests + b.requests,
    replies: a.replies + b.replies,
    unmatched: a.unmatched + b.unmatched,
    late: a.late + b.late,
    crossShardNegative: a.crossShardNegative + b.crossShardNegative,
    unanswered: a.unanswered + b.unanswered,
  };
}

/** The interval a moment belongs to, from ms elapsed since the run start. */
export function intervalIndex(elapsedMs: number): number {
  return Math.floor(Math.max(0, elapsedMs) / INTERVAL_MS);
}
