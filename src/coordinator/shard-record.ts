/**
 * What a shard (--shards) writes beside its figures for `salvo merge`: which
 * shard of how many, the whole plan's hash, every ledger as it travels
 * (bitsets, 1 bit a message) and its per-second histograms. Pure.
 */
import { LATENCY_KINDS, type Aggregator } from '../metrics/index.js';
import type { Plan } from '../plan/index.js';
import { planHash } from '../plan/shards.js';
import type { WorkerResult } from '../protocol/worker-messages.js';
import type { ShardClock, ShardRecord, ShardSecond } from '../results/result.js';

/** The shard's part of the run as result.json keeps it; undefined for an unsharded plan. */
export function shardRecord(
  plan: Plan,
  finished: readonly WorkerResult[],
  everyWorkerFinished: boolean,
  ledger: boolean,
  seconds: readonly ShardSecond[],
  clock?: ShardClock,
): ShardRecord | undefined {
  if (plan.shards === undefined || plan.shards.index === null) return undefined;
  const ledgers =
    ledger && everyWorkerFinished
      ? {
          senders: finished.flatMap((w) => w.senderLedgers ?? []),
          receivers: finished.flatMap((w) => w.receiverLedgers ?? []),
        }
      : null;
  return {
    index: plan.shards.index,
    count: plan.shards.count,
    planHash: planHash(plan),
    ledgers,
    seconds: [...seconds],
    ...(clock && { clock }),
  };
}

/** Each second's merged histograms, by kind, from the run's interval histograms (warm-up seconds included). */
export function shardSeconds(series: Pick<Aggregator, 'hlogIntervals'>): ShardSecond[] {
  const bySecond = new Map<number, ShardSecond>();
  for (const kind of LATENCY_KINDS) {
    for (const interval of series.hlogIntervals(kind)) {
      const t = interval.startMs / 1000;
      let second = bySecond.get(t);
      if (second === undefined) bySecond.set(t, (second = { t, histograms: {} }));
      second.histograms[kind] = interval.hdr;
    }
  }
  return [...bySecond.values()].sort((a, b) => a.t - b.t);
}
