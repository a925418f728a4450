import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResendQueue } from '../../workers/resend-queue.js';
import { SendSlots } from '../../workers/send-slots.js';
import { linkInFlightBound, passShare } from '../../workers/sender-link.js';

describe('SendSlots', () => {
  it("gives a settled send's sequence number back once, and frees its slot", () => {
    const slots = new SendSlots(4, 2, true, false);
    const slot = slots.record(0, 17, 1_000, 900);
    expect(slots.sentUsOf(slot)).toBe(1_000);
    expect(slots.intendedUsOf(slot)).toBe(900);
    expect(slots.settle(slot)).toBe(17);
    expect(slots.settle(slot)).toBe(0);
  });

  it('hands on exactly the sends still pending when the connection goes, oldest first, with their intended times', () => {
    // In flight at most 100 + a pass of 10: 128 slots, so attempts wrap the ring several times.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 100 }),
        (before, pending) => {
          const slots = new SendSlots(100, 10, true, false);
          // `before` earlier attempts, all settled.
          for (let a = 0; a < before; a++) slots.settle(slots.record(a, a + 1, a, a));
          const expected: [number, number][] = [];
          pending.forEach((stillPending, i) => {
            const attempt = before + i;
            const slot = slots.record(attempt, 10_000 + i, attempt, attempt - 0.5);
            if (stillPending) expected.push([10_000 + i, attempt - 0.5]);
            else slots.settle(slot);
          });
          const handed: [number, number][] = [];
          const n = slots.releasePending(before + pending.length, (seq, intendedUs) => handed.push([seq, intendedUs]));
          expect(n).toBe(expected.length);
          expect(handed).toEqual(expected);
          // Released once: a second loss finds nothing.
          expect(slots.releasePending(before + pending.length, () => undefined)).toBe(0);
        },
      ),
    );
  });

  it('shares delivery tags between links, but gives a transactional link tags of its own', () => {
    const a = new SendSlots(10, 5, true, false);
    const b = new SendSlots(10, 5, true, false);
    const tx = new SendSlots(10, 5, true, true);
    expect(a.tags).toBe(b.tags);
    expect(tx.tags).not.toBe(a.tags);
    // Unique among what may be in flight.
    expect(new Set(tx.tags.map((t) => t.toString('hex'))).size).toBe(tx.tags.length);
    expect(tx.tags.length).toBeGreaterThanOrEqual(15);
  });
});

describe('ResendQueue', () => {
  it('gives numbers back in the order they were added, then starts over empty', () => {
    const queue = new ResendQueue();
    [3, 5, 9].forEach((seq) => queue.addBound(seq, seq * 10));
    const out: [number, number][] = [];
    while (queue.waiting > 0) {
      out.push([queue.headSeq(), queue.headIntendedUs()]);
      queue.drop();
    }
    expect(out).toEqual([
      [3, 30],
      [5, 50],
      [9, 90],
    ]);
    queue.add(11, 110);
    expect(queue.waiting).toBe(1);
    expect(queue.headSeq()).toBe(11);
  });
});

describe('linkInFlightBound', () => {
  it('is the in-flight limit, or the count when a link sends fewer and has no warm-up', () => {
    expect(linkInFlightBound(1_000, 10, { warmupMs: 0 })).toBe(10);
    expect(linkInFlightBound(1_000, 5_000, { warmupMs: 0 })).toBe(1_000);
    // A duration run has no count; during warm-up the count has not started: either may send without end.
    expect(linkInFlightBound(1_000, null, { warmupMs: 0 })).toBe(1_000);
    expect(linkInFlightBound(1_000, 10, { warmupMs: 500 })).toBe(1_000);
    // A link with no messages of its own (more links than messages) still gets a slot.
    expect(linkInFlightBound(1_000, 0, { warmupMs: 0 })).toBe(1);
  });

  it('leaves room for every unsettled delivery of a count-sized link, resends included', () => {
    // A link of 10 messages whose connection goes with all 10 unsettled, three times: 40 attempts, at most 10 pending.
    const bound = linkInFlightBound(1_000, 10, { warmupMs: 0 });
    const slots = new SendSlots(bound, bound, true, false);
    let attempt = 0;
    for (let loss = 0; loss < 3; loss++) {
      for (let seq = 1; seq <= 10; seq++) slots.record(attempt++, seq, attempt, seq);
      const handed: number[] = [];
      expect(slots.releasePending(attempt, (seq) => handed.push(seq))).toBe(10);
      expect(handed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
    for (let seq = 1; seq <= 10; seq++) expect(slots.settle(slots.record(attempt++, seq, attempt, seq))).toBe(seq);
  });
});

describe('passShare', () => {
  it("splits a worker's template copies among its links, never below a few per link", () => {
    // Few links keep a full pass (PASS_MAX, 256, is the lower bound that applies then).
    expect(passShare(1)).toBeGreaterThanOrEqual(256);
    expect(passShare(32)).toBeGreaterThanOrEqual(256);
    // Many links share: fewer copies per link as links grow, and together no more than a few links' full passes.
    expect(passShare(100)).toBeLessThan(256);
    expect(passShare(1_000)).toBeLessThan(passShare(100));
    expect(100 * passShare(100)).toBeLessThanOrEqual(32 * 256);
    expect(passShare(5_000)).toBeGreaterThan(1);
    expect(passShare(5_000)).toBe(passShare(50_000));
  });
});
