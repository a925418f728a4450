/**
 * What one producer (a sending link) knows about each of its sequence
 * numbers. Sequence numbers go out in order, 1..n, once for the whole run
 * (a resend after a reconnect keeps its number), so "attempted" is the
 * highest number sent; every other category is a bitset, empty (no memory)
 * until its first use.
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
}

export class SenderLedger {
  attempted = 0;
  readonly accepted = new Bitset();
  readonly failed = new Bitset();
  readonly inDoubt = new Bitset();
  readonly resent = new Bitset();

  constructor(readonly producer: string) {}

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

  toWire(): SenderLedgerWire {
    return {
      producer: this.producer,
      attempted: this.attempted,
      accepted: encodeBits(this.accepted),
      failed: encodeBits(this.failed),
      inDoubt: encodeBits(this.inDoubt),
      resent: encodeBits(this.resent),
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
}

export function decodeSenderLedger(wire: SenderLedgerWire): SenderRecord {
  return {
    producer: wire.producer,
    attempted: wire.attempted,
    accepted: decodeBits(wire.accepted),
    failed: decodeBits(wire.failed),
    inDoubt: decodeBits(wire.inDoubt),
    resent: decodeBits(wire.resent),
  };
}
