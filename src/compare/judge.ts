/**
 * The judgement of each metric, pure. A metric regresses when BOTH hold:
 * - its change (current figure against baseline figure, in percent) is past
 *   its threshold in the bad direction (a rate falls by more, a latency
 *   rises by more), and
 * - the change is significant: a two-sided Mann-Whitney U test of the two
 *   sides' samples gives p < alpha, and the samples' medians moved the same
 *   way as the figures.
 * A change past the threshold that the noise could explain is "no change
 * beyond noise", never a regression.
 */
import { higherIsBetter, metricName, type Metric } from './metrics.js';
import type { Basis, MetricFigures } from './samples.js';
import { mannWhitney, median, relativeSpread, smallestP } from './statistics.js';
import type { Threshold } from './thresholds.js';

export const DEFAULT_ALPHA = 0.05;

export type Judgement =
  | 'regression' // significant, past the threshold, bad direction: exit 1
  | 'improvement' // significant, past the threshold's size, good direction
  | 'within threshold' // significant, but no further than the threshold
  | 'worse' // significant, bad direction, no threshold given for it
  | 'better' // significant, good direction, no threshold given for it
  | 'no change beyond noise'
  | 'untested'; // no samples to judge the noise by (e.g. p99.9 of single runs)

export interface Row {
  metric: Metric;
  name: string;
  basis: Basis;
  baseline: number;
  current: number;
  /** (current - baseline) / baseline, in percent. */
  changePercent: number;
  /** Signed, in the bad direction; null when the metric has none. */
  thresholdPercent: number | null;
  samples: { baseline: number; current: number };
  /** The larger side's interquartile range over its median, in percent; null with fewer than 2 samples. */
  noisePercent: number | null;
  /** Two-sided Mann-Whitney p; null when untested. */
  p: number | null;
  significant: boolean;
  /** Whether these sample counts could reach p < alpha at all (3 runs against 3 cannot). */
  canBeSignificant: boolean;
  judgement: Judgement;
}

export function judgeMetric(figures: MetricFigures, threshold: Threshold | undefined, alpha: number): Row | null {
  const { baseline, current } = figures;
  if (baseline.figure === null || current.figure === null) return null;
  const changePercent = percentChange(baseline.figure, current.figure);
  const test = mannWhitney(baseline.samples, current.samples);
  const shift = median(current.samples) - median(baseline.samples);
  const significant =
    test !== null && test.p < alpha && Math.sign(shift) === Math.sign(changePercent) && changePercent !== 0;
  return {
    metric: figures.metric,
    name: metricName(figures.metric),
    basis: figures.basis,
    baseline: baseline.figure,
    current: current.figure,
    changePercent,
    thresholdPercent: threshold?.percent ?? null,
    samples: { baseline: baseline.samples.length, current: current.samples.length },
    noisePercent: noise(baseline.samples, current.samples),
    p: test?.p ?? null,
    significant,
    canBeSignificant: smallestP(baseline.samples.length, current.samples.length) < alpha,
    judgement:
      test === null || !Number.isFinite(changePercent)
        ? 'untested'
        : judgement(figures.metric, changePercent, significant, threshold),
  };
}

function judgement(
  metric: Metric,
  changePercent: number,
  significant: boolean,
  threshold: Threshold | undefined,
): Judgement {
  if (!significant) return 'no change beyond noise';
  const bad = higherIsBetter(metric) ? changePercent < 0 : changePercent > 0;
  if (threshold === undefined) return bad ? 'worse' : 'better';
  if (Math.abs(changePercent) <= Math.abs(threshold.percent)) return 'within threshold';
  return bad ? 'regression' : 'improvement';
}

function percentChange(baseline: number, current: number): number {
  if (baseline === 0) return current === 0 ? 0 : Number.NaN;
  return ((current - baseline) / baseline) * 100;
}

function noise(baseline: readonly number[], current: readonly number[]): number | null {
  const spreads = [relativeSpread(baseline), relativeSpread(current)].filter((s) => Number.isFinite(s));
  return spreads.length === 0 ? null : Math.max(...spreads) * 100;
}
