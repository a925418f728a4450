/**
 * The correction table of cross-shard end-to-end latency (src/metrics/cross-shard-clock.ts), with hosts simulated by
 * numbers: shard 2's clock reads 400 ms ahead of the others'. Corrected by the shards' estimated offsets, a message
 * shard 2 sent and shard 0 received measures its true latency within the bounds; uncorrected (every offset 0) it
 * reads 400 ms short, below zero, and is counted, not dropped. Same-shard messages stay on the one clock.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assignWorkers } from '../../src/coordinator/worker-assignments.js';
import { producerShards } from '../../src/coordinator/shard-meeting.js';
import { CrossShardClock, type ShardClocks } from '../../src/metrics/cross-shard-clock.js';
import { decodeHistogram, freeHistogram, initHistograms } from '../../src/metrics/index.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { resolvePlan } from '../../src/plan/index.js';
import { withShards } from '../../src/plan/shards.js';

const SKEW_US = 400_000;
const LATENCY_US = 2_000;
/** What the barrier would estimate: shard 1 on time, shard 2 ~400 ms ahead, each a little off, within its bound. */
const OFFSETS_US = [0, 30, -SKEW_US + 50];
const BOUNDS_US = [0, 80, 120];
/** Producer ids by shard, as a plan would own them. */
const PRODUCERS = ['run/s0.c0.l0', 'run/s1.c0.l0', 'run/s2.c0.l0'];
const OWNERS: Record<string, number> = { 'run/s0.c0.l0': 0, 'run/s1.c0.l0': 1, 'run/s2.c0.l0': 2 };
/** Each shard's clock against true time: only shard 2 is off. */
const HOST_SKEW_US = [0, 0, SKEW_US];

function clocksOf(index: number, offsetsUs: readonly number[]): ShardClocks {
  return { index, offsetsUs, producerShards: OWNERS, skewUs: HOST_SKEW_US[index] };
}

/**
 * One message of `sender`'s shard received on `receiver`'s, LATENCY_US after it was sent (true time); returns what the
 * receiver measures. This process's clock is the true one; the skew shows in stamps and in the receiver's clocks.
 */
function measure(clock: CrossShardClock, recorder: Recorder, sender: number, sentTrueUs: number): number {
  const index = sender;
  if (index >= clock.learned) clock.learn(index, (i) => PRODUCERS[i]);
  const stampUs = sentTrueUs + HOST_SKEW_US[sender];
  const nowUs = sentTrueUs + LATENCY_US;
  const latencyUs = nowUs - clock.sentHereUs(index, stampUs);
  clock.record(recorder, index, latencyUs, false);
  return latencyUs;
}

function p50(encoded: string | undefined): number {
  const h = decodeHistogram(encoded as string);
  try {
    return h.getValueAtPercentile(50);
  } finally {
    freeHistogram(h);
  }
}

beforeAll(async () => {
  await initHistograms();
});

describe('cross-shard end-to-end correction', () => {
  it('corrects a skewed shard within the two bounds; without the offsets it reads 400 ms off, and is counted', () => {
    const corrected = new CrossShardClock(clocksOf(0, OFFSETS_US));
    const uncorrected = new CrossShardClock(clocksOf(0, [0, 0, 0]));
    const withOffsets = new Recorder('r0', ['endToEnd', 'endToEndCrossShard'], 0);
    const without = new Recorder('r0', ['endToEnd', 'endToEndCrossShard'], 0);
    for (let i = 0; i < 100; i++) {
      const sentUs = 1_000_000 + i * 1_000;
      const fixed = measure(corrected, withOffsets, 2, sentUs);
      expect(Math.abs(fixed - LATENCY_US)).toBeLessThanOrEqual(BOUNDS_US[0] + BOUNDS_US[2]);
      expect(measure(uncorrected, without, 2, sentUs)).toBe(LATENCY_US - SKEW_US);
    }
    const good = withOffsets.finish();
    expect(good.histograms.endToEnd).toBeUndefined();
    expect(Math.abs(p50(good.histograms.endToEndCrossShard) - LATENCY_US)).toBeLessThanOrEqual(
      BOUNDS_US[0] + BOUNDS_US[2] + LATENCY_US / 100,
    );
    expect(good.counters.crossShardNegative).toBe(0);
    const bad = without.finish();
    // Below zero: every sample counted, and kept in the histogram (at 0), not dropped.
    expect(bad.counters.crossShardNegative).toBe(100);
    const h = decodeHistogram(bad.histograms.endToEndCrossShard as string);
    expect(h.totalCount).toBe(100);
    freeHistogram(h);
  });

  it('a receiver on the skewed shard corrects what others sent, and keeps its own on its one clock', () => {
    const clock = new CrossShardClock(clocksOf(2, OFFSETS_US));
    const recorder = new Recorder('r2', ['endToEnd', 'endToEndCrossShard'], 0);
    for (let i = 0; i < 10; i++) {
      const sentUs = 5_000_000 + i * 1_000;
      expect(Math.abs(measure(clock, recorder, 0, sentUs) - LATENCY_US)).toBeLessThanOrEqual(BOUNDS_US[2]);
      expect(Math.abs(measure(clock, recorder, 1, sentUs) - LATENCY_US)).toBeLessThanOrEqual(
        BOUNDS_US[1] + BOUNDS_US[2],
      );
      // Its own shard's message: stamped and received on one clock, exactly.
      expect(measure(clock, recorder, 2, sentUs)).toBe(LATENCY_US);
    }
    expect(clock.correctionOf(2)).toEqual({ correctionUs: SKEW_US, crossShard: false });
    expect(clock.correctionOf(0).crossShard).toBe(true);
    const final = recorder.finish();
    expect(p50(final.histograms.endToEnd)).toBeGreaterThan(LATENCY_US * 0.99);
    expect(p50(final.histograms.endToEnd)).toBeLessThan(LATENCY_US * 1.01);
  });

  it('an unsharded run, and a producer no shard owns, stay on the monotonic clock in endToEnd', () => {
    const unsharded = new CrossShardClock(undefined);
    unsharded.learn(0, () => 'run/s0.c0.l0');
    expect(unsharded.sentHereUs(0, 1234)).toBe(1234);
    expect(unsharded.sentHereUs(-1, 1234)).toBe(1234);
    const sharded = new CrossShardClock(clocksOf(1, OFFSETS_US));
    sharded.learn(0, () => 'someone-else/x');
    expect(sharded.correctionOf(0)).toEqual({ correctionUs: 0, crossShard: false });
    // Indexes learned in a jump (a ledger's producers seen first by another path) are all placed.
    sharded.learn(200, (i) => (i === 200 ? PRODUCERS[2] : 'someone-else/x'));
    expect(sharded.correctionOf(200)).toEqual({ correctionUs: OFFSETS_US[1] - OFFSETS_US[2], crossShard: true });
    expect(sharded.learned).toBe(201);
  });

  it('a too-large offset makes samples negative: each one counted in crossShardNegative, kept in the histogram', () => {
    // Shard 1's offset estimated 10 ms off: a 2 ms latency corrects to -8 ms.
    const clock = new CrossShardClock(clocksOf(0, [0, 10_000, 0]));
    const recorder = new Recorder('r0', ['endToEnd', 'endToEndCrossShard'], 0);
    for (let i = 0; i < 7; i++) expect(measure(clock, recorder, 1, 1_000_000 + i)).toBe(LATENCY_US - 10_000);
    measure(clock, recorder, 0, 2_000_000);
    const final = recorder.finish();
    expect(final.counters.crossShardNegative).toBe(7);
    const h = decodeHistogram(final.histograms.endToEndCrossShard as string);
    expect(h.totalCount).toBe(7);
    freeHistogram(h);
  });
});

describe('which shard sends each producer', () => {
  it("is the shard whose part owns the producer's sender link", () => {
    const input = { url: 'amqp://127.0.0.1:5672/q', runId: 'owners', senders: '3', connections: '2', receivers: '3' };
    const whole = resolvePlan(input);
    for (let index = 0; index < 3; index++) {
      const part = withShards(whole, { ...input, shards: '3', shardIndex: String(index) });
      const owners = producerShards(part, 3);
      expect(Object.keys(owners)).toHaveLength(6);
      const facts = { measure: true, ledger: true, slowPerMessageUs: 0, progress: new SharedArrayBuffer(64) };
      const own = assignWorkers(part, { host: '127.0.0.1', port: 5672, tls: false }, facts)
        .filter((w) => w.role === 'sender')
        .flatMap((w) => w.connections.flat().map((l) => l.producer));
      expect(own.length).toBeGreaterThan(0);
      for (const producer of own) expect(owners[producer]).toBe(index);
    }
  });
});
