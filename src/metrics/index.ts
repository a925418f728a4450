// Metrics: histograms (one module owns their settings), summaries, worker
// interval reports and their aggregation, HDR interval logs, warm-up. Clocks and
// schedules are src/timing/.
export {
  Aggregator,
  noPerSecondLatency,
  WARMUP_TAG,
  type LiveQuantiles,
  type PerSecondLatency,
  type TimePoint,
} from './aggregator.js';
export {
  HIGHEST_TRACKABLE_US,
  LOWEST_DISCERNIBLE_US,
  SIGNIFICANT_DIGITS,
  addInto,
  decodeForReading,
  decodeHistogram,
  encodeHistogram,
  freeHistogram,
  initHistograms,
  newHistogram,
  newPlainHistogram,
  record,
  withDecoded,
  type Histogram,
  type JsHistogram,
} from './histogram.js';
export { formatHlog, type HlogInterval } from './hlog.js';
export {
  COUNTER_NAMES,
  INTERVAL_MS,
  LATENCY_KINDS,
  addCounters,
  intervalIndex,
  zeroCounters,
  type Counters,
  type EncodedHistograms,
  type FinalReport,
  type IntervalReport,
  type LatencyKind,
} from './interval-report.js';
export { isWarmup, isWarmupInterval, warmupEndUs } from './warmup.js';
export { maxUs, summarize, type LatencySummary } from './summary.js';
