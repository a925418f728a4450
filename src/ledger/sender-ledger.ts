/**
 * What one producer (a sending link) knows about each of its sequence
 * numbers. Sequence numbers go out in order, 1..n, once for the whole run
 * (a resend after a reconnect keeps its number), so "attempted" is the
 * highest number sent; every other category is a bitset, empty (no memory)
 * until its first use.
 *
 * A transactional producer (--tx-size N) also knows each batch's fate: its
 * numbers go into `committed` or `rolledBack` when the discharge's outcome
 * comes (a batch lost with its connection is rolled back; one whose commit
 * was unanswered is in doubt, in neither). Batches are ranges of N numbers
 * (batches.ts), so no per-batch record is kept.
 */
import { Bitset } from './bitset.js';
import { decodeBits, encodeBits } from './encoding.js';

/** A producer's ledger as it travels (structured clone, JSON-able). */
export interface SenderLedgerWire {
  producer: string;
  /** Sequence numbers 1..attempted were sent at least once. */
  attempted: number;
  accepted: string;
  /** Rejected, released or modified. */
  failed: string;
  /** Unsettled when the connection or link went away, or when the run ended. */
  inDoubt: string;
  resent: string;
  /** --tx-size N: N; 0 for a producer that sends outside transactions. */
  batchSize: number;
  committed: string;
  rolledBack: string;
  /** --msg-ttl: the header ttl every message carried, with when each stretch of numbers was sent (SendTimes). */
  ttl?: SendTimesWire;
  /** --msg-priority: fresh messages sent with each priority 0-9. */
  priorities?: number[];
}

/**
 * When sequence numbers were sent, to the second: `marks` is pairs (first seq of a pass, its send time µs), at most
 * one a second, and `lastSentUs` the last pass's time. Every number from one mark's seq to the next's was sent at or
 * before the next mark's time, so the checker knows, for any number, a time by which it was sent.
 */
export interface SendTimesWire {
  ttlMs: number;
  marks: number[];
  lastSentUs: number;
}

/** At most one mark a second: a run of an hour keeps 7,200 numbers. */
const MARK_EVERY_US = 1_000_000;

/** A producer's send times, one mark a second: what the checker needs to call a missing message expired. */
export class SendTimes {
  private readonly marks: number[] = [];
  private nextMarkUs = 0;
  private lastSentUs = 0;

  constructor(readonly ttlMs: number) {}

  /** A pass begins at `nowUs` with fresh number `firstSeq`: once per pass, never per message. */
  pass(firstSeq: number, nowUs: number): void {
    this.lastSentUs = nowUs;
    if (nowUs < this.nextMarkUs) return;
    this.marks.push(firstSeq, nowUs);
    this.nextMarkUs = nowUs + MARK_EVERY_US;
  }

  toWire(): SendTimesWire {
    return { ttlMs: this.ttlMs, marks: [...this.marks], lastSentUs: this.lastSentUs };
  }
}

/**
 * The latest time (µs) by which each of `seqs` (ascending) was sent, from the marks: the next mark's time, or the last
 * pass's for the last stretch. A number before the first mark has the first mark's time.
 */
export function sentByUs(times: SendTimesWire, seq: number, from = 0): { us: number; at: number } {
  const m = times.marks;
  let at = from;
  while (at + 2 < m.length && m[at + 2] <= seq) at += 2;
  const us = at + 2 < m.length ? m[at + 3] : times.lastSentUs;
  return { us, at };
}

export class SenderLedger {
  attempted = 0;
  readonly accepted = new Bitset();
  readonly failed = new Bitset();
  readonly inDoubt = new Bitset();
  readonly resent = new Bitset();
  readonly committed = new Bitset();
  readonly rolledBack = new Bitset();
  /** --msg-ttl: when numbers were sent; null without a ttl. */
  times: SendTimes | null = null;
  /** --msg-priority: fresh messages per priority; null without one. */
  priorities: Float64Array | null = null;

  constructor(
    readonly producer: string,
    /** Messages per send transaction; 0: none. */
    readonly batchSize = 0,
  ) {}

  sent(seq: number): void {
    if (seq > this.attempted) this.attempted = seq;
  }

  settledAccepted(seq: number): void {
    this.accepted.set(seq);
  }

  /** Rejected, released or modified. */
  settledFailed(seq: number): void {
    this.failed.set(seq);
  }

  /** The connection or link went away (or the run ended) before the outcome came. */
  lostTrack(seq: number): void {
    this.inDoubt.set(seq);
  }

  /** Sent again with the same number (after a reconnect). */
  sentAgain(seq: number): void {
    this.resent.set(seq);
  }

  /** Sequence numbers `from..to` were committed (a discharge with fail=false was accepted). */
  batchCommitted(from: number, to: number): void {
    for (let seq = from; seq <= to; seq++) this.committed.set(seq);
  }

  /** Sequence numbers `from..to` were rolled back (on purpose, or with their connection). */
  batchRolledBack(from: number, to: number): void {
    for (let seq = from; seq <= to; seq++) this.rolledBack.set(seq);
  }

  toWire(): SenderLedgerWire {
    return {
      producer: this.producer,
      attempted: this.attempted,
      accepted: encodeBits(this.accepted),
      failed: encodeBits(this.failed),
      inDoubt: encodeBits(this.inDoubt),
      resent: encodeBits(this.resent),
      batchSize: this.batchSize,
      committed: encodeBits(this.committed),
      rolledBack: encodeBits(this.rolledBack),
      ...(this.times ? { ttl: this.times.toWire() } : {}),
      ...(this.priorities ? { priorities: Array.from(this.priorities) } : {}),
    };
  }
}

/** A sender ledger decoded for the checker. */
export interface SenderRecord {
  producer: string;
  attempted: number;
  accepted: Bitset;
  failed: Bitset;
  inDoubt: Bitset;
  resent: Bitset;
  batchSize: number;
  committed: Bitset;
  rolledBack: Bitset;
  ttl?: SendTimesWire;
  priorities?: number[];
}

export function decodeSenderLedger(wire: SenderLedgerWire): SenderRecord {
  return {
    producer: wire.producer,
    attempted: wire.attempted,
    accepted: decodeBits(wire.accepted),
    failed: decodeBits(wire.failed),
    inDoubt: decodeBits(wire.inDoubt),
    resent: decodeBits(wire.resent),
    batchSize: wire.batchSize ?? 0,
    committed: decodeBits(wire.committed ?? ''),
    rolledBack: decodeBits(wire.rolledBack ?? ''),
    ...(wire.ttl ? { ttl: wire.ttl } : {}),
    ...(wire.priorities ? { priorities: wire.priorities } : {}),
  };
}
