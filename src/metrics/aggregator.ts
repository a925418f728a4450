import { addInto, decodeHistogram, encodeHistogram, freeHistogram, newHistogram, type Histogram } from './histogram.js';
import type { HlogInterval } from './hlog.js';
import {
  COUNTER_NAMES,
  INTERVAL_MS,
  LATENCY_KINDS,
  addCounters,
  zeroCounters,
  type Counters,
  type FinalReport,
  type IntervalReport,
  type LatencyKind,
} from './interval-report.js';
import { maxUs, summarize, type LatencySummary } from './summary.js';

/** Each latency kind's p50 and p99 in one second, µs; null when none were recorded. */
export type PerSecondLatency = { [K in LatencyKind as `${K}P50Us` | `${K}P99Us`]: number | null };

/** One second of the run, over all workers. Latencies in µs, null when none were recorded. */
export interface TimePoint extends Counters, PerSecondLatency {
  /** Seconds since the run start (the interval's start). */
  t: number;
  warmup: boolean;
}

/** Every kind's per-second p50 and p99 unrecorded (null). */
export function noPerSecondLatency(): PerSecondLatency {
  const latency = {} as Record<string, null>;
  for (const kind of LATENCY_KINDS) latency[`${kind}P50Us`] = latency[`${kind}P99Us`] = null;
  return latency as PerSecondLatency;
}

export const WARMUP_TAG = 'warmup';

/** An interval's merged histogram of one kind, kept encoded: small, and ready for the hlog. */
interface MergedInterval {
  hdr: string;
  count: number;
  p50Us: number;
  p99Us: number;
  /** For live metrics (src/metrics/prometheus.ts); the time series keeps p50 and p99 only. */
  p999Us: number;
  maxUs: number;
}

/** The quantiles live metrics show for one kind, µs. */
export interface LiveQuantiles {
  count: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
}

interface IntervalState {
  warmup: boolean;
  counters: Counters;
  merged: Partial<Record<LatencyKind, MergedInterval>>;
  /** Interval reports merged into it: complete once every worker has reported. */
  reports: number;
}

/** A worker's contribution to totals and latency: its non-warm-up intervals, until its final report replaces them. */
interface WorkerState {
  intervalsSeen: Set<number>;
  counters: Counters;
  histograms: Partial<Record<LatencyKind, Histogram>>;
  final: boolean;
}

/**
 * Merges the reports of many workers (see interval.ts for the scheme).
 * Interval reports are merged by their interval index, never by arrival
 * order. Holds WebAssembly histograms: call free() when done.
 */
export class Aggregator {
  private readonly intervals = new Map<number, IntervalState>();
  private readonly workers = new Map<string, WorkerState>();
  /** Every interval report's counters, warm-up included: only grows, as a Prometheus counter must. */
  private reportedSum = zeroCounters();

  addInterval(report: IntervalReport): void {
    if (!Number.isSafeInteger(report.interval) || report.interval < 0) {
      throw new RangeError(`interval must be a non-negative integer, got ${report.interval}`);
    }
    checkCounters(report.counters);
    const worker = this.worker(report.workerId);
    if (worker.intervalsSeen.has(report.interval)) {
      throw new Error(`worker ${report.workerId} reported interval ${report.interval} twice`);
    }
    worker.intervalsSeen.add(report.interval);
    this.mergeIntoInterval(report);
    if (!report.warmup && !worker.final) this.addToWorker(worker, report);
  }

  /** A worker's cumulative final report; it supersedes the worker's interval reports for totals and latency. */
  addFinal(report: FinalReport): void {
    const worker = this.worker(report.workerId);
    if (worker.final) throw new Error(`worker ${report.workerId} sent two final reports`);
    checkCounters(report.counters);
    worker.final = true;
    worker.counters = { ...report.counters };
    for (const kind of LATENCY_KINDS) {
      const old = worker.histograms[kind];
      if (old !== undefined) freeHistogram(old);
      const encoded = report.histograms[kind];
      if (encoded === undefined) delete worker.histograms[kind];
      else worker.histograms[kind] = decodeHistogram(encoded);
    }
  }

  /** One point per interval that has reports, in interval order, warm-up included and tagged. */
  timeseries(): TimePoint[] {
    return [...this.intervals.keys()].sort((a, b) => a - b).map((i) => this.point(i)!);
  }

  /** The point of one interval, for a live progress line; undefined before any report for it. */
  point(interval: number): TimePoint | undefined {
    const state = this.intervals.get(interval);
    if (state === undefined) return undefined;
    const latency: Record<string, number | null> = noPerSecondLatency();
    for (const kind of LATENCY_KINDS) {
      latency[`${kind}P50Us`] = percentileUs(state.merged[kind], 'p50Us');
      latency[`${kind}P99Us`] = percentileUs(state.merged[kind], 'p99Us');
    }
    return {
      t: (interval * INTERVAL_MS) / 1000,
      warmup: state.warmup,
      ...state.counters,
      ...(latency as PerSecondLatency),
    };
  }

  /** Counters over all workers, warm-up excluded. */
  totals(): Counters {
    let sum = zeroCounters();
    for (const worker of this.workers.values()) sum = addCounters(sum, worker.counters);
    return sum;
  }

  /** Counters of every interval report so far, warm-up included (live metrics: never decreases). */
  reported(): Counters {
    return { ...this.reportedSum };
  }

  /**
   * The latest interval below `below` that all `workers` have reported, looking
   * back a few seconds only (a crashed worker never completes one); undefined if none.
   */
  latestComplete(workers: number, below: number, lookBack = 5): number | undefined {
    for (let i = below - 1; i >= 0 && i >= below - lookBack; i--) {
      const state = this.intervals.get(i);
      if (state !== undefined && state.reports >= workers) return i;
    }
    return undefined;
  }

  /** One interval's quantiles per kind recorded in it (live metrics). */
  intervalQuantiles(interval: number): Partial<Record<LatencyKind, LiveQuantiles>> {
    const quantiles: Partial<Record<LatencyKind, LiveQuantiles>> = {};
    const state = this.intervals.get(interval);
    for (const kind of LATENCY_KINDS) {
      const merged = state?.merged[kind];
      if (merged !== undefined && merged.count > 0)
        quantiles[kind] = { count: merged.count, p50Us: merged.p50Us, p99Us: merged.p99Us, p999Us: merged.p999Us };
    }
    return quantiles;
  }

  /**
   * Quantiles over all workers, warm-up excluded, like latency() but without encoding a summary (live metrics, once a
   * second).
   */
  cumulativeQuantiles(): Partial<Record<LatencyKind, LiveQuantiles>> {
    const quantiles: Partial<Record<LatencyKind, LiveQuantiles>> = {};
    for (const kind of LATENCY_KINDS) {
      const q = this.readTotal(kind, (total) => ({
        count: total.totalCount,
        p50Us: total.getValueAtPercentile(50),
        p99Us: total.getValueAtPercentile(99),
        p999Us: total.getValueAtPercentile(99.9),
      }));
      if (q !== undefined) quantiles[kind] = q;
    }
    return quantiles;
  }

  /** Latency over all workers, warm-up excluded; only kinds with at least one value. */
  latency(): Partial<Record<LatencyKind, LatencySummary>> {
    const result: Partial<Record<LatencyKind, LatencySummary>> = {};
    for (const kind of LATENCY_KINDS) {
      const summary = this.readTotal(kind, summarize);
      if (summary !== undefined) result[kind] = summary;
    }
    return result;
  }

  /** Reads one kind's histogram merged over all workers (freed after); undefined when it holds no value. */
  private readTotal<T>(kind: LatencyKind, read: (total: Histogram) => T): T | undefined {
    const total = newHistogram();
    try {
      for (const worker of this.workers.values()) {
        const h = worker.histograms[kind];
        if (h !== undefined) addInto(total, h);
      }
      return total.totalCount > 0 ? read(total) : undefined;
    } finally {
      freeHistogram(total);
    }
  }

  /** The merged interval histograms of one kind, for formatHlog; warm-up intervals tagged 'warmup'. */
  hlogIntervals(kind: LatencyKind): HlogInterval[] {
    const lines: HlogInterval[] = [];
    for (const i of [...this.intervals.keys()].sort((a, b) => a - b)) {
      const state = this.intervals.get(i)!;
      const merged = state.merged[kind];
      if (merged === undefined) continue;
      const line: HlogInterval = {
        startMs: i * INTERVAL_MS,
        lengthMs: INTERVAL_MS,
        hdr: merged.hdr,
        maxUs: merged.maxUs,
      };
      if (state.warmup) line.tag = WARMUP_TAG;
      lines.push(line);
    }
    return lines;
  }

  /** Frees the WebAssembly memory; the aggregator is unusable afterwards. */
  free(): void {
    for (const worker of this.workers.values()) {
      for (const kind of LATENCY_KINDS) {
        const h = worker.histograms[kind];
        if (h !== undefined) freeHistogram(h);
      }
      worker.histograms = {};
    }
    this.workers.clear();
    this.intervals.clear();
  }

  private worker(workerId: string): WorkerState {
    let worker = this.workers.get(workerId);
    if (worker === undefined) {
      worker = { intervalsSeen: new Set(), counters: zeroCounters(), histograms: {}, final: false };
      this.workers.set(workerId, worker);
    }
    return worker;
  }

  private mergeIntoInterval(report: IntervalReport): void {
    let state = this.intervals.get(report.interval);
    if (state === undefined) {
      state = { warmup: report.warmup, counters: zeroCounters(), merged: {}, reports: 0 };
      this.intervals.set(report.interval, state);
    }
    state.reports += 1;
    this.reportedSum = addCounters(this.reportedSum, report.counters);
    // Workers share the run start, so they agree; if not, any warm-up taints the second.
    state.warmup ||= report.warmup;
    state.counters = addCounters(state.counters, report.counters);
    for (const kind of LATENCY_KINDS) {
      const encoded = report.histograms[kind];
      if (encoded !== undefined) state.merged[kind] = mergeEncoded(state.merged[kind], encoded);
    }
  }

  private addToWorker(worker: WorkerState, report: IntervalReport): void {
    worker.counters = addCounters(worker.counters, report.counters);
    for (const kind of LATENCY_KINDS) {
      const encoded = report.histograms[kind];
      if (encoded === undefined) continue;
      const delta = decodeHistogram(encoded);
      const cumulative = worker.histograms[kind];
      if (cumulative === undefined) {
        worker.histograms[kind] = delta; // keep the decoded delta as the running total
      } else {
        addInto(cumulative, delta);
        freeHistogram(delta);
      }
    }
  }
}

function mergeEncoded(previous: MergedInterval | undefined, encoded: string): MergedInterval {
  const merged = decodeHistogram(encoded);
  try {
    if (previous !== undefined) {
      const other = decodeHistogram(previous.hdr);
      addInto(merged, other);
      freeHistogram(other);
    }
    return {
      hdr: previous === undefined ? encoded : encodeHistogram(merged),
      count: merged.totalCount,
      p50Us: merged.getValueAtPercentile(50),
      p99Us: merged.getValueAtPercentile(99),
      p999Us: merged.getValueAtPercentile(99.9),
      maxUs: maxUs(merged),
    };
  } finally {
    freeHistogram(merged);
  }
}

// Reports cross a thread boundary as untyped data; a missing counter would
// silently turn every total into NaN, so fail where the bad report comes in.
function checkCounters(counters: Counters): void {
  for (const name of COUNTER_NAMES) {
    if (!Number.isFinite(counters[name]))
      throw new TypeError(`counter ${name} must be a finite number, got ${String(counters[name])}`);
  }
}

function percentileUs(merged: MergedInterval | undefined, key: 'p50Us' | 'p99Us'): number | null {
  return merged === undefined || merged.count === 0 ? null : merged[key];
}
