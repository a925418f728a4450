import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWarmup, isWarmupInterval, warmupEndUs } from '../../src/metrics/index.js';

describe('the warm-up boundary', () => {
  it('ends exactly the planned warm-up after the run start, not rounded to a second', () => {
    expect(warmupEndUs(1_000_000, 50)).toBe(1_050_000);
    expect(warmupEndUs(7_000_000, 500)).toBe(7_500_000);
    expect(warmupEndUs(7_000_000, 0)).toBe(7_000_000);
  });

  it('is an integer µs even when the run start has a fraction, never earlier than planned', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e12, noNaN: true }),
        fc.integer({ min: 0, max: 600_000 }),
        (startUs, warmupMs) => {
          const endUs = warmupEndUs(startUs, warmupMs);
          expect(Number.isInteger(endUs)).toBe(true);
          expect(endUs).toBeGreaterThanOrEqual(startUs + warmupMs * 1000);
          expect(endUs).toBeLessThan(startUs + warmupMs * 1000 + 1);
        },
      ),
    );
  });

  // The sender decides on its float pass time, the receiver on the stamp that pass wrote (the
  // same time floored to a µs): both must put every message on the same side.
  it('puts a pass a fraction of a µs after the boundary on the same side as its floored stamp', () => {
    const startUs = 123_456_789.25;
    const endUs = warmupEndUs(startUs, 100);
    for (const passUs of [endUs - 1, endUs - 0.4, endUs, endUs + 0.1, endUs + 0.75, endUs + 1]) {
      expect(isWarmup(passUs, endUs), `pass at ${passUs}`).toBe(isWarmup(Math.floor(passUs), endUs));
    }
    expect(isWarmup(endUs - 0.4, endUs)).toBe(true);
    expect(isWarmup(endUs + 0.1, endUs)).toBe(false);
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e12, noNaN: true }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (start, warmupMs, offsetUs) => {
          const end = warmupEndUs(start, warmupMs);
          const passUs = end + offsetUs;
          expect(isWarmup(passUs, end)).toBe(isWarmup(Math.floor(passUs), end));
        },
      ),
    );
  });

  it('tags a second warm-up when any of it lies inside the warm-up', () => {
    expect(isWarmupInterval(0, 50)).toBe(true);
    expect(isWarmupInterval(1, 1000)).toBe(false);
    expect(isWarmupInterval(1, 1001)).toBe(true);
    expect(isWarmupInterval(0, 0)).toBe(false);
  });
});
