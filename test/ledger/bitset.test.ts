import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bitset, range } from '../../src/ledger/bitset.js';
import { decodeBits, encodeBits } from '../../src/ledger/encoding.js';
import { fnv1a32 } from '../../src/content/body-checksum.js';

const indices = fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 200 });

function of(values: number[]): Bitset {
  const bits = new Bitset();
  for (const v of values) bits.set(v);
  return bits;
}

describe('Bitset', () => {
  it('holds exactly the numbers set, growing as they grow', () => {
    fc.assert(
      fc.property(indices, (values) => {
        const bits = of(values);
        const distinct = [...new Set(values)].sort((a, b) => a - b);
        expect(bits.count()).toBe(distinct.length);
        expect(bits.first(Infinity)).toEqual(distinct);
        for (const v of distinct) expect(bits.has(v)).toBe(true);
      }),
    );
  });

  it('testAndSet says whether the bit was set before', () => {
    const bits = new Bitset();
    expect(bits.testAndSet(100_000)).toBe(false);
    expect(bits.testAndSet(100_000)).toBe(true);
    expect(bits.has(99_999)).toBe(false);
    bits.clear(100_000);
    expect(bits.has(100_000)).toBe(false);
  });

  it('or, and, andNot agree with set algebra', () => {
    fc.assert(
      fc.property(indices, indices, (x, y) => {
        const a = of(x);
        const b = of(y);
        const sx = new Set(x);
        const sy = new Set(y);
        const sorted = (s: Iterable<number>): number[] => [...s].sort((p, q) => p - q);
        expect(a.or(b).first(Infinity)).toEqual(sorted(new Set([...x, ...y])));
        expect(a.and(b).first(Infinity)).toEqual(sorted([...sx].filter((v) => sy.has(v))));
        expect(a.andNot(b).first(Infinity)).toEqual(sorted([...sx].filter((v) => !sy.has(v))));
      }),
    );
  });

  it('range(from, to) holds from..to and nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: -1, max: 300 }), (from, to) => {
        const expected = Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
        expect(range(from, to).first(Infinity)).toEqual(expected);
      }),
    );
  });

  it('an unused bitset holds no memory; a million numbers take at most 1.25 bits each', () => {
    expect(new Bitset().capacityBits).toBe(0);
    const bits = new Bitset();
    for (let i = 1; i <= 1_000_000; i++) bits.set(i);
    expect(bits.capacityBits).toBeGreaterThanOrEqual(1_000_001);
    expect(bits.capacityBits).toBeLessThanOrEqual(1.25 * 1_000_001 + 64);
  });
});

describe('encodeBits / decodeBits', () => {
  it('round-trip any bitset, as base64 text', () => {
    fc.assert(
      fc.property(indices, (values) => {
        const text = encodeBits(of(values));
        expect(text).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
        expect(decodeBits(text).first(Infinity)).toEqual(of(values).first(Infinity));
      }),
    );
  });

  it('is compact: trailing empty words are not sent', () => {
    const bits = new Bitset();
    bits.set(3);
    bits.set(10_000);
    bits.clear(10_000);
    expect(Buffer.from(encodeBits(bits), 'base64').length).toBe(4);
  });
});

describe('fnv1a32', () => {
  it('matches the published FNV-1a test vectors', () => {
    expect(fnv1a32(Buffer.from(''))).toBe(0x811c9dc5);
    expect(fnv1a32(Buffer.from('a'))).toBe(0xe40c292c);
    expect(fnv1a32(Buffer.from('foobar'))).toBe(0xbf9cf968);
  });

  it('changes when one byte changes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (bytes, at, delta) => {
          const changed = Uint8Array.from(bytes);
          changed[at % bytes.length] = (changed[at % bytes.length] + delta) & 0xff;
          expect(fnv1a32(changed)).not.toBe(fnv1a32(bytes));
        },
      ),
    );
  });
});
