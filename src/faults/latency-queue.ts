/**
 * A shaped direction's queue: the chunks it read, in order, each with the time
 * it is due (read time + the latency fault's fixed delay + seeded jitter; the
 * read time alone with no latency, when only bandwidth shapes it). The proxy's
 * Flow writes the chunk ahead once it is due (release-clock.ts wakes it) and
 * the token bucket allows. Time is passed in (ms on the release clock's
 * scale), so a test can drive it by hand; push and a whole-chunk take
 * allocate nothing.
 */
import { Deque } from '../collections/deque.js';

export class LatencyQueue {
  private readonly chunks = new Deque<Buffer>(64);
  private readonly duesMs = new Deque<number>(64);
  private lastDueMs = 0;
  private queued = 0;

  /** `random` (in [0, 1)) draws each chunk's jitter: the same sequence gives the same delays in the same order. */
  constructor(
    private readonly fixedMs: number,
    private readonly jitterMs: number,
    private readonly random: () => number,
  ) {}

  get length(): number {
    return this.chunks.length;
  }

  /** Bytes held, both whole chunks and the rest of one partly taken. */
  get queuedBytes(): number {
    return this.queued;
  }

  /** Queues a chunk read at `nowMs`. */
  push(chunk: Buffer, nowMs: number): void {
    const delayMs = this.fixedMs + (this.jitterMs > 0 ? this.random() * this.jitterMs : 0);
    // The queue is FIFO, so byte order holds anyway; a due never earlier than the one ahead keeps dues honest.
    this.lastDueMs = Math.max(this.lastDueMs, nowMs + delayMs);
    this.chunks.push(chunk);
    this.duesMs.push(this.lastDueMs);
    this.queued += chunk.length;
  }

  /** The chunk ahead's due time; only when length > 0. */
  headDueMs(): number {
    return this.duesMs.get(0);
  }

  /** The chunk ahead's size; only when length > 0. */
  headBytes(): number {
    return this.chunks.get(0).length;
  }

  /**
   * The first `bytes` of the chunk ahead (only when length > 0): the whole
   * chunk, gone from the queue, or a part of it, the rest staying ahead with
   * the same due time.
   */
  take(bytes: number): Buffer {
    const chunk = this.chunks.get(0);
    if (bytes < chunk.length) {
      this.chunks.set(0, chunk.subarray(bytes));
      this.queued -= bytes;
      return chunk.subarray(0, bytes);
    }
    this.chunks.shift();
    this.duesMs.shift();
    this.queued -= chunk.length;
    return chunk;
  }
}
