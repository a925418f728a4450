import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateOffset } from '../../src/rendezvous/clock-offset.js';

describe('the clock offset estimate', () => {
  it('takes the sample with the smallest round trip and bounds its error by half of it', () => {
    const estimate = estimateOffset([
      { sentUs: 0, leaderUs: 50_900, receivedUs: 2_000 }, // rtt 2 ms
      { sentUs: 10_000, leaderUs: 60_250, receivedUs: 10_500 }, // rtt 0.5 ms: chosen
      { sentUs: 20_000, leaderUs: 90_000, receivedUs: 40_000 }, // rtt 20 ms, queued
    ]);
    expect(estimate).toEqual({ offsetUs: 50_000, boundUs: 250, roundTripUs: 500, samples: 3 });
  });

  it('ignores a sample whose answer came back before its request (a clock step), and has none without samples', () => {
    expect(estimateOffset([])).toBeUndefined();
    expect(estimateOffset([{ sentUs: 100, leaderUs: 0, receivedUs: 50 }])).toBeUndefined();
  });

  it('is never further from the true offset than its bound, however the round trip splits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000, max: 10_000_000 }), // true offset
        fc.array(fc.tuple(fc.nat(1_000_000), fc.nat(5_000), fc.nat(5_000)), { minLength: 1, maxLength: 10 }),
        (offset, trips) => {
          // Each sample: sent at t, reached shard 0 `up` later, came back `down` after that.
          const samples = trips.map(([t, up, down]) => ({
            sentUs: t,
            leaderUs: t + up + offset,
            receivedUs: t + up + down,
          }));
          const estimate = estimateOffset(samples)!;
          return Math.abs(estimate.offsetUs - offset) <= estimate.boundUs;
        },
      ),
    );
  });
});
