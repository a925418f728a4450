/** ShardMerger on hand-made shard results: what the merge adds, ORs and judges, and what it refuses. */
import { beforeAll, describe, expect, it } from 'vitest';
import { Bitset, encodeBits, type ReceiverLedgerWire, type SenderLedgerWire } from '../../src/ledger/index.js';
import {
  encodeHistogram,
  freeHistogram,
  initHistograms,
  newHistogram,
  noPerSecondLatency,
  record,
  summarize,
  zeroCounters,
} from '../../src/metrics/index.js';
import { resolvePlan } from '../../src/plan/index.js';
import { planHash, withShards } from '../../src/plan/shards.js';
import { ShardMerger } from '../../src/results/merge.js';
import { RESULT_SCHEMA, type RunResult } from '../../src/results/result.js';
import { formatSummary } from '../../src/results/summary.js';

const RUN = 'm1';
const INPUT = { runId: RUN, url: 'amqp://127.0.0.1:5672/q', senders: '2', receivers: '2', count: '10' };
const S0 = `${RUN}/s0.c0.l0`;
const S1 = `${RUN}/s1.c0.l0`;

beforeAll(async () => {
  await initHistograms();
});

function bits(...seqs: number[]): string {
  const b = new Bitset();
  for (const seq of seqs) b.set(seq);
  return encodeBits(b);
}

function sender(producer: string, attempted: number): SenderLedgerWire {
  const accepted = Array.from({ length: attempted }, (_, i) => i + 1);
  const none = bits();
  return {
    producer,
    attempted,
    accepted: bits(...accepted),
    failed: none,
    inDoubt: none,
    resent: none,
    batchSize: 0,
    committed: none,
    rolledBack: none,
  };
}

function receiver(arrivals: Record<string, number[]>): ReceiverLedgerWire {
  return {
    producers: Object.entries(arrivals).map(([producer, seqs]) => ({
      producer,
      seen: bits(...seqs),
      twice: bits(),
      extraCopies: 0,
      reordered: 0,
      redelivered: 0,
      corrupted: bits(),
    })),
    malformed: 0,
    reorderExamples: [],
  };
}

function latency(values: number[]): string {
  const h = newHistogram();
  for (const v of values) record(h, v);
  const hdr = encodeHistogram(h);
  freeHistogram(h);
  return hdr;
}

function shardResult(index: number, arrivals: Record<string, number[]>, values: number[], seconds: number): RunResult {
  const count = 2;
  const plan = withShards(resolvePlan(INPUT), { ...INPUT, shards: String(count), shardIndex: String(index) });
  const own = index === 0 ? S0 : S1;
  const received = Object.values(arrivals).reduce((n, seqs) => n + seqs.length, 0);
  const counters = { ...zeroCounters(), sent: 5, accepted: 5, received, reconnects: index };
  const h = newHistogram();
  for (const v of values) record(h, v);
  const summary = summarize(h);
  freeHistogram(h);
  const perSecond = (t: number) => ({
    ...zeroCounters(),
    ...noPerSecondLatency(),
    t,
    warmup: false,
    sent: 1,
    faults: 0,
  });
  return {
    schema: RESULT_SCHEMA,
    runId: RUN,
    startedAt: new Date(Date.UTC(2026, 11, 7, 12, 0, 0, index * 250)).toISOString(),
    complete: true,
    problems: [],
    plan,
    environment: { target: 'amqp://127.0.0.1:5672/q' } as RunResult['environment'],
    totals: { ...counters, foreign: 0, durationS: 1 + index, sendRate: 5, acceptRate: 5, receiveRate: received },
    latency: { service: summary },
    checks: [],
    timeseries: Array.from({ length: seconds }, (_, t) => perSecond(t)),
    shard: {
      index,
      count,
      planHash: planHash(plan),
      ledgers: { senders: [sender(own, 5)], receivers: [receiver(arrivals)] },
      seconds: Array.from({ length: seconds }, (_, t) => ({ t, histograms: { service: latency([100 * (t + 1)]) } })),
    },
  };
}

// Shard 0 received all of s0's and two of s1's; shard 1 the rest of s1's, and s0 #3 a second time.
const shard0 = () => shardResult(0, { [S0]: [1, 2, 3, 4, 5], [S1]: [1, 2] }, [100, 200, 300], 2);
const shard1 = () => shardResult(1, { [S1]: [3, 4, 5], [S0]: [3] }, [400, 500], 3);

describe('ShardMerger', () => {
  it('ORs receive bitsets across shards: all arrived once, the one received by both a duplicate', () => {
    const merger = new ShardMerger();
    merger.add(shard1(), 'b');
    merger.add(shard0(), 'a');
    const { result, hlogs } = merger.finish();
    expect(result.complete).toBe(true);
    expect(result.verdict).toMatchObject({
      ok: true,
      attempted: 10,
      received: 10,
      lost: 0,
      unexpected: 0,
      duplicated: 1,
    });
    expect(result.verdict?.examples.duplicated).toEqual([{ producer: S0, seq: 3 }]);
    expect(result.checks.every((c) => c.ok)).toBe(true);
    expect(result.totals).toMatchObject({ sent: 10, accepted: 10, received: 11, reconnects: 1, durationS: 2 });
    expect(result.latency.service?.count).toBe(5);
    expect(result.latency.service?.max).toBeGreaterThanOrEqual(500);
    // Seconds aligned by each shard's start: 0 and 1 from both, 2 from shard 1 alone.
    expect(result.timeseries.map((p) => [p.t, p.sent])).toEqual([
      [0, 2],
      [1, 2],
      [2, 1],
    ]);
    expect(result.timeseries[2].serviceP50Us).toBeGreaterThanOrEqual(300);
    expect(hlogs.service.split('\n').filter((line) => /^\d/.test(line))).toHaveLength(3);
    expect(result.shards?.rows.map((r) => [r.index, r.startSkewMs, r.reconnects])).toEqual([
      [0, 0, 0],
      [1, 250, 1],
    ]);
    expect(formatSummary(result, 'out')).toMatch(/^Verdict \(at-least-once, every message of the run\): PASS$/m);
  });

  it('adds cross-shard end-to-end histograms and gives their bound: the two largest offset bounds summed', () => {
    const withClock = (result: RunResult, offsetUs: number, boundUs: number, values: number[], negative: number) => {
      const h = newHistogram();
      for (const v of values) record(h, v);
      result.latency.endToEndCrossShard = summarize(h);
      freeHistogram(h);
      result.totals.crossShardNegative = negative;
      result.shard!.clock = { host: `h${result.shard!.index}`, offsetUs, boundUs, startOnShard0Us: 1_000 };
      return result;
    };
    const merger = new ShardMerger();
    merger.add(withClock(shard0(), 0, 0, [900, 1_100], 0), 'a');
    merger.add(withClock(shard1(), -400_000, 1_234, [1_000, 0], 1), 'b');
    const { result } = merger.finish();
    expect(result.latency.endToEndCrossShard?.count).toBe(4);
    expect(result.totals.crossShardNegative).toBe(1);
    expect(result.shards?.crossShardBoundMs).toBe(1.234);
    const summary = formatSummary(result, 'out');
    expect(summary).toMatch(/^ {2}end to end, across shards +[\d, ]+ ±1\.23 ms$/m);
    expect(summary).toContain('1 cross-shard sample came out below zero once corrected: counted, recorded as 0');
  });

  it("judges receipt by the ledger, not by counts that each shard's own warm-up boundary cut", () => {
    // Shard 1 started later: three of shard 0's messages reached it before its own start, outside its counts.
    const late = shard1();
    late.totals.received = 1;
    const merger = new ShardMerger();
    merger.add(shard0(), 'a');
    merger.add(late, 'b');
    const { result } = merger.finish();
    expect(result.totals.received).toBeLessThan(result.totals.accepted);
    expect(result.verdict).toMatchObject({ ok: true, lost: 0, received: 10 });
    expect(result.checks.length).toBeGreaterThan(0);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it("a missing shard: incomplete, its producer's arrivals not checked (not unexpected), lost not judged", () => {
    const merger = new ShardMerger();
    merger.add(shard0(), 'a');
    const { result } = merger.finish();
    expect(result.complete).toBe(false);
    expect(result.problems[0]).toBe(
      'incomplete: shard 1 of 2 missing (no result): its messages are not checked, and lost is not judged',
    );
    expect(result.shards).toMatchObject({ missing: [1], notChecked: 2 });
    expect(result.verdict).toMatchObject({ ok: null, partial: true, lost: null, unexpected: 0, attempted: 5 });
    expect(result.checks).toEqual([]);
    const summary = formatSummary(result, 'out');
    expect(summary).toContain('partial verdict (a shard missing or unfinished)');
    expect(summary).not.toContain('PASS');
  });

  it('a shard that did not finish its part: incomplete, partial verdict, its problems named by shard', () => {
    const unfinished = shardResult(1, { [S1]: [3, 4, 5] }, [400], 1);
    unfinished.complete = false;
    unfinished.problems = ['interrupted by a signal'];
    const merger = new ShardMerger();
    merger.add(shard0(), 'a');
    merger.add(unfinished, 'b');
    const { result } = merger.finish();
    expect(result.complete).toBe(false);
    expect(result.problems).toEqual([
      'incomplete: shard 1 did not finish its part: lost is not judged',
      'shard 1: interrupted by a signal',
    ]);
    expect(result.verdict).toMatchObject({ partial: true, lost: null });
  });

  it('refuses a result that is no shard, another N, or one shard twice, in one line', () => {
    const plain = shard0();
    delete plain.shard;
    expect(() => new ShardMerger().add(plain, 'x')).toThrow(
      'x: not a shard\'s result (no "shard" in result.json: run with --shards N)',
    );
    const merger = new ShardMerger();
    merger.add(shard0(), 'a');
    expect(() => merger.add(shard0(), 'c')).toThrow('refused: shard 0 given twice: a and c');
    const three = shard1();
    three.shard!.count = 3;
    expect(() => merger.add(three, 'd')).toThrow(
      'refused: shard counts differ: 3 in d, 2 in a: shards of one run only',
    );
  });
});
