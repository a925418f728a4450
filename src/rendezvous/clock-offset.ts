/**
 * The wall-clock offset between a shard and shard 0, estimated NTP-style from
 * request/reply samples over the broker: for a ping sent at t1 (this shard's
 * clock), answered at t2 (shard 0's clock) and back at t3 (this shard's
 * clock), shard 0's clock read t2 at some instant within [t1, t3], so
 * offset = t2 - (t1 + t3) / 2 is off by at most (t3 - t1) / 2. Of several
 * samples the one with the smallest round trip has the tightest bound: a
 * broker that queued one ping does not spoil the estimate.
 */

export interface ClockSample {
  /** This shard's wall clock when the ping left, µs. */
  readonly sentUs: number;
  /** Shard 0's wall clock when it answered, µs. */
  readonly leaderUs: number;
  /** This shard's wall clock when the answer arrived, µs. */
  readonly receivedUs: number;
}

export interface ClockOffset {
  /** Shard 0's clock minus this shard's, µs: add it to a local wall instant to get shard 0's. */
  readonly offsetUs: number;
  /** |true offset - offsetUs| <= boundUs (half the chosen sample's round trip). */
  readonly boundUs: number;
  readonly roundTripUs: number;
  readonly samples: number;
}

/** Shard 0 itself: no offset, no error. */
export const NO_OFFSET: ClockOffset = { offsetUs: 0, boundUs: 0, roundTripUs: 0, samples: 0 };

/** The estimate from the sample with the smallest round trip; undefined without a usable sample. */
export function estimateOffset(samples: readonly ClockSample[]): ClockOffset | undefined {
  let best: ClockSample | undefined;
  let usable = 0;
  for (const s of samples) {
    // A reply before its request means a clock stepped mid-sample: it proves nothing.
    if (s.receivedUs < s.sentUs) continue;
    usable++;
    if (!best || s.receivedUs - s.sentUs < best.receivedUs - best.sentUs) best = s;
  }
  if (!best) return undefined;
  const roundTripUs = best.receivedUs - best.sentUs;
  return {
    offsetUs: best.leaderUs - (best.sentUs + best.receivedUs) / 2,
    boundUs: roundTripUs / 2,
    roundTripUs,
    samples: usable,
  };
}
