/**
 * Broker chaos alone: the spec parser's errors, and the faults a chaos link
 * does, checked against what reaches the queue (so the counts it reports are
 * the counts a receiver can find).
 */
import { describe, expect, it, vi } from 'vitest';
import { Chaos, REORDER_BEHIND, REORDER_FLUSH_MS, SeededRandom, type ChaosQueue } from '../../src/broker/chaos.js';
import { parseChaosSpec, type ChaosOptions } from '../../src/plan/chaos-spec.js';
import { SalvoError } from '../../src/errors.js';
import { StoredMessage } from '../../src/broker/stored-message.js';

function options(rates: Partial<ChaosOptions>): ChaosOptions {
  return { drop: 0, dup: 0, reorder: 0, seed: 7, ...rates };
}

/** Sends `n` messages (payload = its index) through one chaos link; returns what was enqueued, in order. */
function pass(chaos: Chaos, n: number): StoredMessage[] {
  const out: StoredMessage[] = [];
  const queue: ChaosQueue = { enqueue: (message) => void out.push(message) };
  const link = chaos.link();
  for (let i = 0; i < n; i++) {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(i);
    link.enqueue(queue, new StoredMessage(payload));
  }
  link.flush();
  return out;
}

const indexOf = (message: StoredMessage): number => message.payload.readUInt32BE(0);

describe('parseChaosSpec', () => {
  it('queue=ADDRESS scopes the faults to one queue (a subscription: <topic>::<subscription>)', () => {
    expect(parseChaosSpec('drop=0.02,queue=orders::orders.sub2', 7)).toEqual({
      drop: 0.02,
      dup: 0,
      reorder: 0,
      queue: 'orders::orders.sub2',
      seed: 7,
    });
    expect(() => parseChaosSpec('drop=0.1,queue=', 7, '--broker-chaos')).toThrow(
      '--broker-chaos: "queue=": expected queue=ADDRESS, e.g. queue=orders::orders.sub2',
    );
  });

  it('reads every fault and its rate, the seed as given', () => {
    expect(parseChaosSpec('drop=0.01,dup=0.02,reorder=0.5', 7)).toEqual({
      drop: 0.01,
      dup: 0.02,
      reorder: 0.5,
      seed: 7,
    });
    expect(parseChaosSpec('dup=1', 0)).toEqual({ drop: 0, dup: 1, reorder: 0, seed: 0 });
  });

  const bad: [string, string][] = [
    ['dupe=0.1', '--chaos: "dupe=0.1": unknown fault "dupe" (drop, dup, reorder, leak)'],
    ['drop=1.5', '--chaos: "drop=1.5": expected a rate from 0 to 1, e.g. drop=0.01'],
    ['drop=-0.1', '--chaos: "drop=-0.1": expected a rate from 0 to 1, e.g. drop=0.01'],
    ['drop', '--chaos: "drop": expected a rate from 0 to 1, e.g. drop=0.01'],
    ['drop=', '--chaos: "drop=": expected a rate from 0 to 1, e.g. drop=0.01'],
    ['drop=x', '--chaos: "drop=x": expected a rate from 0 to 1, e.g. drop=0.01'],
    ['drop=0.6,dup=0.6', '--chaos: "drop=0.6,dup=0.6": the rates add up to more than 1'],
  ];
  for (const [spec, message] of bad) {
    it(`${JSON.stringify(spec)}: one usage line naming the token`, () => {
      let caught: unknown;
      try {
        parseChaosSpec(spec, 1);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SalvoError);
      expect((caught as SalvoError).code).toBe('usage');
      expect((caught as SalvoError).message).toBe(message);
    });
  }

  it('names the option it was given for, and refuses a seed out of range', () => {
    expect(() => parseChaosSpec('lose=0.1', 1, '--broker-chaos')).toThrow(
      /^--broker-chaos: "lose=0.1": unknown fault "lose"/,
    );
    expect(() => parseChaosSpec('drop=0.1', -1)).toThrow(
      /^--seed: expected an integer from 0 to 4294967295, got "-1"$/,
    );
  });
});

describe('SeededRandom', () => {
  it('repeats for one seed, differs between seeds, stays in [0, 1)', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const draws = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(draws);
    expect(Array.from({ length: 1000 }, () => c.next())).not.toEqual(draws);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    // Spread: each tenth of the range gets roughly its share.
    const tenths = new Array<number>(10).fill(0);
    for (const x of draws) tenths[Math.floor(x * 10)]++;
    for (const n of tenths) expect(n).toBeGreaterThan(60);
  });
});

describe('a chaos link', () => {
  const N = 20_000;

  it('drops and duplicates what it counts: distinct messages lost = dropped, second copies = duplicated', () => {
    const chaos = new Chaos(options({ drop: 0.05, dup: 0.05 }));
    const out = pass(chaos, N);
    const copies = new Map<number, StoredMessage[]>();
    for (const message of out) copies.set(indexOf(message), [...(copies.get(indexOf(message)) ?? []), message]);
    const twice = [...copies.values()].filter((list) => list.length === 2);
    expect(N - copies.size).toBe(chaos.counts.dropped);
    expect(twice.length).toBe(chaos.counts.duplicated);
    expect([...copies.values()].every((list) => list.length <= 2)).toBe(true);
    // Each fault about its share (5% of 20000 = 1000).
    expect(chaos.counts.dropped).toBeGreaterThan(800);
    expect(chaos.counts.dropped).toBeLessThan(1200);
    expect(chaos.counts.duplicated).toBeGreaterThan(800);
    expect(chaos.counts.duplicated).toBeLessThan(1200);
    // A second copy is a message of its own, same bytes, never delivered: a fresh duplicate.
    for (const [first, second] of twice) {
      expect(second).not.toBe(first);
      expect(second.payload.equals(first.payload)).toBe(true);
      expect(second.deliveryCount).toBe(0);
    }
    expect(chaos.counts.reordered).toBe(0);
  });

  it('reorders what it counts: arrivals below the highest index seen = reordered, nothing lost', () => {
    const chaos = new Chaos(options({ reorder: 0.05 }));
    const out = pass(chaos, N);
    let highest = -1;
    let below = 0;
    for (const message of out) {
      const i = indexOf(message);
      if (i < highest) below++;
      else highest = i;
    }
    expect(out).toHaveLength(N);
    expect(new Set(out.map(indexOf)).size).toBe(N);
    expect(below).toBe(chaos.counts.reordered);
    expect(chaos.counts.reordered).toBeGreaterThan(800);
    expect(chaos.counts.reordered).toBeLessThan(1200);
    expect(chaos.counts.dropped + chaos.counts.duplicated).toBe(0);
  });

  it(`holds a message behind ${REORDER_BEHIND} later ones`, () => {
    // Find a seed whose first draw reorders and whose next draws deliver.
    const chaos = new Chaos(
      options({ reorder: 0.5, seed: firstSeed((r) => r.next() < 0.5 && [0, 1, 2].every(() => r.next() >= 0.5)) }),
    );
    const out = pass(chaos, 4).map(indexOf);
    expect(out).toEqual([1, 2, 3, 0]);
    expect(chaos.counts.reordered).toBe(1);
  });

  it('the same seed and message order repeat the counts; another seed gives others', () => {
    const counts = (seed: number): object => {
      const chaos = new Chaos(options({ drop: 0.01, dup: 0.01, reorder: 0.01, seed }));
      pass(chaos, N);
      return { ...chaos.counts };
    };
    expect(counts(7)).toEqual(counts(7));
    expect(counts(7)).not.toEqual(counts(8));
  });

  it('a held message with nothing after it is released by the timer, in order, not counted as reordered', () => {
    vi.useFakeTimers();
    try {
      const chaos = new Chaos(options({ reorder: 1 }));
      const out: StoredMessage[] = [];
      chaos.link().enqueue({ enqueue: (message) => void out.push(message) }, new StoredMessage(Buffer.from('x')));
      expect(out).toHaveLength(0);
      vi.advanceTimersByTime(REORDER_FLUSH_MS);
      expect(out).toHaveLength(1);
      expect(chaos.counts.reordered).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

function firstSeed(test: (random: SeededRandom) => boolean): number {
  for (let seed = 0; ; seed++) if (test(new SeededRandom(seed))) return seed;
}
