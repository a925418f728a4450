/**
 * A worker's measuring side: counters and histograms of the current
 * interval (for the time series), and the run's cumulative figures that
 * exclude warm-up messages (for totals). Warm-up is decided per message by
 * the caller, since a warm-up message's outcome may arrive after warm-up.
 *
 * Hot path: `count` and `record` bump a field and record a value; nothing
 * else. `flush` and `finish` run on a timer and at the end.
 */
import { encodeHistogram, freeHistogram, newHistogram, record as recordValue, type Histogram } from './histogram.js';
import {
  isWarmupInterval,
  zeroCounters,
  type Counters,
  type EncodedHistograms,
  type FinalReport,
  type IntervalReport,
  type LatencyKind,
} from './interval.js';

export class Recorder {
  private interval = zeroCounters();
  private readonly total = zeroCounters();
  private readonly intervalHistograms = new Map<LatencyKind, Histogram>();
  private readonly totalHistograms = new Map<LatencyKind, Histogram>();

  constructor(
    readonly workerId: string,
    kinds: readonly LatencyKind[],
    private readonly warmupMs: number,
  ) {
    for (const kind of kinds) {
      this.intervalHistograms.set(kind, newHistogram());
      this.totalHistograms.set(kind, newHistogram());
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

  record(kind: LatencyKind, valueUs: number, warmup: boolean): void {
    recordValue(this.intervalHistograms.get(kind) as Histogram, valueUs);
    if (!warmup) recordValue(this.totalHistograms.get(kind) as Histogram, valueUs);
  }

  /** The report of interval `interval` (the caller's clock decides which one ended), and a fresh interval. */
  flush(interval: number): IntervalReport {
    const histograms: EncodedHistograms = {};
    for (const [kind, h] of this.intervalHistograms) {
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
    for (const [kind, h] of this.totalHistograms) {
      if (h.totalCount > 0) histograms[kind] = encodeHistogram(h);
    }
    for (const h of [...this.intervalHistograms.values(), ...this.totalHistograms.values()]) freeHistogram(h);
    return { workerId: this.workerId, counters: { ...this.total }, histograms };
  }
}
