/**
 * What one receiving link saw, per producer of this run: which sequence
 * numbers arrived (one bit), which arrived more than once (a second bit,
 * empty until the first duplicate), how many copies beyond the second, how
 * many went backwards, came redelivered, or had a body that failed its
 * checksum. Producers map to a small index once, when first seen; per
 * message the hot path does no allocation: a hash of the producer's bytes
 * finds its index, and two bit operations record the arrival.
 */
import { Bitset } from './bitset.js';
import { fnv1a32 } from '../content/body-checksum.js';
import { decodeBits, encodeBits } from './encoding.js';

/** Reorder examples kept per link: (producer index, seq) pairs. */
const REORDER_EXAMPLES = 100;

export interface ProducerArrivalsWire {
  producer: string;
  seen: string;
  /** Seen at least twice on this link. */
  twice: string;
  /** Copies beyond the second. */
  extraCopies: number;
  /** Arrivals below the highest sequence number already seen from this producer. */
  reordered: number;
  /** Arrivals marked by the broker as redelivered (delivery-count > 0 or first-acquirer false). */
  redelivered: number;
  /** Sequence numbers whose body failed its checksum. */
  corrupted: string;
  /** --msg-ttl: sequence numbers received later than their ttl allows (RECEIVED_PAST_TTL_GRACE_US). */
  pastTtl?: string;
}

export interface ReceiverLedgerWire {
  producers: ProducerArrivalsWire[];
  /** This run's messages whose sequence number could not be read. */
  malformed: number;
  /** Up to 100 (producer, seq) arrivals that went backwards. */
  reorderExamples: [string, number][];
  /**
   * --subscriptions: the subscription (0-based) this link consumed for; every subscription is owed every message, so
   * the checker judges each apart (checker.ts). Absent: a queue's consumer.
   */
  subscription?: number;
  /** --msg-ttl: the last arrival's time (µs, this host's clock): the receivers' end, for the checker's expiry test. */
  lastArrivalUs?: number;
}

/**
 * A message counts as received past its ttl only when it came this much later than ttl after it was sent: a broker
 * checks expiry when it hands a message out, and the transfer takes time after that check (measured here: a backlog
 * handed out a credit of 1,000 at once took more than 500 ms to arrive on a host with a load of 10).
 */
export const RECEIVED_PAST_TTL_GRACE_US = 1_000_000;

/**
 * Sequence numbers seen by any link of one receiver worker, per producer:
 * one more bit a message, so that the worker's count of distinct arrivals
 * (the coordinator's drain waits for it) does not count a message twice when
 * the broker redelivers it on another link of the same worker, as it does
 * after a connection is lost.
 */
export class WorkerArrivals {
  private readonly byProducer = new Map<string, Bitset>();

  /** `producers`: the ids this run's senders stamp; null: any producer is one (a receive-only run). */
  constructor(private readonly producers: ReadonlySet<string> | null = null) {}

  /** Whether a first copy from `producer` is a message the senders promised (counted toward the drain). */
  promises(producer: string): boolean {
    return this.producers === null || this.producers.has(producer);
  }

  bitsetFor(producer: string): Bitset {
    let bits = this.byProducer.get(producer);
    if (!bits) this.byProducer.set(producer, (bits = new Bitset()));
    return bits;
  }
}

class ProducerArrivals {
  readonly seen = new Bitset();
  readonly twice = new Bitset();
  readonly corrupted = new Bitset();
  readonly pastTtl = new Bitset();
  /**
   * Recorded from a receive transaction whose commit went unanswered: one later copy is the same message, not a
   * duplicate.
   */
  readonly inDoubt = new Bitset();
  inDoubtCount = 0;
  extraCopies = 0;
  highest = 0;
  reordered = 0;
  redelivered = 0;

  constructor(
    readonly producer: string,
    readonly key: Buffer,
    readonly workerSeen: Bitset | null,
    readonly promised: boolean,
  ) {}
}

export class ReceiverLedger {
  private readonly producers: ProducerArrivals[] = [];
  /** Producer-bytes hash -> index; a collision falls back to the string map. */
  private readonly byHash = new Map<number, number>();
  private readonly byName = new Map<string, number>();
  private readonly reorderExamples: number[] = [];
  malformed = 0;
  /** --msg-ttl: the last arrival (µs); 0 while none, or without a ttl. */
  lastArrivalUs = 0;
  /** Copies of a message already seen here, as they come (per-second figures read its growth). */
  repeats = 0;

  constructor(
    private readonly worker: WorkerArrivals | null = null,
    /** --subscriptions: the subscription this link consumes for (0-based); undefined: a queue. */
    private readonly subscription?: number,
  ) {}

  /** The last producer found: a link's messages mostly come from a few producers in runs. */
  private lastIndex = -1;

  /** The index of the producer whose id is bytes[start, end): a lookup, allocating only for a new producer. */
  producerIndex(bytes: Buffer, start: number, end: number): number {
    if (this.lastIndex >= 0 && sameBytes(this.producers[this.lastIndex].key, bytes, start, end)) return this.lastIndex;
    const hash = fnv1a32(bytes, start, end);
    const index = this.byHash.get(hash);
    if (index !== undefined && sameBytes(this.producers[index].key, bytes, start, end)) return (this.lastIndex = index);
    return (this.lastIndex = this.slowIndex(bytes.toString('utf8', start, end), hash, index === undefined));
  }

  /** The producer id behind an index producerIndex() gave. */
  producerName(index: number): string {
    return this.producers[index].producer;
  }

  /**
   * One arrival; true when it is the first copy this link saw, and with
   * WorkerArrivals the first its worker saw, of a message this run's
   * senders sent (for the coordinator's drain, which waits for distinct
   * promised messages; an unexpected producer's is recorded, never counted).
   */
  record(index: number, seq: number, redelivered: boolean, corrupted: boolean): boolean {
    const p = this.producers[index];
    // The copy a commit in doubt may have left on the broker: it is absorbed, once.
    if (p.inDoubtCount > 0 && p.inDoubt.has(seq)) {
      p.inDoubt.clear(seq);
      p.inDoubtCount--;
      return false;
    }
    if (redelivered) p.redelivered++;
    if (corrupted) p.corrupted.set(seq);
    if (seq < p.highest) {
      p.reordered++;
      if (this.reorderExamples.length < REORDER_EXAMPLES * 2) this.reorderExamples.push(index, seq);
    } else p.highest = seq;
    if (!p.seen.testAndSet(seq)) {
      if (!p.promised) return false;
      if (p.workerSeen === null || !p.workerSeen.testAndSet(seq)) return true;
      // Another link of this worker had it first.
      this.repeats++;
      return false;
    }
    this.repeats++;
    if (p.twice.testAndSet(seq)) p.extraCopies++;
    return false;
  }

  /** --msg-ttl: this arrival came later than its ttl allows; also the latest arrival so far. */
  arrivedAt(index: number, seq: number, nowUs: number, pastTtl: boolean): void {
    this.lastArrivalUs = nowUs;
    if (pastTtl) this.producers[index].pastTtl.set(seq);
  }

  /**
   * An arrival whose receive transaction's commit went unanswered (the
   * connection went): recorded as received, since the commit most likely
   * happened; if it did not, the broker delivers the message again and that
   * one copy is not counted twice.
   */
  recordInDoubt(index: number, seq: number, corrupted: boolean): boolean {
    const fresh = this.record(index, seq, false, corrupted);
    const p = this.producers[index];
    if (!p.inDoubt.testAndSet(seq)) p.inDoubtCount++;
    return fresh;
  }

  /** Bits held by every bitset, for memory figures. */
  get capacityBits(): number {
    return this.producers.reduce(
      (sum, p) => sum + p.seen.capacityBits + p.twice.capacityBits + p.corrupted.capacityBits,
      0,
    );
  }

  toWire(): ReceiverLedgerWire {
    const examples: [string, number][] = [];
    for (let i = 0; i < this.reorderExamples.length; i += 2)
      examples.push([this.producers[this.reorderExamples[i]].producer, this.reorderExamples[i + 1]]);
    return {
      producers: this.producers.map((p) => ({
        producer: p.producer,
        seen: encodeBits(p.seen),
        twice: encodeBits(p.twice),
        extraCopies: p.extraCopies,
        reordered: p.reordered,
        redelivered: p.redelivered,
        corrupted: encodeBits(p.corrupted),
        ...(p.pastTtl.count() > 0 ? { pastTtl: encodeBits(p.pastTtl) } : {}),
      })),
      malformed: this.malformed,
      reorderExamples: examples,
      ...(this.subscription !== undefined ? { subscription: this.subscription } : {}),
      ...(this.lastArrivalUs > 0 ? { lastArrivalUs: this.lastArrivalUs } : {}),
    };
  }

  private slowIndex(producer: string, hash: number, hashFree: boolean): number {
    const known = this.byName.get(producer);
    if (known !== undefined) return known;
    const index = this.producers.length;
    const promised = this.worker?.promises(producer) ?? true;
    this.producers.push(
      new ProducerArrivals(producer, Buffer.from(producer, 'utf8'), this.worker?.bitsetFor(producer) ?? null, promised),
    );
    this.byName.set(producer, index);
    if (hashFree) this.byHash.set(hash, index);
    return index;
  }
}

/** A loop, not Buffer#compare: for ids of a few dozen bytes the native call costs more than the comparison. */
function sameBytes(key: Buffer, bytes: Buffer, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key[i] !== bytes[start + i]) return false;
  return true;
}

/** A receiver ledger's producer decoded for the checker. */
export interface ArrivalRecord {
  producer: string;
  seen: Bitset;
  twice: Bitset;
  extraCopies: number;
  reordered: number;
  redelivered: number;
  corrupted: Bitset;
  pastTtl: Bitset;
}

export function decodeArrivals(wire: ProducerArrivalsWire): ArrivalRecord {
  return {
    ...wire,
    seen: decodeBits(wire.seen),
    twice: decodeBits(wire.twice),
    corrupted: decodeBits(wire.corrupted),
    pastTtl: decodeBits(wire.pastTtl ?? ''),
  };
}
