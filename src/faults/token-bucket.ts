/**
 * The bandwidth fault's token bucket, one per shaped direction: a byte needs a
 * token, tokens come back at the rate, and the bucket holds at most 50 ms of
 * them, so after an idle spell a burst stays short. Time is passed in (ms on
 * the release clock's scale), so a test can drive it by hand; nothing here
 * allocates.
 */
/** The largest burst, whatever the rate. */
const MAX_CAPACITY_BYTES = 64 * 1024;

export class TokenBucket {
  /** The most tokens the bucket holds, so the most bytes one take() gives. */
  readonly capacity: number;
  private tokens: number;
  private refilledAtMs: number;

  /** Full at `nowMs`. */
  constructor(
    private readonly bytesPerSecond: number,
    nowMs: number,
  ) {
    // 50 ms worth of bytes: bursts stay short, writes stay big enough to be cheap.
    this.capacity = Math.max(1, Math.min(MAX_CAPACITY_BYTES, Math.floor(bytesPerSecond / 20)));
    this.tokens = this.capacity;
    this.refilledAtMs = nowMs;
  }

  /** Whether a chunk of `length` bytes may start at `nowMs`: the tokens for it, or a full bucket for a bigger one. */
  ready(length: number, nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= Math.min(length, this.capacity);
  }

  /** After ready() said yes: spends the tokens and gives how many of the `length` bytes may go (at most capacity). */
  take(length: number): number {
    const allowed = Math.min(length, Math.floor(this.tokens));
    this.tokens -= allowed;
    return allowed;
  }

  /** After ready() said no for `length` bytes: ms until it would say yes. */
  waitMs(length: number): number {
    return ((Math.min(length, this.capacity) - this.tokens) * 1000) / this.bytesPerSecond;
  }

  private refill(nowMs: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.refilledAtMs) * this.bytesPerSecond) / 1000);
    this.refilledAtMs = nowMs;
  }
}
