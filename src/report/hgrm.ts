/**
 * `salvo report --format hgrm`: HdrHistogram's classic percentile
 * distribution text (`Value Percentile TotalCount 1/(1-Percentile)` and the
 * Mean / StdDeviation / Max footer), which HdrHistogram's plotter and
 * HistogramLogProcessor users read. Values in the histogram's unit (µs)
 * divided by `unitRatio`.
 */
import type { Distribution, PercentileRow } from './distribution.js';
import { inverseTail } from './distribution.js';

export function formatHgrm(distribution: Distribution, unitRatio = 1): string {
  const digits = distribution.significantDigits;
  const value = (v: number): string => fixed(v / unitRatio, digits, 12);
  const lines = ['       Value     Percentile TotalCount 1/(1-Percentile)', ''];
  for (const row of distribution.rows) lines.push(rowLine(row, value));
  lines.push(
    `#[Mean    = ${value(distribution.mean)}, StdDeviation   = ${value(distribution.stdDeviation)}]`,
    `#[Max     = ${value(distribution.max)}, Total count    = ${int(distribution.totalCount, 12)}]`,
    `#[Buckets = ${int(distribution.bucketCount, 12)}, SubBuckets     = ${int(distribution.subBucketCount, 12)}]`,
  );
  return lines.join('\n') + '\n';
}

function rowLine(row: PercentileRow, value: (v: number) => string): string {
  const fields = `${value(row.value)} ${fixed(row.percentile, 12, 2)} ${int(row.totalCount, 10)}`;
  // The 100% row has no finite 1/(1-Percentile), and HdrHistogram leaves the column out.
  return row.percentile < 1 ? `${fields} ${fixed(inverseTail(row.percentile), 2, 14)}` : fields;
}

const formatters = new Map<number, Intl.NumberFormat>();

/**
 * Fixed-point the way Java's %.Nf (and hdr-histogram-js) rounds: from the
 * shortest decimal that reads back as the double, half up; toFixed rounds the
 * exact binary value and would differ in the last digit now and then.
 */
function fixed(v: number, digits: number, width: number): string {
  let format = formatters.get(digits);
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
      useGrouping: false,
    });
    formatters.set(digits, format);
  }
  return format.format(v).padStart(width);
}

function int(v: number, width: number): string {
  return String(v).padStart(width);
}
