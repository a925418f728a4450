/**
 * The start barrier over a real broker (the embedded one): shards meet,
 * estimate their clock offsets to shard 0, and start at one instant; a plan
 * mismatch, a second process for one index, or a missing shard stops every
 * shard with the reason.
 */
import { describe, expect, it } from 'vitest';
import { type BarrierOptions, type BarrierPassed, passBarrier } from '../../src/rendezvous/barrier.js';
import { type Clock, monotonicNowUs } from '../../src/timing/clock.js';
import { parseAmqpUrl } from '../../src/plan/url.js';
import { useBroker } from '../helpers/broker.js';

const broker = useBroker();
let runs = 0;

function shardOptions(shards: number, overrides: Partial<BarrierOptions> = {}): (index: number) => BarrierOptions {
  const runId = `barrier-test-${++runs}`;
  return (index) => ({
    url: parseAmqpUrl(broker().url),
    connect: {},
    runId,
    planHash: 'plan-a',
    shards,
    index,
    controlBase: `q-${runId}.salvo-control`,
    host: `host-${index}`,
    timeoutMs: 10_000,
    clock: { nowUs: monotonicNowUs },
    ...overrides,
  });
}

function skewedClock(skewUs: number): Clock {
  return { nowUs: () => monotonicNowUs() + skewUs };
}

async function closeAll(results: PromiseSettledResult<BarrierPassed>[]): Promise<void> {
  for (const r of results) if (r.status === 'fulfilled') await r.value.session.close();
}

describe('the start barrier', () => {
  it('starts every shard at one instant of shard 0 clock, each offset estimated within its bound', async () => {
    const options = shardOptions(3);
    const skewUs = 250_000; // shard 2's clock runs 250 ms ahead
    const results = await Promise.allSettled([
      passBarrier(options(0)),
      passBarrier(options(1)),
      passBarrier({ ...options(2), clock: skewedClock(skewUs) }),
    ]);
    try {
      const [s0, s1, s2] = results.map((r) => {
        if (r.status === 'rejected') throw r.reason;
        return r.value;
      });
      expect(s0!.shards.map((s) => s.index)).toEqual([0, 1, 2]);
      expect(s0!.shards.map((s) => s.host)).toEqual(['host-0', 'host-1', 'host-2']);
      // Shard 2 reads its start on its own (skewed) clock: the leader's instant plus its skew, within the bound.
      expect(Math.abs(s2!.offset.offsetUs - -skewUs)).toBeLessThanOrEqual(s2!.offset.boundUs);
      expect(Math.abs(s2!.startAtUs - (s0!.startAtUs + skewUs))).toBeLessThanOrEqual(s2!.offset.boundUs);
      expect(Math.abs(s1!.startAtUs - s0!.startAtUs)).toBeLessThanOrEqual(s1!.offset.boundUs);
      expect(s2!.offset.samples).toBeGreaterThanOrEqual(8);
      // GO hands every shard all the offsets, as shard 0 admitted them: receivers correct cross-shard latency by them.
      expect(s0!.offsetsUs).toEqual(s0!.shards.map((s) => s.offsetUs));
      expect(s0!.boundsUs).toEqual(s0!.shards.map((s) => s.offsetBoundUs));
      for (const s of [s1!, s2!]) {
        expect(s.offsetsUs).toEqual(s0!.offsetsUs);
        expect(s.boundsUs).toEqual(s0!.boundsUs);
      }
      expect(s2!.offsetsUs[2]).toBe(s2!.offset.offsetUs);
      // The second rendezvous: nobody drains before every shard's senders are done.
      const early = await s1!.session.allSent(300);
      expect(early).toEqual([0]);
      const all = await Promise.all([
        s0!.session.allSent(5_000),
        s2!.session.allSent(5_000),
        s1!.session.allSent(5_000),
      ]);
      expect(all).toEqual([[], [], []]);
    } finally {
      await closeAll(results);
    }
  }, 30_000);

  it("brings every shard's result to shard 0 in chunks, and names a shard whose result never came", async () => {
    const options = shardOptions(3);
    const results = await Promise.allSettled([0, 1, 2].map((i) => passBarrier(options(i))));
    try {
      const [s0, s1] = results.map((r) => (r as PromiseFulfilledResult<BarrierPassed>).value);
      const big = JSON.stringify({ shard: 1, ledger: 'é'.repeat(40_000) + 'x'.repeat(60_000) }); // 4 chunks
      expect(await s1!.session.sendResult(big, 5_000)).toBe(true);
      const { texts, missing } = await s0!.session.collectResults(3_000);
      expect(texts.get(1)).toBe(big);
      expect(missing).toEqual([2]);
    } finally {
      await closeAll(results);
    }
  }, 30_000);

  it('aborts every shard when one was started with another plan', async () => {
    const options = shardOptions(2);
    const results = await Promise.allSettled([
      passBarrier(options(0)),
      passBarrier({ ...options(1), planHash: 'plan-b' }),
    ]);
    await closeAll(results);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const [leader, follower] = results.map((r) => (r as PromiseRejectedResult).reason.message as string);
    expect(leader).toBe(
      'shards aborted: shard 1 (host-1) has plan plan-b, shard 0 has plan-a: the shards were started with different plans',
    );
    expect(follower).toContain('shards aborted by shard 0: shard 1 (host-1) has plan plan-b');
  }, 30_000);

  it('aborts when two processes claim one index', async () => {
    const options = shardOptions(3);
    const results = await Promise.allSettled([
      passBarrier(options(0)),
      passBarrier({ ...options(1), host: 'pod-a' }),
      passBarrier({ ...options(1), host: 'pod-b' }),
    ]);
    await closeAll(results);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toMatch(
      /^shards aborted: two processes claim shard 1 \(pod-[ab] and pod-[ab]\)/,
    );
  }, 30_000);

  it('names the shards that never reported when its time is up', async () => {
    const options = shardOptions(4, { timeoutMs: 1_500 });
    const results = await Promise.allSettled([passBarrier(options(0)), passBarrier(options(2))]);
    await closeAll(results);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe(
      'shards aborted: shards 1, 3 never reported ready within 1.5 s',
    );
    expect((results[1] as PromiseRejectedResult).reason.message).toContain('shards aborted by shard 0: shards 1, 3');
  }, 30_000);
});
