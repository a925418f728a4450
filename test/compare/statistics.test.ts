import { describe, expect, it } from 'vitest';
import { mannWhitney, median, quantile, relativeSpread, smallestP } from '../../src/compare/statistics.js';
import { seeded } from './synthetic.js';

function draws(seed: number, n: number, shift = 0): number[] {
  const random = seeded(seed);
  return Array.from({ length: n }, () => random() + shift);
}

describe('Mann-Whitney U', () => {
  it('gives the exact two-sided p of complete separation: 2 / C(n1 + n2, n1)', () => {
    // 3 against 3 can never reach p < 0.05: 2 / 20.
    expect(mannWhitney([1, 2, 3], [4, 5, 6])).toMatchObject({ u: 9, method: 'exact' });
    expect(mannWhitney([1, 2, 3], [4, 5, 6])!.p).toBeCloseTo(2 / 20, 12);
    expect(mannWhitney([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])!.p).toBeCloseTo(2 / 252, 12);
    expect(mannWhitney([1, 2, 3, 4], [5, 6, 7, 8])!.p).toBeCloseTo(2 / 70, 12);
  });

  it('matches a tabled exact value inside the distribution', () => {
    // n1 = n2 = 4: current is larger in 3 of 16 pairs (4 > 3, 6 > 3, 6 > 5). U's null
    // counts for U = 0..3 are 1, 1, 2, 3 of C(8, 4) = 70: P(U <= 3) = 7 / 70, two-sided 14 / 70.
    const result = mannWhitney([3, 5, 7, 8], [1, 2, 4, 6]);
    expect(result!.u).toBe(3);
    expect(result!.p).toBeCloseTo(14 / 70, 12);
  });

  it('is the same whichever side is called baseline', () => {
    const a = draws(1, 12);
    const b = draws(2, 9, 0.3);
    expect(mannWhitney(a, b)!.p).toBeCloseTo(mannWhitney(b, a)!.p, 12);
  });

  it('gives p = 1 when every value is equal, and handles ties with the normal approximation', () => {
    expect(mannWhitney([5, 5, 5], [5, 5, 5])).toMatchObject({ p: 1, method: 'normal' });
    const tied = mannWhitney([1, 2, 2, 3, 3, 3, 4], [3, 4, 4, 5, 5, 6, 6]);
    expect(tied!.method).toBe('normal');
    expect(tied!.p).toBeGreaterThan(0.001);
    expect(tied!.p).toBeLessThan(0.05);
  });

  it('agrees with the normal approximation where both apply (30 against 30)', () => {
    const a = draws(3, 30);
    const b = draws(4, 30, 0.2);
    const exact = mannWhitney(a, b)!;
    expect(exact.method).toBe('exact');
    // Past the exact limit the same data is approximated: a larger copy of both sides.
    const approximate = mannWhitney([...a, ...a.map((x) => x + 1e-9)], [...b, ...b.map((x) => x + 1e-9)])!;
    expect(approximate.method).toBe('normal');
    expect(exact.p).toBeGreaterThan(0);
    expect(exact.p).toBeLessThan(1);
    expect(approximate.p).toBeLessThan(exact.p); // twice the data, the same shift: stronger evidence
  });

  it('rejects at 0.05 about 5% of the time when both sides come from one distribution', () => {
    let rejected = 0;
    const trials = 400;
    for (let i = 0; i < trials; i += 1)
      if (mannWhitney(draws(1000 + i, 10), draws(5000 + i, 10))!.p < 0.05) rejected += 1;
    expect(rejected / trials).toBeGreaterThan(0.02);
    expect(rejected / trials).toBeLessThan(0.08);
  });

  it('knows the smallest p a sample size allows, which is what complete separation gives', () => {
    expect(smallestP(3, 3)).toBeCloseTo(0.1, 12);
    expect(smallestP(4, 4)).toBeCloseTo(2 / 70, 12);
    expect(smallestP(5, 5)).toBeCloseTo(2 / 252, 12);
    expect(smallestP(1, 1)).toBe(1);
    expect(smallestP(0, 9)).toBe(1);
    for (const [n1, n2] of [
      [3, 3],
      [4, 6],
      [7, 2],
    ]) {
      const low = Array.from({ length: n1 }, (_, i) => i);
      const high = Array.from({ length: n2 }, (_, i) => 100 + i);
      expect(mannWhitney(low, high)!.p).toBeCloseTo(smallestP(n1, n2), 12);
    }
  });

  it('is null when a side has no samples', () => {
    expect(mannWhitney([], [1, 2])).toBeNull();
    expect(mannWhitney([1], [])).toBeNull();
  });
});

describe('median, quantile, spread', () => {
  it('interpolates between order statistics', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(relativeSpread([1, 2, 3, 4, 5])).toBeCloseTo(2 / 3, 12);
    expect(Number.isNaN(relativeSpread([7]))).toBe(true);
  });
});
