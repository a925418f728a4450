/**
 * A shaped direction's queue, time driven by hand: each chunk is due at its
 * read time + the fixed delay + its seeded jitter, never before the chunk
 * ahead of it, and chunks leave in the order they came, none before its due.
 */
import { describe, expect, it } from 'vitest';
import { LatencyQueue } from '../../src/faults/latency-queue.js';
import { mulberry32 } from '../../src/plan/fault-timeline.js';

/** Takes every whole chunk due by `nowMs`, as the proxy's Flow does with no bandwidth fault. */
function release(queue: LatencyQueue, nowMs: number): string[] {
  const out: string[] = [];
  while (queue.length > 0 && queue.headDueMs() <= nowMs) out.push(queue.take(queue.headBytes()).toString());
  return out;
}

/** A random source that gives these values in turn. */
function draws(...values: number[]): () => number {
  let next = 0;
  return () => values[next++ % values.length];
}

describe('LatencyQueue', () => {
  it('a chunk is due its fixed delay after it was read, and not released before', () => {
    const queue = new LatencyQueue(5, 0, draws(0));
    queue.push(Buffer.from('a'), 100);
    queue.push(Buffer.from('b'), 102);
    expect(queue.headDueMs()).toBe(105);
    expect(release(queue, 104.999)).toEqual([]);
    expect(release(queue, 105)).toEqual(['a']);
    expect(release(queue, 106)).toEqual([]);
    expect(release(queue, 107)).toEqual(['b']);
    expect(queue.length).toBe(0);
  });

  it('jitter adds up to jitterMs, drawn from the random source', () => {
    const queue = new LatencyQueue(5, 10, draws(0.5));
    queue.push(Buffer.from('a'), 0);
    expect(queue.headDueMs()).toBe(10);
  });

  it('order is kept: a chunk drawn a shorter jitter than the one ahead is due with it, not before', () => {
    const queue = new LatencyQueue(0, 10, draws(0.9, 0.1, 0.5));
    queue.push(Buffer.from('a'), 0); // due 9
    queue.push(Buffer.from('b'), 1); // 1 + 1 drawn: due 2, kept at 9, not before a
    queue.push(Buffer.from('c'), 2); // 2 + 5 drawn: due 7, kept at 9
    expect(release(queue, 8.9)).toEqual([]);
    expect(release(queue, 9)).toEqual(['a', 'b', 'c']);
  });

  it('the same seed gives the same dues in the same order', () => {
    const dues = (seed: number): number[] => {
      const queue = new LatencyQueue(1, 20, mulberry32(seed));
      const out: number[] = [];
      for (let i = 0; i < 50; i++) queue.push(Buffer.alloc(1), i);
      while (queue.length > 0) {
        out.push(queue.headDueMs());
        queue.take(1);
      }
      return out;
    };
    expect(dues(7)).toEqual(dues(7));
    expect(dues(7)).not.toEqual(dues(8));
    const seven = dues(7);
    for (let i = 1; i < seven.length; i++) expect(seven[i]).toBeGreaterThanOrEqual(seven[i - 1]);
  });

  it('with no latency (bandwidth only) a chunk is due when it was read', () => {
    const queue = new LatencyQueue(0, 0, draws(0.7));
    queue.push(Buffer.from('a'), 42);
    expect(release(queue, 42)).toEqual(['a']);
  });

  it('part of the chunk ahead may be taken: the rest stays ahead, same due, bytes counted', () => {
    const queue = new LatencyQueue(5, 0, draws(0));
    queue.push(Buffer.from('abcdef'), 0);
    queue.push(Buffer.from('gh'), 3);
    expect(queue.queuedBytes).toBe(8);
    expect(queue.take(4).toString()).toBe('abcd');
    expect(queue.length).toBe(2);
    expect(queue.headDueMs()).toBe(5);
    expect(queue.headBytes()).toBe(2);
    expect(queue.queuedBytes).toBe(4);
    expect(queue.take(2).toString()).toBe('ef');
    expect(queue.headDueMs()).toBe(8);
    expect(queue.take(2).toString()).toBe('gh');
    expect(queue.queuedBytes).toBe(0);
    expect(queue.length).toBe(0);
  });
});
