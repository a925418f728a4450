/**
 * A worker's measuring side: counters and histograms of the current
 * interval (for the time series), and the run's cumulative figures that
 * exclude warm-up messages (for totals). Warm-up is decided per message by
 * the caller, since a warm-up message's outcome may arrive after warm-up.
 *
 * Hot path: `count` and `record` bump a field and a bucket's count (latency-tally.ts); nothing else. `flush` and
 * `finish` run on a timer and at the end, and add the buckets' counts to the histograms first.
 */
import { encodeHistogram, freeHistogram, newHistogram, type Histogram } from './histogram.js';
import { LatencyTally } from './latency-tally.js';
import {
  LATENCY_KINDS,
  zeroCounters,
  type Counters,
  type EncodedHistograms,
  type FinalReport,
  type IntervalReport,
  type LatencyKind,
} from './interval-report.js';
import { isWarmupInterval } from './warmup.js';

const KIND_INDEX: Readonly<Record<LatencyKind, number>> = {
  service: 0,
  corrected: 1,
  sendDelay: 2,
  endToEnd: 3,
  declare: 4,
  commit: 5,
  recvDeclare: 6,
  recvCommit: 7,
  roundTrip: 8,
  endToEndCrossShard: 9,
};

export class Recorder {
  private interval = zeroCounters();
  private readonly total = zeroCounters();
  /** Indexed by KIND_INDEX: no map lookup per recorded value. */
  private readonly intervalHistograms: (Histogram | undefined)[] = [];
  private readonly totalHistograms: (Histogram | undefined)[] = [];
  /** Per kind, this interval's latencies by bucket, added to both histograms at each flush. */
  private readonly tallies: (LatencyTally | undefined)[] = [];

  constructor(
    readonly workerId: string,
    kinds: readonly LatencyKind[],
    private readonly warmupMs: number,
  ) {
    for (const kind of kinds) {
      const interval = newHistogram();
      const total = newHistogram();
      this.intervalHistograms[KIND_INDEX[kind]] = interval;
      this.totalHistograms[KIND_INDEX[kind]] = total;
      this.tallies[KIND_INDEX[kind]] = new LatencyTally(interval, total);
    }
  }

  count(name: keyof Counters, warmup: boolean): void {
    this.interval[name]++;
    if (!warmup) this.total[name]++;
  }

  /** Counts `n` at once (a batch of in-doubt deliveries, say). */
  countMany(name: keyof Counters, n: number, warmup: boolean): void {
    this.interval[name] += n;
    if (!warmup) this.total[name] += n;
  }

  /** One latency (µs; a negative one counts as 0): in this interval's histogram, and unless in warm-up the run's. */
  record(kind: LatencyKind, valueUs: number, warmup: boolean): void {
    (this.tallies[KIND_INDEX[kind]] as LatencyTally).record(valueUs, warmup);
  }

  /** The report of interval `interval` (the caller's clock decides which one ended), and a fresh interval. */
  flush(interval: number): IntervalReport {
    const histograms: EncodedHistograms = {};
    for (const tally of this.tallies) tally?.fold();
    for (const kind of LATENCY_KINDS) {
      const h = this.intervalHistograms[KIND_INDEX[kind]];
      if (!h) continue;
      if (h.totalCount > 0) histograms[kind] = encodeHistogram(h);
      h.reset();
    }
    const report: IntervalReport = {
      workerId: this.workerId,
      interval,
      warmup: isWarmupInterval(interval, this.warmupMs),
      counters: this.interval,
      histograms,
    };
    this.interval = zeroCounters();
    return report;
  }

  /** Cumulative figures over non-warm-up messages; frees the histograms. */
  finish(): FinalReport {
    const histograms: EncodedHistograms = {};
    for (const tally of this.tallies) tally?.fold();
    for (const kind of LATENCY_KINDS) {
      const h = this.totalHistograms[KIND_INDEX[kind]];
      if (h && h.totalCount > 0) histograms[kind] = encodeHistogram(h);
    }
    for (const h of [...this.intervalHistograms, ...this.totalHistograms]) if (h) freeHistogram(h);
    return { workerId: this.workerId, counters: { ...this.total }, histograms };
  }
}
