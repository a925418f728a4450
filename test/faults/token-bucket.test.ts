/**
 * The bandwidth fault's token bucket, time driven by hand: tokens come back
 * at the rate, a burst is bounded by the capacity (50 ms of bytes, at most
 * 64 KiB), and waitMs() says when a refused chunk may go.
 */
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/faults/token-bucket.js';

/** Takes what the bucket allows for `length` bytes at `nowMs`; 0 when it refuses. */
function send(bucket: TokenBucket, length: number, nowMs: number): number {
  return bucket.ready(length, nowMs) ? bucket.take(length) : 0;
}

describe('TokenBucket', () => {
  it('holds 50 ms of bytes, at least 1 and at most 64 KiB', () => {
    expect(new TokenBucket(20_000, 0).capacity).toBe(1_000);
    expect(new TokenBucket(10, 0).capacity).toBe(1);
    expect(new TokenBucket(100_000_000, 0).capacity).toBe(64 * 1024);
  });

  it('starts full: a burst of up to the capacity goes at once, not more', () => {
    const bucket = new TokenBucket(20_000, 0);
    expect(send(bucket, 600, 0)).toBe(600);
    expect(send(bucket, 400, 0)).toBe(400);
    expect(send(bucket, 1, 0)).toBe(0);
  });

  it('a chunk bigger than the capacity goes a capacity at a time, once the bucket is full', () => {
    const bucket = new TokenBucket(20_000, 0);
    expect(send(bucket, 5_000, 0)).toBe(1_000);
    expect(send(bucket, 4_000, 25)).toBe(0);
    expect(send(bucket, 4_000, 50)).toBe(1_000);
  });

  it('refills at the rate: 20 kB/s gives 200 bytes in 10 ms', () => {
    const bucket = new TokenBucket(20_000, 0);
    expect(send(bucket, 1_000, 0)).toBe(1_000);
    expect(send(bucket, 201, 10)).toBe(0);
    expect(send(bucket, 200, 10)).toBe(200);
    expect(send(bucket, 100, 15)).toBe(100);
  });

  it('an idle spell refills no more than the capacity: the burst after it is still bounded', () => {
    const bucket = new TokenBucket(20_000, 0);
    send(bucket, 1_000, 0);
    let sent = 0;
    for (let i = 0; i < 10; i++) sent += send(bucket, 1_000, 60_000);
    expect(sent).toBe(1_000);
  });

  it('over a long run the bytes sent follow the rate, whatever the chunk sizes', () => {
    const bucket = new TokenBucket(100_000, 0);
    const sizes = [1, 700, 4_096, 333, 16_384];
    let sent = 0;
    for (let nowMs = 0, i = 0; nowMs <= 10_000; nowMs += 1, i++) sent += send(bucket, sizes[i % sizes.length], nowMs);
    // 10 s at 100 kB/s, plus the capacity it started with (5 kB); a chunk refused waits whole, so a little less.
    expect(sent).toBeLessThanOrEqual(1_005_000);
    expect(sent).toBeGreaterThan(950_000);
  });

  it('waitMs: how long until a refused chunk would be allowed', () => {
    const bucket = new TokenBucket(20_000, 0);
    send(bucket, 1_000, 0);
    expect(bucket.ready(500, 5)).toBe(false);
    // 100 tokens at 5 ms; 400 more at 20 bytes per ms.
    expect(bucket.waitMs(500)).toBeCloseTo(20, 9);
    expect(bucket.ready(500, 24)).toBe(false);
    expect(bucket.ready(500, 25)).toBe(true);
    // A chunk bigger than the capacity waits for a full bucket, not for its own size.
    expect(bucket.waitMs(50_000)).toBeCloseTo(25, 9);
  });
});
