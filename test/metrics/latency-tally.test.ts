import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeHistogram,
  encodeHistogram,
  freeHistogram,
  initHistograms,
  newHistogram,
  record,
} from '../../src/metrics/index.js';
import { LatencyTally } from '../../src/metrics/latency-tally.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { latencies } from './helpers.js';

/** Values at the edges of the buckets, fractions, negatives, and beyond the tally's 2^32 µs. */
const EDGES = [
  -5,
  0,
  0.4,
  1,
  1.999,
  2,
  1023,
  1024,
  2047,
  2047.9,
  2048,
  2049,
  2050,
  4095,
  4096,
  4097,
  1_000_000.5,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  3_600_000_000,
  5e9,
];

/** The encodings of recording `values` (with their warm-up flags) one by one, as the recorder did before the tally. */
function recordedDirectly(values: readonly number[], warm: (i: number) => boolean): [string, string] {
  const interval = newHistogram();
  const total = newHistogram();
  values.forEach((v, i) => {
    record(interval, v);
    if (!warm(i)) record(total, v);
  });
  const out: [string, string] = [encodeHistogram(interval), encodeHistogram(total)];
  freeHistogram(interval);
  freeHistogram(total);
  return out;
}

function tallied(values: readonly number[], warm: (i: number) => boolean, foldEvery: number): [string, string] {
  const interval = newHistogram();
  const total = newHistogram();
  const tally = new LatencyTally(interval, total);
  values.forEach((v, i) => {
    tally.record(v, warm(i));
    if ((i + 1) % foldEvery === 0) tally.fold();
  });
  tally.fold();
  const out: [string, string] = [encodeHistogram(interval), encodeHistogram(total)];
  freeHistogram(interval);
  freeHistogram(total);
  return out;
}

describe('LatencyTally', () => {
  beforeAll(async () => {
    await initHistograms();
  });

  it('leaves the same histograms, byte for byte, as recording each value', () => {
    const values = [...latencies(7, 20_000), ...EDGES, ...latencies(11, 5_000).map((v) => v * 997.3)];
    const warm = (i: number) => i % 7 === 0;
    const direct = recordedDirectly(values, warm);
    for (const foldEvery of [1, 333, values.length]) expect(tallied(values, warm, foldEvery)).toEqual(direct);
  });

  it('keeps warm-up values out of the run totals but in the interval', () => {
    const interval = newHistogram();
    const total = newHistogram();
    const tally = new LatencyTally(interval, total);
    tally.record(300, true);
    tally.record(5_000, false);
    tally.record(5_001, true);
    tally.fold();
    expect([interval.totalCount, total.totalCount]).toEqual([3, 1]);
    // 5,000 µs is recorded in a bucket 4 µs wide.
    expect(total.getValueAtPercentile(100)).toBeGreaterThanOrEqual(5_000);
    expect(total.getValueAtPercentile(100)).toBeLessThan(5_004);
    expect(interval.getValueAtPercentile(1)).toBeLessThan(301);
    // Folded counts are gone: a second fold adds nothing.
    tally.fold();
    expect([interval.totalCount, total.totalCount]).toEqual([3, 1]);
    freeHistogram(interval);
    freeHistogram(total);
  });

  it('is what a Recorder ships: an interval holds its values, the totals every non-warm-up one', () => {
    const recorder = new Recorder('s0', ['service', 'endToEnd'], 0);
    const values = latencies(3, 1_000);
    values.forEach((v, i) => recorder.record('service', v, i < 100));
    const first = recorder.flush(0);
    recorder.record('service', 42, false);
    const second = recorder.flush(1);
    const final = recorder.finish();
    const counts = [first.histograms.service, second.histograms.service, final.histograms.service].map((text) => {
      const h = decodeHistogram(text as string);
      const n = h.totalCount;
      freeHistogram(h);
      return n;
    });
    expect(counts).toEqual([1_000, 1, 901]);
    expect(first.histograms.endToEnd).toBeUndefined();
    expect(final.histograms.endToEnd).toBeUndefined();
  });
});
