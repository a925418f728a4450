import {
  encodeHistogram,
  freeHistogram,
  newHistogram,
  record,
  zeroCounters,
  type Counters,
  type IntervalReport,
  type LatencyKind,
} from '../../src/metrics/index.js';

/** Deterministic pseudo-random latencies (µs), long-tailed like real ones. */
export function latencies(seed: number, n: number): number[] {
  let state = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const u = state / 2 ** 32;
    out.push(Math.round(50 + 200 / (1 - u * 0.999)));
  }
  return out;
}

export function encoded(values: readonly number[]): string {
  const h = newHistogram();
  for (const v of values) record(h, v);
  const text = encodeHistogram(h);
  freeHistogram(h);
  return text;
}

export function counters(partial: Partial<Counters>): Counters {
  return { ...zeroCounters(), ...partial };
}

export function report(
  workerId: string,
  interval: number,
  values: Partial<Record<LatencyKind, number[]>>,
  options: { warmup?: boolean; counters?: Partial<Counters> } = {},
): IntervalReport {
  const histograms: Partial<Record<LatencyKind, string>> = {};
  for (const [kind, vs] of Object.entries(values) as [LatencyKind, number[]][]) histograms[kind] = encoded(vs);
  const n = values.service?.length ?? 0;
  return {
    workerId,
    interval,
    warmup: options.warmup ?? false,
    counters: counters(options.counters ?? { sent: n, accepted: n, received: n }),
    histograms,
  };
}
