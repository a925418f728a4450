/**
 * The percentile distribution (`salvo report --format hgrm`, and the rows the
 * HTML plots draw) against histograms recorded here.
 */
import { describe, expect, it } from 'vitest';
import { decodeForReading } from '../../src/metrics/index.js';
import { distributionOf, formatHgrm, inverseTail } from '../../src/report/index.js';
import { encodedOf } from './fixture.js';

// 1..1000 µs, once each: below 2048 salvo's histograms (3 significant digits) hold every value exactly.
const ONE_TO_THOUSAND = Array.from({ length: 1000 }, (_, i) => [i + 1, 1] as const);

describe('percentile distribution', () => {
  it('reports each level at the first value whose cumulative count reaches it, and closes at 100%', async () => {
    const d = distributionOf(await encodedOf(ONE_TO_THOUSAND));
    expect(d.totalCount).toBe(1000);
    expect(d.max).toBe(1000);
    expect(d.mean).toBeCloseTo(500.5, 6);
    expect(d.stdDeviation).toBeCloseTo(Math.sqrt((1000 ** 2 - 1) / 12), 6);
    const at = (p: number) => d.rows.find((row) => Math.abs(row.percentile - p) < 1e-12);
    // value v holds the v-th smallest of 1000, so level p is first reached at ceil(1000 p).
    for (const p of [0.1, 0.5, 0.9, 0.95, 0.975])
      expect(at(p), `row at ${p}`).toEqual({
        value: Math.ceil(1000 * p),
        percentile: p,
        totalCount: Math.ceil(1000 * p),
      });
    expect(d.rows[0]).toEqual({ value: 1, percentile: 0, totalCount: 1 });
    expect(d.rows[d.rows.length - 1]).toEqual({ value: 1000, percentile: 1, totalCount: 1000 });
    // 5 ticks per halving: 0, 10, ..., 50, then 55, 60 ... (HdrHistogram's default).
    expect(d.rows.slice(0, 8).map((r) => Math.round(r.percentile * 1000) / 10)).toEqual([
      0, 10, 20, 30, 40, 50, 55, 60,
    ]);
    for (let i = 1; i < d.rows.length; i++) {
      expect(d.rows[i].percentile).toBeGreaterThan(d.rows[i - 1].percentile);
      expect(d.rows[i].value).toBeGreaterThanOrEqual(d.rows[i - 1].value);
    }
  });

  it("gives the mean and standard deviation hdr-histogram-js's own getters give, to the last bit", async () => {
    // Values spread over six decades, so many buckets of different widths hold counts.
    const values = Array.from({ length: 3000 }, (_, i) => [Math.round(1.006 ** i * 3), 1 + (i % 7)] as const);
    const encoded = await encodedOf(values);
    const d = distributionOf(encoded);
    const h = decodeForReading(encoded);
    expect(h.totalCount).toBeGreaterThan(10_000);
    expect(d.mean).toBe(h.mean);
    expect(d.stdDeviation).toBe(h.stdDeviation);
    expect(d.mean).toBeGreaterThan(0);
  });

  it('gives no rows for an empty histogram', async () => {
    expect(distributionOf(await encodedOf([])).rows).toEqual([]);
  });

  it('puts a tail on the value that holds it: 99.9% of 1000 samples at 100 µs and one at 1 s', async () => {
    const d = distributionOf(
      await encodedOf([
        [100, 999],
        [1_000_000, 1],
      ]),
    );
    const h = decodeForReading(await encodedOf([[1_000_000, 1]]));
    const top = h.highestEquivalentValue(1_000_000); // 1 s lies in a bucket 512 µs wide
    expect(d.rows.filter((r) => r.percentile < 1).every((r) => r.value === 100 || r.percentile >= 0.999)).toBe(true);
    expect(d.rows[d.rows.length - 1]).toEqual({ value: top, percentile: 1, totalCount: 1000 });
    expect(d.max).toBe(top);
  });
});

describe('salvo report --format hgrm', () => {
  it('prints the classic Value / Percentile / TotalCount / 1/(1-Percentile) table with its footer', async () => {
    const text = formatHgrm(distributionOf(await encodedOf(ONE_TO_THOUSAND)));
    const lines = text.split('\n');
    expect(lines[0]).toBe('       Value     Percentile TotalCount 1/(1-Percentile)');
    expect(lines[1]).toBe('');
    expect(lines).toContain('     900.000 0.900000000000        900          10.00');
    expect(lines).toContain('     975.000 0.975000000000        975          40.00');
    expect(lines).toContain('    1000.000 1.000000000000       1000');
    expect(text).toMatch(/^#\[Mean {4}= {6}500\.500, StdDeviation {3}= {6}288\.675\]$/m);
    expect(text).toMatch(/^#\[Max {5}= {5}1000\.000, Total count {4}= {9}1000\]$/m);
    expect(text).toMatch(/^#\[Buckets = +\d+, SubBuckets {5}= {9}2048\]$/m);
    expect(text.endsWith(']\n')).toBe(true);
  });

  it("matches hdr-histogram-js's own outputPercentileDistribution to the character", async () => {
    // A spread with a long tail, so the table runs well past 99.9%.
    const values: [number, number][] = [];
    for (let v = 50; v < 200_000; v = Math.ceil(v * 1.07)) values.push([v, Math.max(1, Math.round(1e6 / v))]);
    const encoded = await encodedOf(values);
    const reference = decodeForReading(encoded).outputPercentileDistribution();
    expect(formatHgrm(distributionOf(encoded))).toBe(reference);
  });

  it('divides values by the unit ratio (µs to ms)', async () => {
    const text = formatHgrm(distributionOf(await encodedOf(ONE_TO_THOUSAND)), 1000);
    expect(text.split('\n')).toContain('       0.900 0.900000000000        900          10.00');
    expect(text).toMatch(/^#\[Max {5}= {8}1\.000, /m);
  });

  it('x of the plots is 1/(1-p): 10 at 90%, 1000 at 99.9%', () => {
    expect(inverseTail(0.9)).toBeCloseTo(10, 9);
    expect(inverseTail(0.999)).toBeCloseTo(1000, 6);
    expect(inverseTail(1)).toBe(Infinity);
  });
});
