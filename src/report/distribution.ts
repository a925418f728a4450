/**
 * A histogram's percentile distribution, row by row, as HdrHistogram reports
 * it (`outputPercentileDistribution`, the .hgrm format): percentile levels
 * that close in on 100% with a fixed number of ticks per halving of the
 * distance, each row the value at or below which that share of the recorded
 * values lie. Both the report's plots and `--format hgrm` read these rows.
 *
 * The walk over buckets follows HdrHistogram's PercentileIterator (the same
 * level arithmetic, so the rows and hdr-histogram-js's own text agree to the
 * digit): a level is reported at the first non-empty bucket whose cumulative
 * count reaches it, the bucket that completes the count reports once more,
 * and a last row at 100% closes the table.
 */
import { decodeForReading, type JsHistogram } from '../metrics/index.js';

/** HdrHistogram's default: 5 reporting points per halving of the distance to 100%. */
export const TICKS_PER_HALF_DISTANCE = 5;

export interface PercentileRow {
  /** The highest value equivalent to the bucket's (µs for salvo's histograms). */
  value: number;
  /** The level reported, 0..1 (HdrHistogram's `Percentile` column). */
  percentile: number;
  /** Values recorded at or below `value`. */
  totalCount: number;
}

export interface Distribution {
  rows: PercentileRow[];
  totalCount: number;
  mean: number;
  stdDeviation: number;
  max: number;
  bucketCount: number;
  subBucketCount: number;
  significantDigits: number;
}

/** The distribution of an encoded histogram (encodeHistogram's compressed base64). */
export function distributionOf(encoded: string, ticksPerHalfDistance = TICKS_PER_HALF_DISTANCE): Distribution {
  return distributionOfHistogram(decodeForReading(encoded), ticksPerHalfDistance);
}

export function distributionOfHistogram(h: JsHistogram, ticksPerHalfDistance = TICKS_PER_HALF_DISTANCE): Distribution {
  const mean = meanOf(h);
  return {
    rows: percentileRows(h, ticksPerHalfDistance),
    totalCount: h.totalCount,
    mean,
    stdDeviation: stdDeviationOf(h, mean),
    max: h.maxValue,
    bucketCount: h.bucketCount,
    subBucketCount: h.subBucketCount,
    significantDigits: h.numberOfSignificantValueDigits,
  };
}

/*
 * Mean and standard deviation as hdr-histogram-js computes them (each bucket at its median
 * equivalent value, summed in bucket order, so the same figures to the last bit), but read
 * straight from the counts: its getters walk with an iterator object per bucket, which cost a
 * 200k-message run's main thread a third of a second.
 */
function meanOf(h: JsHistogram): number {
  const total = h.totalCount;
  if (total === 0) return 0;
  let sum = 0;
  let seen = 0;
  for (let index = 0; index < h.countsArrayLength && seen < total; index++) {
    const count = h.getCountAtIndex(index);
    if (count === 0) continue;
    seen += count;
    sum += h.medianEquivalentValue(h.valueFromIndex(index)) * count;
  }
  return sum / total;
}

function stdDeviationOf(h: JsHistogram, mean: number): number {
  const total = h.totalCount;
  if (total === 0) return 0;
  let squares = 0;
  let seen = 0;
  for (let index = 0; index < h.countsArrayLength && seen < total; index++) {
    const count = h.getCountAtIndex(index);
    if (count === 0) continue;
    seen += count;
    const deviation = h.medianEquivalentValue(h.valueFromIndex(index)) - mean;
    squares += deviation * deviation * count;
  }
  return Math.sqrt(squares / total);
}

/** 1/(1-percentile): the x of HdrHistogram's percentile plots; Infinity at 100%. */
export function inverseTail(percentile: number): number {
  return 1 / (1 - percentile);
}

function percentileRows(h: JsHistogram, ticksPerHalfDistance: number): PercentileRow[] {
  const total = h.totalCount;
  const rows: PercentileRow[] = [];
  if (total === 0) return rows;
  let levelPercent = 0;
  let cumulative = 0;
  let lastValue = 0;
  for (let index = 0; index < h.countsArrayLength && cumulative < total; index++) {
    const count = h.getCountAtIndex(index);
    if (count === 0) continue;
    cumulative += count;
    lastValue = h.highestEquivalentValue(h.valueFromIndex(index));
    while ((100 * cumulative) / total >= levelPercent) {
      rows.push({ value: lastValue, percentile: levelPercent / 100, totalCount: cumulative });
      levelPercent = nextLevel(levelPercent, ticksPerHalfDistance);
      // The bucket that completes the count reports one level only; the 100% row follows.
      if (cumulative >= total) break;
    }
  }
  rows.push({ value: lastValue, percentile: 1, totalCount: total });
  return rows;
}

/** HdrHistogram's step: ticksPerHalfDistance levels in each halving of the distance to 100%. */
function nextLevel(levelPercent: number, ticksPerHalfDistance: number): number {
  const halvings = Math.floor(Math.log2(100 / (100 - levelPercent)));
  return levelPercent + 100 / (ticksPerHalfDistance * 2 ** (halvings + 1));
}
