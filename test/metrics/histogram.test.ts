import { beforeAll, describe, expect, it } from 'vitest';
import {
  HIGHEST_TRACKABLE_US,
  addInto,
  decodeHistogram,
  encodeHistogram,
  freeHistogram,
  initHistograms,
  newHistogram,
  record,
  summarize,
  withDecoded,
} from '../../src/metrics/index.js';

beforeAll(async () => {
  await Promise.all([initHistograms(), initHistograms()]); // concurrent calls are safe
  await initHistograms();
});

describe('histogram', () => {
  it('round-trips through its encoding', () => {
    const h = newHistogram();
    for (let v = 1; v <= 10_000; v++) record(h, v * 7);
    const encoded = encodeHistogram(h);
    expect(encoded).toMatch(/^[A-Za-z0-9+/=]+$/);
    const back = decodeHistogram(encoded);
    expect(back.totalCount).toBe(h.totalCount);
    expect(summarize(back)).toEqual(summarize(h));
    freeHistogram(back);
    freeHistogram(h);
  });

  it('records negatives and NaN as 0 instead of throwing', () => {
    const h = newHistogram();
    record(h, -5);
    record(h, Number.NaN);
    expect(h.totalCount).toBe(2);
    expect(h.maxValue).toBe(0);
    freeHistogram(h);
  });

  it('records beyond an hour without throwing, and decoded histograms still grow', () => {
    const h = newHistogram();
    record(h, HIGHEST_TRACKABLE_US * 2);
    expect(h.totalCount).toBe(1);
    const small = newHistogram();
    record(small, 10);
    const decoded = decodeHistogram(encodeHistogram(small));
    const huge = newHistogram();
    record(huge, HIGHEST_TRACKABLE_US * 4);
    addInto(decoded, huge);
    expect(decoded.totalCount).toBe(2);
    expect(decoded.maxValue).toBeGreaterThanOrEqual(HIGHEST_TRACKABLE_US * 4 * 0.999);
    for (const x of [h, small, decoded, huge]) freeHistogram(x);
  });

  it('keeps 3 significant digits', () => {
    const h = newHistogram();
    record(h, 123_456);
    expect(Math.abs(h.maxValue - 123_456) / 123_456).toBeLessThan(0.001);
    freeHistogram(h);
  });

  it('withDecoded frees the copy even when fn throws', () => {
    const h = newHistogram();
    record(h, 5);
    const encoded = encodeHistogram(h);
    freeHistogram(h);
    expect(withDecoded(encoded, (d) => d.totalCount)).toBe(1);
    expect(() =>
      withDecoded(encoded, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
  });

  it('summarizes with readable keys in µs', () => {
    const h = newHistogram();
    for (let v = 1; v <= 100_000; v++) record(h, v);
    const s = summarize(h);
    expect(Object.keys(s)).toEqual(['count', 'mean', 'p50', 'p90', 'p99', 'p999', 'p9999', 'p99999', 'max', 'hdr']);
    expect(s.count).toBe(100_000);
    expect(s.p50).toBeCloseTo(50_000, -2);
    expect(s.p99).toBeCloseTo(99_000, -2);
    expect(s.p999).toBeCloseTo(99_900, -2);
    expect(s.max).toBeCloseTo(100_000, -2);
    freeHistogram(h);
  });
});
