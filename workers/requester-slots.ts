/**
 * A requester link's outstanding requests and what each reply means, apart
 * from rhea: a ring of slots indexed by correlation id (a request's number,
 * 1, 2, 3, ...), the requests given up, and those a lost connection left in
 * doubt, waiting to go again.
 *
 * Each request ends once: answered (its first matching reply), or
 * unanswered (given up at the timeout, or abandoned at the end). A reply
 * that finds its slot empty is `late` (its request was given up), a
 * `duplicate` (its request was already answered: it was sent again after a
 * lost connection, or the broker delivered it to a responder twice because
 * that responder's connection went before its accept arrived), or
 * `unmatched` (no request of this link had that id). So requests = replies
 * + unanswered, whatever the losses.
 *
 * A slot still held by an old request is not reused (the taker waits for its
 * reply or its timeout), so matching needs one array read, never a map.
 */
import { ResendQueue } from './resend-queue.js';

/** What one reply was: the answer to an outstanding request, or one of three strays. */
export type ReplyKind = 'answered' | 'late' | 'duplicate' | 'unmatched';

/** Given-up correlation ids remembered for `late`, at most this many (a reply later still is unmatched). */
const GIVEN_UP_MEMORY = 100_000;

export class RequesterSlots {
  /** Requests taken and not yet answered, given up or abandoned. */
  outstanding = 0;
  readonly mask: number;
  /** Per slot: its request's correlation id (0: free), when it was (last) sent, when it was due. */
  readonly seqs: Float64Array;
  readonly sentUs: Float64Array;
  readonly intendedUs: Float64Array;
  private readonly givenUp = new Set<number>();
  /** The highest correlation id taken: a reply above it, or below 1, answers no request of this link. */
  private lastTaken = 0;
  private readonly resends = new ResendQueue();

  /** Four slots per request in flight: a slow reply holds its slot without stopping the others. */
  constructor(inFlight: number) {
    let slots = 1;
    while (slots < inFlight * 4) slots *= 2;
    this.mask = slots - 1;
    this.seqs = new Float64Array(slots);
    this.sentUs = new Float64Array(slots);
    this.intendedUs = new Float64Array(slots);
  }

  get size(): number {
    return this.mask + 1;
  }

  /** Whether request `seq` can be taken now (its slot is not held by an older one). */
  isFree(seq: number): boolean {
    return this.seqs[seq & this.mask] === 0;
  }

  /** Request `seq` sent: it holds its slot until answered, given up or abandoned. */
  take(seq: number, sentUs: number, intendedUs: number): void {
    const slot = seq & this.mask;
    this.seqs[slot] = seq;
    this.sentUs[slot] = sentUs;
    this.intendedUs[slot] = intendedUs;
    this.outstanding++;
    if (seq > this.lastTaken) this.lastTaken = seq;
  }

  /** A reply with correlation id `seq` (any number; -1 when it had none): answered frees the slot, read it first. */
  answer(seq: number): ReplyKind {
    if (seq > 0 && this.seqs[seq & this.mask] === seq) {
      this.seqs[seq & this.mask] = 0;
      this.outstanding--;
      return 'answered';
    }
    if (seq <= 0 || seq > this.lastTaken) return 'unmatched';
    // Given up beyond the memory's bound, a late reply reads as a duplicate: both mean "not a reply".
    return this.givenUp.delete(seq) ? 'late' : 'duplicate';
  }

  /** Every request last sent before `limitUs` is given up: `each` is told its number. Returns how many. */
  giveUpSentBefore(limitUs: number, each: (seq: number) => void): number {
    let freed = 0;
    for (let slot = 0; slot <= this.mask; slot++) {
      const seq = this.seqs[slot];
      if (seq === 0 || this.sentUs[slot] > limitUs) continue;
      this.seqs[slot] = 0;
      if (this.givenUp.size < GIVEN_UP_MEMORY) this.givenUp.add(seq);
      each(seq);
      freed++;
    }
    this.outstanding -= freed;
    return freed;
  }

  /**
   * The connection went with requests 1..`lastSeq` sent: every one still outstanding waits to go again, in order.
   * `each` is told those now in doubt (sent on the lost link; one still waiting from an earlier loss was not). Returns
   * how many.
   */
  connectionLost(lastSeq: number, each: (seq: number) => void): number {
    // Fresh requests are taken only once the queue is empty, so what waits in it is every outstanding one from its
    // head on. The queue is refilled in order.
    const queuedFrom = this.resends.waiting > 0 ? this.resends.headSeq() : Number.POSITIVE_INFINITY;
    while (this.resends.waiting > 0) this.resends.drop();
    let inDoubt = 0;
    for (let seq = Math.max(1, lastSeq - this.mask); seq <= lastSeq; seq++) {
      const slot = seq & this.mask;
      if (this.seqs[slot] !== seq) continue;
      this.resends.add(seq, this.intendedUs[slot]);
      if (seq >= queuedFrom) continue;
      each(seq);
      inDoubt++;
    }
    return inDoubt;
  }

  /** How many wait to go again (some may be answered or given up meanwhile: `nextResend` skips those). */
  get resendsWaiting(): number {
    return this.resends.waiting;
  }

  /** The next request to send again, marked as sent at `sentUs`; 0 when none waits. */
  nextResend(sentUs: number): number {
    while (this.resends.waiting > 0) {
      const seq = this.resends.headSeq();
      this.resends.drop();
      const slot = seq & this.mask;
      if (this.seqs[slot] !== seq) continue;
      this.sentUs[slot] = sentUs;
      return seq;
    }
    return 0;
  }

  /** The end: every request still outstanding is unanswered, `each` told its number. Returns how many. */
  abandon(each: (seq: number) => void): number {
    return this.giveUpSentBefore(Number.POSITIVE_INFINITY, each);
  }
}
