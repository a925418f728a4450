/**
 * A producer link's resend queue: sequence numbers in doubt after a lost
 * connection, with their intended send times, waiting to go again (in order,
 * before any fresh message) on the next link. Filled once per loss, emptied
 * by the pump a pass at a time; its arrays are reused, not reallocated.
 */
export class ResendQueue {
  private readonly seqs: number[] = [];
  private readonly intendedUs: number[] = [];
  private next = 0;
  /** `add` as a callback made once (SendSlots.releasePending, SendTransactions.connectionLost). */
  readonly addBound = (seq: number, intendedUs: number): void => this.add(seq, intendedUs);

  add(seq: number, intendedUs: number): void {
    this.seqs.push(seq);
    this.intendedUs.push(intendedUs);
  }

  /** How many wait to go again. */
  get waiting(): number {
    return this.seqs.length - this.next;
  }

  /** The sequence number next in line (only while `waiting > 0`). */
  headSeq(): number {
    return this.seqs[this.next];
  }

  /** The intended send time of the one next in line (only while `waiting > 0`). */
  headIntendedUs(): number {
    return this.intendedUs[this.next];
  }

  /** The one next in line went; once the queue is empty its arrays start over. */
  drop(): void {
    this.next++;
    if (this.next === this.seqs.length) {
      this.seqs.length = 0;
      this.intendedUs.length = 0;
      this.next = 0;
    }
  }
}
