/**
 * A producer link's send slots, indexed by attempt (a delivery handed to
 * rhea; `attempt & mask`): when each went, when it was due, and which
 * sequence number it carries until its outcome. A slot remembers its number
 * so that a resend after a reconnect can carry an old one, and so that a lost
 * connection knows what to send again.
 *
 * There are more slots than may be in flight (the in-flight limit plus one
 * pass), so a slot is never reused while its delivery is unsettled. Typed
 * arrays, written and read per message with no allocation.
 */

/** Delivery tags by slot, shared by every link of the thread: a tag need only be unique among one link's unsettled. */
const sharedTags: Buffer[] = [];

export class SendSlots {
  private readonly sentUs: Float64Array;
  private readonly intendedUs: Float64Array;
  /** Sequence number each slot carries while it waits for its outcome; 0 once settled (unsettled sends only). */
  private readonly seqs: Float64Array;
  /** Delivery tags by slot, unique among the unsettled: there are more slots than may be in flight. */
  readonly tags: readonly Buffer[];
  private readonly mask: number;

  /**
   * `keepSeqs`: unsettled sends always keep their numbers (a presettled link has no outcome to wait for).
   * `ownTags`: a marked tag carries its transaction's state, so a transactional link's tags are its own.
   */
  constructor(
    maxInFlight: number,
    batch: number,
    private readonly keepSeqs: boolean,
    ownTags: boolean,
  ) {
    const slots = nextPowerOfTwo(maxInFlight + batch);
    this.sentUs = new Float64Array(slots);
    this.intendedUs = new Float64Array(slots);
    this.seqs = new Float64Array(keepSeqs ? slots : 0);
    for (let i = sharedTags.length; i < slots; i++) sharedTags.push(Buffer.from(i.toString(16)));
    this.tags = ownTags ? Array.from({ length: slots }, (_, i) => Buffer.from(i.toString(16))) : sharedTags;
    this.mask = slots - 1;
  }

  /** Attempt `attempt` carries `seq`, sent at `sentUs` and due at `intendedUs`; returns its slot. */
  record(attempt: number, seq: number, sentUs: number, intendedUs: number): number {
    const slot = attempt & this.mask;
    this.sentUs[slot] = sentUs;
    this.intendedUs[slot] = intendedUs;
    if (this.keepSeqs) this.seqs[slot] = seq;
    return slot;
  }

  /** The slot of attempt `attempt`. */
  slotOf(attempt: number): number {
    return attempt & this.mask;
  }

  /** The outcome of the send in `slot` came: its sequence number, the slot freed. */
  settle(slot: number): number {
    const seq = this.seqs[slot];
    this.seqs[slot] = 0;
    return seq;
  }

  sentUsOf(slot: number): number {
    return this.sentUs[slot];
  }

  intendedUsOf(slot: number): number {
    return this.intendedUs[slot];
  }

  /**
   * Every send still pending among the first `attempts` is given up on:
   * handed to `each` with its intended time, its slot freed. In-flight is
   * bounded below the slot count, so every pending slot lies among the last
   * `slots` attempts. Returns how many.
   */
  releasePending(attempts: number, each: (seq: number, intendedUs: number) => void): number {
    const slots = this.mask + 1;
    let n = 0;
    for (let id = Math.max(0, attempts - slots); id < attempts; id++) {
      const slot = id & this.mask;
      const seq = this.seqs[slot];
      if (seq === 0) continue;
      this.seqs[slot] = 0;
      each(seq, this.intendedUs[slot]);
      n++;
    }
    return n;
  }

  /** Every slot free, nothing handed on: a transaction's transfers need no outcome once it is gone. */
  forgetAll(): void {
    this.seqs.fill(0);
  }
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
